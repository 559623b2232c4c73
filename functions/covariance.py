"""Factor covariance forecasts: USE4's pipeline (Methodology Notes §4), one forecast per date.

For each date t, from factor returns up to and including t:

1. EWMA covariance with Newey-West serial-correlation terms twice: once with the volatility
   half-life (its diagonal gives volatilities), once with the correlation half-life (gives
   correlations); ``F0 = diag(sigma) rho diag(sigma)``.
2. Eigenfactor risk adjustment: simulate returns from F0, re-estimate, measure how far each
   eigenfactor's variance is under-forecast, and scale it back up (MN App. B, the simulated
   variant B7 that production USE4 uses).
3. Volatility regime adjustment: scale the whole matrix by lambda_F squared, where lambda_F is
   the EWMA of the factors' cross-sectional bias statistic (MN §4.3).

Missing factor returns (a factor born later, an industry empty on some days) are handled
pairwise: each entry uses the dates where both factors have returns, and the correlation matrix
is projected back to positive semi-definite. USE4 uses the EM algorithm instead (ADR 0011).
Forecasts are daily variances; scale by the horizon in sessions for longer horizons.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from factor_engine.functions._arrays import FloatArray, IntArray, Track, untracked
from factor_engine.functions.ewma import RunningMean, ewma_decay, running_ewma_root

__all__ = [
    "CovarianceState",
    "NeweyWestState",
    "eigenfactor_risk_adjustment",
    "factor_covariance_history",
    "newey_west_covariance_history",
    "regime_multipliers",
    "standard_simulations",
]


# Simulation lengths are rounded up to whole months of sessions, so one simulated set serves
# many dates while the history is still short.
_WINDOW_STEP = 21


@dataclass
class NeweyWestState:
    """Where a Newey-West EWMA covariance stands: the decayed sums of lagged cross products
    and of their weights (lags + 1, K, K), and the last ``lags`` dates' returns (zero where
    missing) and presence, which the next dates' lagged products need."""

    sums: FloatArray
    weights: FloatArray
    recent_values: FloatArray
    recent_mask: FloatArray

    @classmethod
    def empty(cls, lags: int, n_factors: int) -> NeweyWestState:
        return cls(
            sums=np.zeros((lags + 1, n_factors, n_factors)),
            weights=np.zeros((lags + 1, n_factors, n_factors)),
            recent_values=np.zeros((0, n_factors)),
            recent_mask=np.zeros((0, n_factors)),
        )


def newey_west_covariance_history(
    returns: FloatArray, half_life: float, lags: int, state: NeweyWestState | None = None
) -> FloatArray:
    """EWMA covariance of zero-mean returns with Newey-West lags, as of every date.

    ``returns`` is (T, K) with NaN for missing values. Entry (t, i, j) uses returns up to t:
    ``Gamma_l = sum_s w_s r_s r_{s-l}' / sum_s w_s`` over dates where both are present, and
    ``C = Gamma_0 + sum_l (1 - l / (lags + 1)) (Gamma_l + Gamma_l')`` (Bartlett weights). NaN
    where a pair has no common date yet. A given ``state`` holds the dates before the first
    and is left after the last: a history run in two parts gives the values of the whole.

    Examples
    --------
    >>> import numpy as np
    >>> history = newey_west_covariance_history(np.array([[1.0], [-1.0]]), 1.0, 0)
    >>> history[:, 0, 0].tolist()
    [1.0, 1.0]
    """
    n_dates, n_factors = returns.shape
    decay = ewma_decay(half_life)
    state = state if state is not None else NeweyWestState.empty(lags, n_factors)
    present = np.isfinite(returns)
    # the state's recent dates first: row `before + t` is date t
    before = state.recent_values.shape[0]
    values = np.vstack([state.recent_values, np.where(present, returns, 0.0)])
    mask = np.vstack([state.recent_mask, present.astype(np.float64)])
    sums, weights = state.sums, state.weights
    history = np.full((n_dates, n_factors, n_factors), np.nan)
    bartlett = 1.0 - np.arange(lags + 1) / (lags + 1)
    for row in range(before, before + n_dates):
        t = row - before
        sums *= decay
        weights *= decay
        for lag in range(min(lags, row) + 1):
            sums[lag] += np.outer(values[row], values[row - lag])
            weights[lag] += np.outer(mask[row], mask[row - lag])
        with np.errstate(divide="ignore", invalid="ignore"):
            gammas = np.where(weights > 0, sums / weights, 0.0)
        covariance = gammas[0].copy()
        for lag in range(1, lags + 1):
            covariance += bartlett[lag] * (gammas[lag] + gammas[lag].T)
        covariance[weights[0] == 0] = np.nan
        history[t] = covariance
    kept = min(lags, values.shape[0])
    state.recent_values = values[values.shape[0] - kept :].copy()
    state.recent_mask = mask[mask.shape[0] - kept :].copy()
    return history


def _correlation_of(covariance: FloatArray) -> FloatArray:
    """The correlations of a Newey-West covariance, within [-1, 1]; a factor whose variance is
    not positive (few, negatively autocorrelated returns can make the lag terms outweigh it)
    gets none: dividing by its variance floored at 1e-300 gave correlations of 1e+295, on
    which the eigendecomposition did not converge."""
    variances = np.diag(covariance)
    positive = variances > 0
    scale = np.sqrt(np.where(positive, variances, 1.0))
    correlation: FloatArray = np.nan_to_num(covariance / np.outer(scale, scale))
    correlation[~positive, :] = 0.0
    correlation[:, ~positive] = 0.0
    np.clip(correlation, -1.0, 1.0, out=correlation)
    np.fill_diagonal(correlation, 1.0)
    return correlation


def _nearest_correlation(correlation: FloatArray) -> FloatArray:
    """Clip negative eigenvalues and rescale to a unit diagonal (a PSD correlation matrix)."""
    eigenvalues, eigenvectors = np.linalg.eigh((correlation + correlation.T) / 2)
    if eigenvalues.min() >= 0:
        return correlation
    clipped = (eigenvectors * np.maximum(eigenvalues, 0.0)) @ eigenvectors.T
    scale = np.sqrt(np.diag(clipped))
    rescaled: FloatArray = clipped / np.outer(scale, scale)
    return rescaled


def standard_simulations(
    n_observations: int, n_factors: int, half_life: float, simulations: int, seed: int
) -> FloatArray:
    """EWMA covariance estimates of ``simulations`` samples of independent standard normals.

    Shape (simulations, n_factors, n_factors). Any covariance's simulated estimates follow from
    these by scaling in its eigenbasis, so one set serves every date with the same number of
    observations; the top-left k x k blocks serve any k factors.
    """
    rng = np.random.default_rng((seed, n_observations, n_factors))
    weights = ewma_decay(half_life) ** np.arange(n_observations)[::-1]
    weights /= weights.sum()
    draws = rng.standard_normal((simulations, n_observations, n_factors))
    estimates: FloatArray = (draws * weights[None, :, None]).transpose(0, 2, 1) @ draws
    return estimates


def eigenfactor_risk_adjustment(covariance: FloatArray, simulated: FloatArray) -> FloatArray:
    """Scale each eigenfactor's variance by its simulated forecast bias squared (MN eq. B7).

    In the eigenbasis of ``covariance`` (eigenvalues d0) the simulated estimates are
    ``sqrt(d0) W_m sqrt(d0)`` for standard estimates W_m (``standard_simulations``); the bias of
    eigenfactor k is ``v_k = sqrt(mean_m(true_mk / estimated_mk))``, true_mk the variance d0
    gives simulated eigenfactor k. The adjusted matrix is ``U0 diag(v^2 d0) U0'``.
    """
    eigenvalues, eigenvectors = np.linalg.eigh(covariance)
    eigenvalues = np.maximum(eigenvalues, 0.0)
    n_factors = eigenvalues.size
    if n_factors < 2 or simulated.shape[0] < 1:
        return covariance
    scale = np.sqrt(eigenvalues)
    block = simulated[:, :n_factors, :n_factors]
    estimated_values, estimated_vectors = np.linalg.eigh(block * np.outer(scale, scale))
    true_values = np.einsum("mik,i->mk", estimated_vectors**2, eigenvalues)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = np.where(estimated_values > 0, true_values / estimated_values, 1.0)
    bias = np.sqrt(ratios.mean(axis=0))
    adjusted: FloatArray = (eigenvectors * (bias**2 * eigenvalues)) @ eigenvectors.T
    return (adjusted + adjusted.T) / 2


def regime_multipliers(
    returns: FloatArray,
    forecast_volatility: FloatArray,
    half_life: float,
    state: CovarianceState | None = None,
) -> FloatArray:
    """lambda_t: EWMA over dates up to t of the cross-sectional bias statistic squared, rooted.

    ``forecast_volatility[t]`` is the forecast made at t (for t+1): date t's standardised
    return uses the forecast of t-1. ``B_t^2 = mean_k (r_kt / sigma_k,t-1)^2`` over factors with
    both. Dates before the first standardised return get 1. A given ``state`` supplies the
    forecast before the first date and the average so far, and keeps them for the next dates.
    """
    previous = state.forecast_volatility if state is not None else np.full(returns.shape[1], np.nan)
    forecasts = np.vstack([previous, forecast_volatility])
    with np.errstate(divide="ignore", invalid="ignore"):
        standardised = returns / forecasts[:-1]
    usable = np.isfinite(standardised)
    counts = usable.sum(axis=1)
    totals = np.where(usable, standardised**2, 0.0).sum(axis=1)
    squared_bias = np.where(counts > 0, totals / np.maximum(counts, 1), np.nan)
    if state is not None:
        state.forecast_volatility = forecasts[-1].copy()
    return running_ewma_root(squared_bias, half_life, state.regime if state is not None else None)


@dataclass
class CovarianceState:
    """Where the factor covariance's recursions stand after some dates: both Newey-West
    covariances, each factor's count of returns, the last forecast volatilities and the
    regime multiplier's average."""

    volatility: NeweyWestState
    correlation: NeweyWestState
    counts: IntArray
    forecast_volatility: FloatArray
    regime: RunningMean = field(default_factory=RunningMean)

    @classmethod
    def empty(cls, volatility_lags: int, correlation_lags: int, n_factors: int) -> CovarianceState:
        return cls(
            volatility=NeweyWestState.empty(volatility_lags, n_factors),
            correlation=NeweyWestState.empty(correlation_lags, n_factors),
            counts=np.zeros(n_factors, np.int64),
            forecast_volatility=np.full(n_factors, np.nan),
        )


def factor_covariance_history(
    returns: FloatArray,
    *,
    volatility_half_life: float,
    volatility_lags: int,
    correlation_half_life: float,
    correlation_lags: int,
    regime_half_life: float,
    eigen_simulations: int,
    seed: int,
    min_observations: int = 2,
    output_rows: npt.NDArray[np.bool_] | None = None,
    track: Track = untracked,
    state: CovarianceState | None = None,
) -> tuple[FloatArray, FloatArray]:
    """Forecast covariance as of every date (after both adjustments) and the regime multiplier.

    Returns ``(covariances (T, K, K), lambda_F (T,))``. A factor with fewer than
    ``min_observations`` returns so far has NaN rows and columns. Rows outside ``output_rows``
    (default: all) are computed only as far as the regime multiplier needs (no eigen
    simulation) and are returned as NaN, which keeps incremental runs cheap. The regime
    multiplier standardises returns by volatilities before the eigenfactor adjustment (which
    barely moves single-factor volatilities), so it does not depend on those rows either.
    Simulations depend only on the number of observations (rounded up to a month of
    sessions, at most two correlation half-lives), the factor count and the seed: a date's
    forecast is the same whichever run computes it. A given ``state`` holds the dates before
    the first and is left after the last, so a run can continue where another stopped.
    """
    n_dates, n_factors = returns.shape
    if state is None:
        state = CovarianceState.empty(volatility_lags, correlation_lags, n_factors)
    volatility = newey_west_covariance_history(
        returns, volatility_half_life, volatility_lags, state.volatility
    )
    correlation = newey_west_covariance_history(
        returns, correlation_half_life, correlation_lags, state.correlation
    )
    counts = state.counts + np.cumsum(np.isfinite(returns), axis=0)
    if n_dates:
        state.counts = counts[-1].copy()
    adjusted = np.full((n_dates, n_factors, n_factors), np.nan)
    forecast_volatility = np.full((n_dates, n_factors), np.nan)
    simulations: dict[int, FloatArray] = {}
    longest = int(2 * correlation_half_life)
    for t in track(range(n_dates), "factor covariance", n_dates):
        alive = np.flatnonzero(counts[t] >= min_observations)
        if alive.size == 0:
            continue
        sigma = np.sqrt(np.maximum(np.diag(volatility[t])[alive], 0.0))
        rho = _correlation_of(correlation[t][np.ix_(alive, alive)])
        base = np.outer(sigma, sigma) * _nearest_correlation(rho)
        forecast_volatility[t, alive] = sigma
        if output_rows is None or output_rows[t]:
            window = min(-(-int(counts[t][alive].max()) // _WINDOW_STEP) * _WINDOW_STEP, longest)
            if window not in simulations:
                simulations[window] = standard_simulations(
                    window, n_factors, correlation_half_life, eigen_simulations, seed
                )
            adjusted[t][np.ix_(alive, alive)] = eigenfactor_risk_adjustment(
                base, simulations[window]
            )
    multipliers = regime_multipliers(returns, forecast_volatility, regime_half_life, state)
    return adjusted * (multipliers**2)[:, None, None], multipliers
