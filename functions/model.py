"""The risk model end to end, on arrays: regressions, covariance, specific risk, validation.

Pure: a ``Panel`` in, a ``RiskModel`` out, no I/O (``jobs.py`` reads and writes the database).
Row t of a panel is the close of ``dates[t]``: exposures, market caps and ESTU membership known
then, and the return each security earns over the next session (realised at
``return_dates[t]``). Forecasts made at ``dates[t]`` use only returns realised up to
``dates[t]``, i.e. rows before t: nothing looks ahead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
from threadpoolctl import threadpool_limits

from factor_engine.functions._arrays import BoolArray, FloatArray, IntArray, Track, untracked
from factor_engine.functions.covariance import factor_covariance_history
from factor_engine.functions.model_config import ModelConfig
from factor_engine.functions.regression import fit_cross_section
from factor_engine.functions.specific_risk import (
    blend_with_structural_model,
    blending_coefficients,
    shrink_by_size_decile,
    specific_regime_multipliers,
    time_series_specific_volatility,
)
from factor_engine.functions.validation import (
    BiasSummary,
    decile_holdings,
    factor_portfolio_standardised_returns,
    stock_portfolio_standardised_returns,
    summarise_bias,
)

__all__ = [
    "CrossSectionHistory",
    "Panel",
    "RiskModel",
    "Track",
    "ValidationFamily",
    "cross_section_history",
    "estimate_risk_model",
    "untracked",
]


_RANDOM_PORTFOLIOS = 100


@dataclass(frozen=True)
class Panel:
    """Dates x securities inputs. ``industry`` is per security (-1: unclassified)."""

    dates: npt.NDArray[np.datetime64]
    security_ids: IntArray
    returns: FloatArray  # (T, N) over (dates[t], next session]
    market_cap: FloatArray  # (T, N)
    in_estimation_universe: BoolArray  # (T, N)
    styles: FloatArray  # (T, N, S)
    industry: IntArray  # (N,)
    industry_codes: tuple[str, ...]
    style_codes: tuple[str, ...]

    @cached_property
    def present(self) -> BoolArray:
        """Securities with a market cap and complete exposures at each date."""
        present: BoolArray = np.isfinite(self.market_cap) & np.isfinite(self.styles).all(axis=2)
        return present


@dataclass(frozen=True)
class ValidationFamily:
    family: str
    portfolio_codes: tuple[str, ...]
    summary: BiasSummary


@dataclass(frozen=True)
class RiskModel:
    """Outputs on the panel's grid; NaN where a value does not exist or was not computed."""

    factor_codes: tuple[str, ...]
    factor_returns: FloatArray  # (T, K), row t realised at the next session
    standard_errors: FloatArray
    t_stats: FloatArray
    r_squared: FloatArray  # (T,)
    count_observations: IntArray  # (T,)
    residuals: FloatArray  # (T, N), realised at the next session
    covariances: FloatArray  # (T, K, K) forecast at dates[t]
    factor_multiplier: FloatArray  # (T,)
    specific_multiplier: FloatArray  # (T,)
    specific_volatility: FloatArray  # (T, N) forecast at dates[t]
    time_series_volatility: FloatArray
    structural_volatility: FloatArray
    blend_weight: FloatArray
    validation: list[ValidationFamily] = field(default_factory=list)


def estimate_risk_model(
    panel: Panel,
    config: ModelConfig,
    output_rows: BoolArray | None = None,
    track: Track = untracked,
) -> RiskModel:
    """Run the whole model. Forecasts are computed for ``output_rows`` (default: all) and at
    month ends, which validation needs; everything recursive still runs over all rows.
    ``track`` wraps the long loops (a progress bar, say)."""
    n_dates = panel.dates.size
    wanted = np.ones(n_dates, bool) if output_rows is None else output_rows.copy()
    month_ends = _month_end_rows(panel.dates)
    wanted[month_ends] = True

    fits = cross_section_history(panel, track)
    factor_codes, kept = _factor_codes(panel)
    factor_returns = fits.factor_returns[:, kept]

    # history row t uses returns realised up to dates[t + 1]: the forecast at t is row t - 1
    history_rows = np.append(wanted[1:], False)
    history, factor_lambda = factor_covariance_history(
        factor_returns,
        volatility_half_life=config.volatility_half_life,
        volatility_lags=config.volatility_newey_west_lags,
        correlation_half_life=config.correlation_half_life,
        correlation_lags=config.correlation_newey_west_lags,
        regime_half_life=config.regime_half_life,
        eigen_simulations=config.eigen_simulations,
        seed=config.eigen_seed,
        output_rows=history_rows,
        track=track,
    )
    covariances = _shift(history)
    specific = _specific_risk(panel, config, fits.residuals, wanted, track)
    model = RiskModel(
        factor_codes=factor_codes,
        factor_returns=factor_returns,
        standard_errors=fits.standard_errors[:, kept],
        t_stats=fits.t_stats[:, kept],
        r_squared=fits.r_squared,
        count_observations=fits.count_observations,
        residuals=fits.residuals,
        covariances=covariances,
        factor_multiplier=_shift(factor_lambda, fill=1.0),
        specific_multiplier=specific.multiplier,
        specific_volatility=specific.volatility,
        time_series_volatility=specific.time_series,
        structural_volatility=specific.structural,
        blend_weight=specific.blend_weight,
    )
    model.validation.extend(_validate(panel, model, month_ends, config))
    return model


class CrossSectionHistory(NamedTuple):
    """Each date's regression on the panel's grid (NaN where none ran)."""

    factor_returns: FloatArray  # (T, all factors incl. a catch-all industry)
    standard_errors: FloatArray
    t_stats: FloatArray
    r_squared: FloatArray
    count_observations: IntArray
    residuals: FloatArray


class _SpecificRisk(NamedTuple):
    multiplier: FloatArray
    volatility: FloatArray
    time_series: FloatArray
    structural: FloatArray
    blend_weight: FloatArray


def cross_section_history(panel: Panel, track: Track = untracked) -> CrossSectionHistory:
    """The factor returns of every date of the panel, one constrained regression each, of the
    next session's returns on the date's exposures."""
    n_dates, n_securities = panel.returns.shape
    n_industries = len(panel.industry_codes)
    n_factors = 1 + n_industries + len(panel.style_codes)
    factor_returns = np.full((n_dates, n_factors), np.nan)
    standard_errors = np.full((n_dates, n_factors), np.nan)
    t_stats = np.full((n_dates, n_factors), np.nan)
    r_squared = np.full(n_dates, np.nan)
    counts = np.zeros(n_dates, np.int64)
    residuals = np.full((n_dates, n_securities), np.nan)
    present = panel.present
    # one BLAS thread: for QRs of 3,000 x 16, OpenBLAS's threads cost more than they save (252
    # days of the benchmark's market 0.39 -> 0.23 s on two cores, bench/RESULTS.md)
    with threadpool_limits(limits=1, user_api="blas"):
        for t in track(range(n_dates), "factor returns", n_dates):
            rows = np.flatnonzero(present[t] & np.isfinite(panel.returns[t]))
            if rows.size == 0:
                continue
            fit = fit_cross_section(
                panel.returns[t, rows],
                panel.styles[t, rows],
                panel.industry[rows],
                panel.market_cap[t, rows],
                panel.in_estimation_universe[t, rows],
                n_industries,
            )
            factor_returns[t], standard_errors[t], t_stats[t] = (
                fit.factor_returns,
                fit.standard_errors,
                fit.t_stats,
            )
            r_squared[t], counts[t] = fit.r_squared, fit.count_observations
            residuals[t, rows] = fit.residuals
    return CrossSectionHistory(
        factor_returns, standard_errors, t_stats, r_squared, counts, residuals
    )


def _factor_codes(panel: Panel) -> tuple[tuple[str, ...], IntArray]:
    """Country, industries, styles; a single catch-all industry is the country and is dropped."""
    codes = ("country", *panel.industry_codes, *panel.style_codes)
    kept = np.arange(len(codes))
    if len(panel.industry_codes) == 1:
        kept = np.delete(kept, 1)
    return tuple(codes[k] for k in kept), kept


def _specific_risk(
    panel: Panel, config: ModelConfig, residuals: FloatArray, wanted: BoolArray, track: Track
) -> _SpecificRisk:
    n_dates, n_securities = residuals.shape
    time_series = _shift(
        time_series_specific_volatility(
            residuals,
            config.specific_half_life,
            config.specific_newey_west_lags,
            config.specific_autocorrelation_half_life,
        )
    )
    estu_cap = np.where(panel.in_estimation_universe, np.nan_to_num(panel.market_cap), 0.0)
    cap_weight = estu_cap / np.maximum(estu_cap.sum(axis=1, keepdims=True), 1e-300)
    multiplier = _shift(
        specific_regime_multipliers(residuals, time_series, cap_weight, config.regime_half_life),
        fill=1.0,
    )
    industry_dummies = (
        panel.industry[:, None] == np.arange(len(panel.industry_codes))[None, :]
    ).astype(np.float64)
    industry_dummies[panel.industry < 0] = np.nan
    shape = (n_dates, n_securities)
    final, structural, gamma = (
        np.full(shape, np.nan),
        np.full(shape, np.nan),
        np.full(shape, np.nan),
    )
    present = panel.present
    dates = np.flatnonzero(wanted).tolist()
    for t in track(dates, "specific risk", len(dates)):
        window = residuals[max(0, t - config.structural_history) : t]
        gamma[t] = blending_coefficients(window) if t > 0 else 0.0
        exposures = np.hstack([industry_dummies, panel.styles[t]])
        blend, structural[t] = blend_with_structural_model(
            time_series[t],
            gamma[t],
            exposures,
            panel.market_cap[t],
            panel.in_estimation_universe[t],
        )
        shrunk = shrink_by_size_decile(
            blend, panel.market_cap[t], panel.in_estimation_universe[t], config.shrinkage_intensity
        )
        final[t] = np.where(present[t], multiplier[t] * shrunk, np.nan)
    return _SpecificRisk(multiplier, final, time_series, structural, gamma)


def _month_end_rows(dates: npt.NDArray[np.datetime64]) -> IntArray:
    months = dates.astype("datetime64[M]")
    return np.flatnonzero(np.append(months[1:] != months[:-1], True))


def _validate(
    panel: Panel, model: RiskModel, month_ends: IntArray, config: ModelConfig
) -> list[ValidationFamily]:
    starts = month_ends[:-1]
    ends = month_ends[1:]
    if starts.size == 0:
        return []
    horizons = (ends - starts).astype(np.float64)
    realised = np.stack(
        [model.factor_returns[s:e].sum(axis=0) for s, e in zip(starts, ends, strict=True)]
    )
    covariances = model.covariances[starts]
    n_factors = len(model.factor_codes)
    families = [("factors", model.factor_codes, np.eye(n_factors))]
    industries = [k for k, code in enumerate(model.factor_codes) if code in panel.industry_codes]
    if len(industries) > 1:
        pairs = [(i, j) for a, i in enumerate(industries) for j in industries[a + 1 :]]
        weights = np.zeros((len(pairs), n_factors))
        for row, (i, j) in enumerate(pairs):
            weights[row, i], weights[row, j] = 1.0, -1.0
        codes = tuple(f"{model.factor_codes[i]}-{model.factor_codes[j]}" for i, j in pairs)
        families.append(("industry_pairs", codes, weights))
    rng = np.random.default_rng(config.eigen_seed)
    families.append(
        (
            "random_factor_portfolios",
            tuple(f"random_{k:03d}" for k in range(_RANDOM_PORTFOLIOS)),
            rng.standard_normal((_RANDOM_PORTFOLIOS, n_factors)),
        )
    )
    results = [
        ValidationFamily(
            family,
            codes,
            summarise_bias(
                factor_portfolio_standardised_returns(weights, covariances, realised, horizons)
            ),
        )
        for family, codes, weights in families
    ]
    deciles = np.full((starts.size, 10), np.nan)
    for period, (start, end) in enumerate(zip(starts, ends, strict=True)):
        holdings = decile_holdings(
            model.specific_volatility[start],
            np.nan_to_num(panel.market_cap[start]),
            panel.in_estimation_universe[start] & panel.present[start],
        )
        if not holdings.any():
            continue
        compounded = np.prod(1.0 + np.nan_to_num(panel.returns[start:end]), axis=0) - 1.0
        exposures = _full_exposures(panel, start)[:, _kept_columns(panel, model)]
        deciles[period] = stock_portfolio_standardised_returns(
            holdings,
            exposures,
            covariances[period],
            model.specific_volatility[start],
            compounded,
            float(end - start),
        )
    codes = tuple(f"specific_risk_decile_{k + 1:02d}" for k in range(10))
    results.append(ValidationFamily("specific_risk_deciles", codes, summarise_bias(deciles)))
    return results


def _full_exposures(panel: Panel, row: int) -> FloatArray:
    n_securities = panel.industry.size
    dummies = (panel.industry[:, None] == np.arange(len(panel.industry_codes))[None, :]).astype(
        np.float64
    )
    return np.hstack([np.ones((n_securities, 1)), dummies, panel.styles[row]])


def _kept_columns(panel: Panel, model: RiskModel) -> IntArray:
    all_codes = ("country", *panel.industry_codes, *panel.style_codes)
    return np.array([all_codes.index(code) for code in model.factor_codes])


def _shift(history: FloatArray, fill: float = np.nan) -> FloatArray:
    """Row t takes row t - 1: turns 'estimated from rows up to t' into 'forecast at t'."""
    shifted = np.empty_like(history)
    shifted[0] = fill
    shifted[1:] = history[:-1]
    return shifted
