"""Factor covariance pieces against direct computations, and their invariants."""

from __future__ import annotations

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st

from factor_engine.functions._arrays import FloatArray
from factor_engine.functions.covariance import (
    CovarianceState,
    eigenfactor_risk_adjustment,
    factor_covariance_history,
    newey_west_covariance_history,
    standard_simulations,
)
from factor_engine.functions.ewma import ewma_decay


def _lagged_moment(returns: FloatArray, i: int, j: int, lag: int, t: int, decay: float) -> float:
    """sum_s w_s r_si r_(s-lag)j / sum_s w_s over dates where both exist, written out."""
    terms = [
        (decay ** (t - s), returns[s, i] * returns[s - lag, j])
        for s in range(lag, t + 1)
        if np.isfinite(returns[s, i]) and np.isfinite(returns[s - lag, j])
    ]
    return float(sum(w * x for w, x in terms) / sum(w for w, _ in terms))


def test_newey_west_matches_the_weighted_sums_written_out() -> None:
    rng = np.random.default_rng(3)
    returns = rng.standard_normal((60, 3))
    returns[:10, 2] = np.nan  # a factor born later
    lags, half_life, t = 2, 20.0, 59
    history = newey_west_covariance_history(returns, half_life, lags)
    decay = ewma_decay(half_life)
    expected = np.zeros((3, 3))
    for i in range(3):
        for j in range(3):
            expected[i, j] = _lagged_moment(returns, i, j, 0, t, decay) + sum(
                (1 - lag / (lags + 1))
                * (
                    _lagged_moment(returns, i, j, lag, t, decay)
                    + _lagged_moment(returns, j, i, lag, t, decay)
                )
                for lag in range(1, lags + 1)
            )
    np.testing.assert_allclose(history[t], expected, rtol=1e-12)


def test_eigenfactor_adjustment_raises_the_smallest_eigenfactors_most() -> None:
    rng = np.random.default_rng(4)
    loadings = rng.standard_normal((12, 12))
    covariance = loadings @ loadings.T / 12 * 1e-4
    simulated = standard_simulations(100, 12, 504, 200, seed=1)
    adjusted = eigenfactor_risk_adjustment(covariance, simulated)
    values, vectors = np.linalg.eigh(covariance)
    ratios = np.einsum("ik,ij,jk->k", vectors, adjusted, vectors) / values
    # eigenvalues ascend: sampling error understates the smallest most, overstates the largest
    assert ratios[0] > ratios[-1] > 0
    assert ratios[0] > 1.2
    off_diagonal = vectors.T @ adjusted @ vectors - np.diag(ratios * values)
    assert np.abs(off_diagonal).max() < 1e-15  # eigenvectors are kept


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n_factors=st.integers(2, 7), gaps=st.booleans())
# found by hypothesis: a factor's Newey-West variance came out negative, its correlations 1e+295
@example(seed=217, n_factors=6, gaps=True)
def test_forecasts_are_symmetric_positive_semi_definite(
    seed: int, n_factors: int, *, gaps: bool
) -> None:
    rng = np.random.default_rng(seed)
    returns = rng.standard_normal((120, n_factors)) * rng.uniform(0.001, 0.02, n_factors)
    if gaps:  # factors born late and an industry empty on some days
        returns[: rng.integers(0, 60), 0] = np.nan
        returns[rng.random(120) < 0.2, n_factors - 1] = np.nan
    covariances, multipliers = factor_covariance_history(
        returns,
        volatility_half_life=20,
        volatility_lags=3,
        correlation_half_life=60,
        correlation_lags=2,
        regime_half_life=10,
        eigen_simulations=20,
        seed=seed,
    )
    assert (multipliers > 0).all()
    for covariance in covariances[5:]:
        alive = np.isfinite(np.diag(covariance))
        block = covariance[np.ix_(alive, alive)]
        assert np.isfinite(block).all()
        np.testing.assert_allclose(block, block.T, rtol=0, atol=1e-20)
        assert np.linalg.eigvalsh(block).min() >= -1e-14 * np.abs(block).max()


def test_a_history_run_in_two_parts_is_the_whole_history() -> None:
    # the first part is shorter than the lags: the state carries fewer recent rows than lags
    rng = np.random.default_rng(5)
    returns = rng.standard_normal((40, 3)) * 0.01
    returns[:15, 1] = np.nan
    returns[20:23, 2] = np.nan

    def history(part: FloatArray, state: CovarianceState | None = None) -> tuple[FloatArray, ...]:
        return factor_covariance_history(
            part,
            volatility_half_life=10.0,
            volatility_lags=5,
            correlation_half_life=20.0,
            correlation_lags=2,
            regime_half_life=8.0,
            eigen_simulations=5,
            seed=1,
            state=state,
        )

    whole = history(returns)
    for split in (2, 17):
        state = CovarianceState.empty(5, 2, 3)
        first = history(returns[:split], state)
        second = history(returns[split:], state)
        for joined, expected in zip(first, whole, strict=True):
            np.testing.assert_array_equal(joined, expected[:split])
        for continued, expected in zip(second, whole, strict=True):
            np.testing.assert_array_equal(continued, expected[split:])
