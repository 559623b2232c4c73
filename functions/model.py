"""The risk model end to end, on arrays: regressions, covariance, specific risk, validation.

Pure: a ``Panel`` in, a ``RiskModel`` out, no I/O (``jobs.py`` reads and writes the database).
Row t of a panel is the close of ``dates[t]``: exposures, market caps and ESTU membership known
then, and the return each security earns over the next session (realised at
``return_dates[t]``). Forecasts made at ``dates[t]`` use only returns realised up to
``dates[t]``, i.e. rows before t: nothing looks ahead.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple, TypeVar

import numpy as np
import numpy.typing as npt
from threadpoolctl import threadpool_limits

from factor_engine.functions._arrays import (
    BoolArray,
    FloatArray,
    IntArray,
    Track,
    row_sums,
    untracked,
)
from factor_engine.functions.covariance import CovarianceState, factor_covariance_history
from factor_engine.functions.ewma import RunningMean
from factor_engine.functions.model_config import ModelConfig
from factor_engine.functions.model_state import ModelState
from factor_engine.functions.regression import fit_cross_section
from factor_engine.functions.specific_risk import (
    TimeSeriesState,
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
    "ModelState",
    "Panel",
    "RiskModel",
    "Track",
    "ValidationFamily",
    "cross_section_history",
    "estimate_risk_model",
    "resume_problem",
    "untracked",
]


_RANDOM_PORTFOLIOS = 100

_State = TypeVar("_State")


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

    def __post_init__(self) -> None:
        # row order in memory: numpy sums a row of another layout in another order, and a
        # resumed run must give the whole run's values to the last bit
        for name in ("returns", "market_cap", "in_estimation_universe", "styles"):
            object.__setattr__(self, name, np.ascontiguousarray(getattr(self, name)))

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
    # as of the panel's last month end that has a next session: where a later run can resume
    state: ModelState | None = None


def estimate_risk_model(
    panel: Panel,
    config: ModelConfig,
    output_rows: BoolArray | None = None,
    track: Track = untracked,
    resume: ModelState | None = None,
) -> RiskModel:
    """Run the whole model. Forecasts are computed for ``output_rows`` (default: all) and at
    month ends, which validation needs; everything recursive still runs over all rows.

    ``resume`` is a stored state as of the panel's first date (``RiskModel.state`` of an
    earlier run; the panel then starts at its date): the recursions continue from it and
    validation counts its months too, so the outputs are those of a run over the whole
    history. ``track`` wraps the long loops (a progress bar, say)."""
    n_dates = panel.dates.size
    wanted = np.ones(n_dates, bool) if output_rows is None else output_rows.copy()
    month_ends = _month_end_rows(panel.dates)
    wanted[month_ends] = True

    fits = cross_section_history(panel, track)
    factor_codes, kept = _factor_codes(panel)
    factor_returns = fits.factor_returns[:, kept]
    if resume is None:
        start = _empty_state(panel, config, factor_codes)
    elif problem := resume_problem(resume, panel):
        msg = f"cannot resume from the state of {resume.as_of_date}: {problem}"
        raise ValueError(msg)
    else:
        start = resume.for_securities(panel.security_ids)
    # the recursions move `state` on; `start` keeps the forecasts made before the first row
    state = copy.deepcopy(start)
    split = _last_month_end(panel.dates)

    # history row t uses returns realised up to dates[t + 1]: the forecast at t is row t - 1
    history_rows = np.append(wanted[1:], False)
    (history, factor_lambda), covariance_at_split = _in_two_parts(
        lambda rows: factor_covariance_history(
            factor_returns[rows],
            volatility_half_life=config.volatility_half_life,
            volatility_lags=config.volatility_newey_west_lags,
            correlation_half_life=config.correlation_half_life,
            correlation_lags=config.correlation_newey_west_lags,
            regime_half_life=config.regime_half_life,
            eigen_simulations=config.eigen_simulations,
            seed=config.eigen_seed,
            output_rows=history_rows[rows],
            track=track,
            state=state.covariance,
        ),
        state.covariance,
        n_dates,
        split,
    )
    covariances = _shift(history, fill=start.forecast_covariance)
    factor_multiplier = _shift(factor_lambda, fill=start.forecast_factor_multiplier)
    specific = _specific_risk(panel, config, fits.residuals, wanted, track, start, state, split)
    model = RiskModel(
        factor_codes=factor_codes,
        factor_returns=factor_returns,
        standard_errors=fits.standard_errors[:, kept],
        t_stats=fits.t_stats[:, kept],
        r_squared=fits.r_squared,
        count_observations=fits.count_observations,
        residuals=fits.residuals,
        covariances=covariances,
        factor_multiplier=factor_multiplier,
        specific_multiplier=specific.multiplier,
        specific_volatility=specific.volatility,
        time_series_volatility=specific.time_series,
        structural_volatility=specific.structural,
        blend_weight=specific.blend_weight,
    )
    validation, validation_at_split = _validate(
        panel, model, month_ends, config, start.validation, split
    )
    model.validation.extend(validation)
    if split is not None:
        assert covariance_at_split is not None
        assert specific.time_series_at_split is not None
        assert specific.regime_at_split is not None
        model = dataclasses.replace(
            model,
            state=ModelState(
                as_of_date=panel.dates[split],
                factor_codes=factor_codes,
                security_ids=panel.security_ids,
                industry=panel.industry,
                covariance=covariance_at_split,
                time_series=specific.time_series_at_split,
                specific_regime=specific.regime_at_split,
                residual_window=specific.residual_window_at_split,
                forecast_covariance=covariances[split],
                forecast_factor_multiplier=float(factor_multiplier[split]),
                forecast_time_series_volatility=specific.time_series[split],
                forecast_specific_multiplier=float(specific.multiplier[split]),
                validation=validation_at_split,
            ),
        )
    return model


def resume_problem(state: ModelState, panel: Panel) -> str | None:
    """Why a run over ``panel`` cannot continue from ``state`` (None: it can). The panel must
    start at the state's date and hold its securities, with the same factors and industries
    (a reclassified security would make the state's history disagree with a whole run's)."""
    if panel.dates.size == 0 or panel.dates[0] != state.as_of_date:
        first = panel.dates[0] if panel.dates.size else "no date"
        return f"the exposures start on {first}, not on the state's date"
    factor_codes, _ = _factor_codes(panel)
    if factor_codes != state.factor_codes:
        changed = sorted(set(factor_codes) ^ set(state.factor_codes))
        return f"the factors differ ({', '.join(changed) or 'their order'})"
    columns = np.searchsorted(panel.security_ids, state.security_ids)
    columns = np.minimum(columns, panel.security_ids.size - 1)
    if not np.array_equal(panel.security_ids[columns], state.security_ids):
        return "securities of the state are missing from the exposures"
    moved = int((panel.industry[columns] != state.industry).sum())
    if moved:
        return f"{moved} securities changed industry"
    return None


def _empty_state(panel: Panel, config: ModelConfig, factor_codes: tuple[str, ...]) -> ModelState:
    """The state before the first date: nothing seen, no forecasts (multipliers 1)."""
    n_factors, n_securities = len(factor_codes), panel.security_ids.size
    return ModelState(
        as_of_date=np.datetime64("NaT", "D"),
        factor_codes=factor_codes,
        security_ids=panel.security_ids,
        industry=panel.industry,
        covariance=CovarianceState.empty(
            config.volatility_newey_west_lags, config.correlation_newey_west_lags, n_factors
        ),
        time_series=TimeSeriesState.empty(config.specific_newey_west_lags, n_securities),
        specific_regime=RunningMean(),
        residual_window=np.zeros((0, n_securities)),
        forecast_covariance=np.full((n_factors, n_factors), np.nan),
        forecast_factor_multiplier=1.0,
        forecast_time_series_volatility=np.full(n_securities, np.nan),
        forecast_specific_multiplier=1.0,
        validation={},
    )


def _in_two_parts(
    run: Callable[[slice], tuple[FloatArray, ...]], state: _State, n_rows: int, split: int | None
) -> tuple[tuple[FloatArray, ...], _State | None]:
    """A recursion (``run`` over a slice of rows, moving ``state`` on) over rows before
    ``split`` and from it, joined, with a copy of the state at ``split``; in one go without."""
    if split is None:
        return run(slice(0, n_rows)), None
    before = run(slice(0, split))
    at_split = copy.deepcopy(state)
    after = run(slice(split, n_rows))
    return tuple(np.concatenate(pair) for pair in zip(before, after, strict=True)), at_split


def _last_month_end(dates: npt.NDArray[np.datetime64]) -> int | None:
    """The row of the last month end with a session after it in the panel (None if there is
    none after the first row): the latest date a state can be kept at."""
    months = dates.astype("datetime64[M]")
    ends = np.flatnonzero(months[1:] != months[:-1])
    ends = ends[ends > 0]
    return int(ends[-1]) if ends.size else None


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
    # where the recursions and the residual window stood at the split row
    time_series_at_split: TimeSeriesState | None
    regime_at_split: RunningMean | None
    residual_window_at_split: FloatArray


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
    panel: Panel,
    config: ModelConfig,
    residuals: FloatArray,
    wanted: BoolArray,
    track: Track,
    start: ModelState,
    state: ModelState,
    split: int | None,
) -> _SpecificRisk:
    n_dates, n_securities = residuals.shape
    (time_series_history,), time_series_at_split = _in_two_parts(
        lambda rows: (
            time_series_specific_volatility(
                residuals[rows],
                config.specific_half_life,
                config.specific_newey_west_lags,
                config.specific_autocorrelation_half_life,
                state.time_series,
            ),
        ),
        state.time_series,
        n_dates,
        split,
    )
    time_series = _shift(time_series_history, fill=start.forecast_time_series_volatility)
    estu_cap = np.where(panel.in_estimation_universe, np.nan_to_num(panel.market_cap), 0.0)
    cap_weight = estu_cap / np.maximum(row_sums(estu_cap)[:, None], 1e-300)
    (regime_history,), regime_at_split = _in_two_parts(
        lambda rows: (
            specific_regime_multipliers(
                residuals[rows],
                time_series[rows],
                cap_weight[rows],
                config.regime_half_life,
                state.specific_regime,
            ),
        ),
        state.specific_regime,
        n_dates,
        split,
    )
    multiplier = _shift(regime_history, fill=start.forecast_specific_multiplier)
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
    # the residuals before each row, the state's window first: row `earlier + t` is row t
    earlier = start.residual_window.shape[0]
    history = np.vstack([start.residual_window, residuals])
    dates = np.flatnonzero(wanted).tolist()
    for t in track(dates, "specific risk", len(dates)):
        row = earlier + t
        window = history[max(0, row - config.structural_history) : row]
        gamma[t] = blending_coefficients(window) if row > 0 else 0.0
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
    split_row = earlier + (split or 0)
    return _SpecificRisk(
        multiplier,
        final,
        time_series,
        structural,
        gamma,
        time_series_at_split,
        regime_at_split,
        history[max(0, split_row - config.structural_history) : split_row].copy(),
    )


def _month_end_rows(dates: npt.NDArray[np.datetime64]) -> IntArray:
    months = dates.astype("datetime64[M]")
    return np.flatnonzero(np.append(months[1:] != months[:-1], True))


def _validate(
    panel: Panel,
    model: RiskModel,
    month_ends: IntArray,
    config: ModelConfig,
    earlier: dict[str, FloatArray],
    split: int | None,
) -> tuple[list[ValidationFamily], dict[str, FloatArray]]:
    """Each family's bias statistics over the months before the panel (``earlier``, a state's
    standardised returns) and the panel's own; and the standardised returns of the months
    that ended by ``split``, for the state kept there."""
    starts, ends = month_ends[:-1], month_ends[1:]
    completed = 0 if split is None else int((ends <= split).sum())
    results, at_split = [], {}
    for family, codes, standardised in _standardised_returns(panel, model, starts, ends, config):
        before = earlier.get(family, np.empty((0, len(codes))))
        if before.shape[0] + standardised.shape[0] == 0:
            continue
        results.append(
            ValidationFamily(family, codes, summarise_bias(np.vstack([before, standardised])))
        )
        at_split[family] = np.vstack([before, standardised[:completed]])
    return results, at_split


def _standardised_returns(
    panel: Panel, model: RiskModel, starts: IntArray, ends: IntArray, config: ModelConfig
) -> list[tuple[str, tuple[str, ...], FloatArray]]:
    """Each family's portfolio codes and standardised returns (periods, portfolios) over the
    periods from ``starts`` to ``ends``. One period at a time: a period's values must not
    depend on which others a run computes beside it (a resumed run has fewer)."""
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
    periods = list(zip(starts.tolist(), ends.tolist(), strict=True))
    results = [
        (
            family,
            codes,
            np.vstack(
                [
                    factor_portfolio_standardised_returns(
                        weights,
                        model.covariances[start : start + 1],
                        model.factor_returns[start:end].sum(axis=0)[None, :],
                        np.array([float(end - start)]),
                    )
                    for start, end in periods
                ]
                or [np.empty((0, len(codes)))]
            ),
        )
        for family, codes, weights in families
    ]
    deciles = np.full((len(periods), 10), np.nan)
    for period, (start, end) in enumerate(periods):
        holdings = decile_holdings(
            model.specific_volatility[start],
            np.nan_to_num(panel.market_cap[start]),
            panel.in_estimation_universe[start] & panel.present[start],
        )
        if not holdings.any():
            continue
        # only the held stocks: the products then do not depend on how many others there are
        held = np.flatnonzero(holdings.any(axis=0))
        returns = np.nan_to_num(panel.returns[start:end, held])
        exposures = _full_exposures(panel, start)[np.ix_(held, _kept_columns(panel, model))]
        deciles[period] = stock_portfolio_standardised_returns(
            holdings[:, held],
            exposures,
            model.covariances[start],
            model.specific_volatility[start, held],
            np.prod(1.0 + returns, axis=0) - 1.0,
            float(end - start),
        )
    codes = tuple(f"specific_risk_decile_{k + 1:02d}" for k in range(10))
    results.append(("specific_risk_deciles", codes, deciles))
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


def _shift(history: FloatArray, fill: float | FloatArray = np.nan) -> FloatArray:
    """Row t takes row t - 1: turns 'estimated from rows up to t' into 'forecast at t'."""
    shifted = np.empty_like(history)
    shifted[0] = fill
    shifted[1:] = history[:-1]
    return shifted
