"""Specific (idiosyncratic) risk: USE4's pipeline (Methodology Notes §5), vectorised over stocks.

1. Time-series forecast: EWMA variance of each stock's specific returns times a Newey-West
   multiplier from its own EWMA autocorrelations.
2. Structural model for short or fat-tailed histories: regress ln(sigma_TS) on exposures over
   the well-behaved estimation-universe names, blend ``gamma sigma_TS + (1 - gamma) sigma_STR``.
3. Bayesian shrinkage towards the cap-weighted mean of the stock's size decile.
4. Volatility regime adjustment with the cap-weighted cross-sectional bias of specific returns.

Arrays are (T, N): dates by securities, NaN where a value is missing. Volatilities are daily.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from factor_engine.functions._arrays import BoolArray, FloatArray, row_sums
from factor_engine.functions.ewma import RunningMean, ewma_decay, running_ewma_root

__all__ = [
    "TimeSeriesState",
    "blend_with_structural_model",
    "blending_coefficients",
    "shrink_by_size_decile",
    "specific_regime_multipliers",
    "time_series_specific_volatility",
]


# Bounds on the Newey-West multiplier of a single stock's variance: its own autocorrelations
# are noisy, and a multiplier outside these would say more about noise than about risk.
_NEWEY_WEST_BOUNDS = (0.5, 2.0)
# USE4 eq. 5.5: full weight on the time series from 180 returns, none below 60.
_MIN_HISTORY, _FULL_HISTORY = 60, 180
# An interquartile range of a normal distribution spans 1.35 standard deviations.
_IQR_TO_STD = 1.35


@dataclass
class TimeSeriesState:
    """Where each stock's time-series recursions stand: the EWMA sums of squared residuals and
    their weights, the lagged products' sums and weights (lags + 1, N), the count of residuals,
    and the last ``lags`` rows of residuals (zero where missing) and their presence."""

    variance_sum: FloatArray
    variance_weight: FloatArray
    lagged_sums: FloatArray
    lagged_weights: FloatArray
    counts: FloatArray
    recent_values: FloatArray
    recent_present: BoolArray

    @classmethod
    def empty(cls, lags: int, n_securities: int) -> TimeSeriesState:
        return cls(
            variance_sum=np.zeros(n_securities),
            variance_weight=np.zeros(n_securities),
            lagged_sums=np.zeros((lags + 1, n_securities)),
            lagged_weights=np.zeros((lags + 1, n_securities)),
            counts=np.zeros(n_securities),
            recent_values=np.zeros((0, n_securities)),
            recent_present=np.zeros((0, n_securities), dtype=bool),
        )


def time_series_specific_volatility(
    residuals: FloatArray,
    half_life: float,
    lags: int,
    autocorrelation_half_life: float,
    state: TimeSeriesState | None = None,
) -> FloatArray:
    """EWMA specific volatility with a per-stock Newey-West multiplier, as of every row.

    Row t uses residuals of rows up to t. NaN until a stock has two residuals. A given
    ``state`` holds the rows before the first and is left after the last: residuals run in
    two parts give the volatilities of the whole.
    """
    n_dates, n_securities = residuals.shape
    decay, autocorrelation_decay = ewma_decay(half_life), ewma_decay(autocorrelation_half_life)
    state = state if state is not None else TimeSeriesState.empty(lags, n_securities)
    # the state's recent rows first: row `before + t` is row t
    before = state.recent_values.shape[0]
    present = np.vstack([state.recent_present, np.isfinite(residuals)])
    values = np.vstack([state.recent_values, np.where(present[before:], residuals, 0.0)])
    variance_sum, variance_weight = state.variance_sum, state.variance_weight
    lagged_sums, lagged_weights, counts = state.lagged_sums, state.lagged_weights, state.counts
    bartlett = 1.0 - np.arange(lags + 1) / (lags + 1)
    volatility = np.full((n_dates, n_securities), np.nan)
    for row in range(before, before + n_dates):
        t = row - before
        variance_sum = decay * variance_sum + values[row] ** 2
        variance_weight = decay * variance_weight + present[row]
        lagged_sums *= autocorrelation_decay
        lagged_weights *= autocorrelation_decay
        for lag in range(min(lags, row) + 1):
            lagged_sums[lag] += values[row] * values[row - lag]
            lagged_weights[lag] += present[row] & present[row - lag]
        counts += present[row]
        with np.errstate(divide="ignore", invalid="ignore"):
            gammas = np.where(lagged_weights > 0, lagged_sums / lagged_weights, 0.0)
            autocorrelations = np.where(gammas[0] > 0, gammas[1:] / gammas[0], 0.0)
            multiplier = 1.0 + 2.0 * (bartlett[1:, None] * autocorrelations).sum(axis=0)
            variance = variance_sum / variance_weight * np.clip(multiplier, *_NEWEY_WEST_BOUNDS)
        volatility[t] = np.where(counts >= 2, np.sqrt(variance), np.nan)
    kept = min(lags, values.shape[0])
    state.variance_sum, state.variance_weight = variance_sum, variance_weight
    state.recent_values = values[values.shape[0] - kept :].copy()
    state.recent_present = present[present.shape[0] - kept :].copy()
    return volatility


def blending_coefficients(window: FloatArray) -> FloatArray:
    """USE4's gamma per stock from its trailing window of specific returns (W, N).

    ``gamma = clip((h - 60) / 120, 0, 1) * clip(exp(1 - Z), 0, 1)`` with h the number of
    returns and ``Z = |sigma_eq - sigma_robust| / sigma_robust``, sigma_robust = IQR / 1.35:
    short histories and fat tails lean on the structural model.
    """
    counts = np.isfinite(window).sum(axis=0)
    lower, upper = _quartiles(window, counts)
    values = np.where(np.isfinite(window), window, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        robust = (upper - lower) / _IQR_TO_STD
        mean = values.sum(axis=0) / counts
        squares = np.where(np.isfinite(window), (window - mean) ** 2, 0.0).sum(axis=0)
        equal = np.sqrt(squares / (counts - 1))
        tail = np.abs(equal - robust) / robust
        history_weight = np.clip((counts - _MIN_HISTORY) / (_FULL_HISTORY - _MIN_HISTORY), 0, 1)
        gamma = history_weight * np.clip(np.exp(1.0 - tail), 0.0, 1.0)
    return np.where(np.isfinite(gamma), gamma, 0.0)


def _quartiles(window: FloatArray, counts: npt.NDArray[np.intp]) -> tuple[FloatArray, FloatArray]:
    """Lower and upper quartile (order statistics) of each column's finite values.

    Full columns, most of them, use a partial sort (linear); the rest a full sort, where NaN
    sorts last.
    """
    lower = np.full(window.shape[1], np.nan)
    upper = np.full(window.shape[1], np.nan)
    full = counts == window.shape[0]
    if full.any():
        last = window.shape[0] - 1
        low, high = int(np.floor(0.25 * last)), int(np.ceil(0.75 * last))
        partitioned = np.partition(window[:, full], [low, high], axis=0)
        lower[full], upper[full] = partitioned[low], partitioned[high]
    if (~full).any():
        ordered = np.sort(window[:, ~full], axis=0)
        columns = np.arange(ordered.shape[1])
        last_rows = np.maximum(counts[~full] - 1, 0)
        lower[~full] = ordered[np.floor(0.25 * last_rows).astype(int), columns]
        upper[~full] = ordered[np.ceil(0.75 * last_rows).astype(int), columns]
    return lower, upper


def blend_with_structural_model(
    time_series_volatility: FloatArray,
    gamma: FloatArray,
    exposures: FloatArray,
    market_cap: FloatArray,
    in_estimation_universe: BoolArray,
) -> tuple[FloatArray, FloatArray]:
    """One date: ``gamma sigma_TS + (1 - gamma) sigma_STR``; returns (blend, sigma_STR).

    ``exposures`` (N, K) holds industry dummies and styles (no country column: industry
    dummies already span it). ln(sigma_TS) is regressed on them with sqrt-cap weights over
    ESTU names with gamma = 1; ``sigma_STR = E0 exp(X b)``, E0 the cap-weighted mean ratio
    of sigma_TS to exp(X b) over those names (it undoes the log's downward bias, "slightly
    above 1" as USE4 says). With too few such names, sigma_STR is their cap-weighted mean.
    """
    usable = np.isfinite(exposures).all(axis=1)
    fitting = (
        in_estimation_universe
        & usable
        & (gamma >= 1.0)
        & np.isfinite(time_series_volatility)
        & (time_series_volatility > 0)
        & (market_cap > 0)
    )
    structural = np.full(gamma.shape, np.nan)
    if fitting.sum() > exposures.shape[1] + 1:
        root_weight = market_cap[fitting] ** 0.25
        coefficients, *_ = np.linalg.lstsq(
            exposures[fitting] * root_weight[:, None],
            np.log(time_series_volatility[fitting]) * root_weight,
            rcond=None,
        )
        fitted = np.exp(exposures[usable] @ coefficients)
        ratios = time_series_volatility[fitting] / np.exp(exposures[fitting] @ coefficients)
        structural[usable] = np.average(ratios, weights=market_cap[fitting]) * fitted
    elif fitting.any():
        structural[:] = np.average(time_series_volatility[fitting], weights=market_cap[fitting])
    time_series = np.where(np.isfinite(time_series_volatility), time_series_volatility, 0.0)
    weight = np.where(np.isfinite(time_series_volatility), gamma, 0.0)
    # no structural model yet (no well-behaved names early in the history): the time series
    # is all there is
    blend = np.where(
        np.isfinite(structural),
        weight * time_series + (1.0 - weight) * np.nan_to_num(structural),
        time_series_volatility,
    )
    return blend, structural


def shrink_by_size_decile(
    volatility: FloatArray,
    market_cap: FloatArray,
    in_estimation_universe: BoolArray,
    intensity: float,
) -> FloatArray:
    """One date: Bayesian shrinkage towards the cap-weighted mean of the size decile.

    ``sigma_SH = v mean_s + (1 - v) sigma``, ``v = q|sigma - mean_s| / (std_s + q|sigma -
    mean_s|)``; deciles from ESTU market-cap breakpoints, statistics over ESTU members (mean
    cap-weighted, std equal-weighted), applied to every stock with a cap.
    """
    reference = in_estimation_universe & np.isfinite(volatility) & (market_cap > 0)
    if reference.sum() < 10:
        return volatility
    edges = np.quantile(market_cap[reference], np.linspace(0.1, 0.9, 9))
    decile = np.searchsorted(edges, market_cap, side="right")
    shrunk = volatility.copy()
    for group in range(10):
        members = reference & (decile == group)
        targets = (decile == group) & np.isfinite(volatility)
        if members.sum() < 2:
            continue
        mean = np.average(volatility[members], weights=market_cap[members])
        spread = volatility[members].std(ddof=1)
        distance = intensity * np.abs(volatility[targets] - mean)
        with np.errstate(divide="ignore", invalid="ignore"):
            weight = np.where(spread + distance > 0, distance / (spread + distance), 0.0)
        shrunk[targets] = weight * mean + (1.0 - weight) * volatility[targets]
    return shrunk


def specific_regime_multipliers(
    residuals: FloatArray,
    forecast_volatility: FloatArray,
    cap_weight: FloatArray,
    half_life: float,
    state: RunningMean | None = None,
) -> FloatArray:
    """lambda_S as of every row: EWMA of ``B_t^2 = sum_n w_n (u_nt / sigma_n,t-1)^2``, rooted.

    ``forecast_volatility[t]`` is the forecast for row t's residuals (made before them), and
    ``cap_weight[t]`` the ESTU cap weights then (zero outside the ESTU). A given ``state`` is
    the average before the first row, left after the last.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        squared = (residuals / forecast_volatility) ** 2
    usable = np.isfinite(squared) & (cap_weight > 0)
    weights = np.where(usable, cap_weight, 0.0)
    totals = row_sums(weights)
    with np.errstate(divide="ignore", invalid="ignore"):
        bias = np.where(
            totals > 0, row_sums(weights * np.where(usable, squared, 0.0)) / totals, np.nan
        )
    return running_ewma_root(bias, half_life, state)
