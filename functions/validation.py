"""Forecast validation: bias statistics and rolling MRAD for test portfolios (USE4 App. A).

A forecast is judged on non-overlapping periods (months): the standardised return of portfolio
p in period m is ``b = R / sigma``, realised return over forecast volatility made at the start.
A perfect forecast of normal returns has a bias statistic ``B = std(b)`` near 1, inside
``1 +/- sqrt(2/T)`` 95% of the time; the rolling 12-period bias B(tau) has a mean absolute
deviation from 1 (MRAD) of about 0.17 at best.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from factor_engine.functions._arrays import BoolArray, FloatArray

__all__ = [
    "BiasSummary",
    "decile_holdings",
    "factor_portfolio_standardised_returns",
    "stock_portfolio_standardised_returns",
    "summarise_bias",
]


@dataclass(frozen=True)
class BiasSummary:
    """Bias statistics of one family of test portfolios.

    Per portfolio: ``count_periods``, ``bias`` and ``is_within_band`` (arrays over
    portfolios). For the family: ``mrad`` over all portfolios' rolling windows, the 5th and
    95th percentiles of the rolling biases, and the band's half-width for a typical portfolio.
    """

    count_periods: npt.NDArray[np.int64]
    bias: FloatArray
    is_within_band: BoolArray
    mrad: float
    rolling_bias_p05: float
    rolling_bias_p95: float
    band_half_width: float


def factor_portfolio_standardised_returns(
    weights: FloatArray, covariances: FloatArray, realised: FloatArray, horizons: FloatArray
) -> FloatArray:
    """b for portfolios of factors: ``x' f_sum / sqrt(h x' F x)`` per period and portfolio.

    ``weights`` (P, K), ``covariances`` (M, K, K) daily forecasts made at each period's start,
    ``realised`` (M, K) factor returns summed over the period, ``horizons`` (M,) sessions in
    it. NaN where the portfolio holds a factor without a forecast or a return.
    """
    held = weights != 0
    missing = (~np.isfinite(realised))[:, None, :] | (
        ~np.isfinite(np.diagonal(covariances, axis1=1, axis2=2))
    )[:, None, :]
    incomplete = (missing & held[None, :, :]).any(axis=2)
    clean_covariances = np.nan_to_num(covariances)
    variance = np.einsum("pk,mkl,pl->mp", weights, clean_covariances, weights) * horizons[:, None]
    returns = np.nan_to_num(realised) @ weights.T
    with np.errstate(divide="ignore", invalid="ignore"):
        standardised: FloatArray = returns / np.sqrt(variance)
    standardised[incomplete | (variance <= 0)] = np.nan
    return standardised


def stock_portfolio_standardised_returns(
    holdings: FloatArray,
    exposures: FloatArray,
    covariance: FloatArray,
    specific_volatility: FloatArray,
    realised: FloatArray,
    horizon: float,
) -> FloatArray:
    """b of stock portfolios for one period: ``h' R / sqrt(horizon (x'Fx + sum h^2 s^2))``.

    ``holdings`` (P, N), ``exposures`` (N, K), ``covariance`` (K, K) daily, ``specific_volatility``
    (N,) daily, ``realised`` (N,) compounded returns over the period (a missing return counts
    as zero: the stock's weight earned nothing, as for a delisting without a final price).
    """
    factor_exposure = holdings @ np.nan_to_num(exposures)
    factor_variance = np.einsum(
        "pk,kl,pl->p", factor_exposure, np.nan_to_num(covariance), factor_exposure
    )
    specific_variance = holdings**2 @ np.nan_to_num(specific_volatility) ** 2
    variance = (factor_variance + specific_variance) * horizon
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(
            variance > 0, holdings @ np.nan_to_num(realised) / np.sqrt(variance), np.nan
        )


def decile_holdings(
    sort_key: FloatArray, market_cap: FloatArray, eligible: BoolArray
) -> FloatArray:
    """Cap-weighted portfolios of the deciles of ``sort_key`` among eligible stocks, (10, N)."""
    holdings = np.zeros((10, sort_key.size))
    members = np.flatnonzero(eligible & np.isfinite(sort_key) & (market_cap > 0))
    if members.size < 10:
        return holdings
    ranks = np.argsort(np.argsort(sort_key[members]))
    decile = ranks * 10 // members.size
    for group in range(10):
        chosen = members[decile == group]
        holdings[group, chosen] = market_cap[chosen] / market_cap[chosen].sum()
    return holdings


def summarise_bias(standardised: FloatArray, window: int = 12) -> BiasSummary:
    """Bias statistics of each portfolio (columns) over periods (rows), rolling windows too.

    Examples
    --------
    >>> import numpy as np
    >>> b = np.random.default_rng(0).standard_normal((600, 3))
    >>> summary = summarise_bias(b)
    >>> bool(abs(summary.bias - 1).max() < 0.1), bool(0.1 < summary.mrad < 0.3)
    (True, True)
    """
    finite = np.isfinite(standardised)
    counts = finite.sum(axis=0)
    bias = np.full(standardised.shape[1], np.nan)
    enough = counts > 1
    bias[enough] = np.nanstd(standardised[:, enough], axis=0, ddof=1)
    half_widths = np.sqrt(2.0 / np.maximum(counts, 1))
    within = enough & (np.abs(bias - 1.0) <= half_widths)
    rolling = _rolling_bias(standardised, window)
    deviations = np.abs(rolling - 1.0)
    has_rolling = np.isfinite(rolling).any()
    return BiasSummary(
        count_periods=counts.astype(np.int64),
        bias=bias,
        is_within_band=within,
        mrad=float(np.nanmean(deviations)) if has_rolling else np.nan,
        rolling_bias_p05=float(np.nanpercentile(rolling, 5)) if has_rolling else np.nan,
        rolling_bias_p95=float(np.nanpercentile(rolling, 95)) if has_rolling else np.nan,
        band_half_width=float(np.sqrt(2.0 / max(int(np.median(counts)), 1))),
    )


def _rolling_bias(standardised: FloatArray, window: int) -> FloatArray:
    """B(tau) over each complete window of ``window`` consecutive periods, per portfolio."""
    n_periods = standardised.shape[0]
    if n_periods < window:
        return np.full((0, standardised.shape[1]), np.nan)
    windows = np.lib.stride_tricks.sliding_window_view(standardised, window, axis=0)
    complete = np.isfinite(windows).all(axis=2)
    rolling = np.full(complete.shape, np.nan)
    rolling[complete] = windows[complete].std(axis=1, ddof=1)
    return rolling
