"""Specific-risk pieces against direct computations."""

from __future__ import annotations

import numpy as np

from factor_engine.functions._arrays import row_sums
from factor_engine.functions.specific_risk import (
    TimeSeriesState,
    blending_coefficients,
    shrink_by_size_decile,
    time_series_specific_volatility,
)


def test_blending_trusts_long_normal_histories_and_doubts_short_or_fat_tailed_ones() -> None:
    rng = np.random.default_rng(9)
    window = rng.standard_normal((252, 4)) * 0.02
    window[:200, 1] = np.nan  # 52 returns: below 60, no weight on the time series
    window[:132, 2] = np.nan  # 120 returns: half weight from the history length
    window[::25, 3] *= 40  # a few huge jumps: fat tails
    gamma = blending_coefficients(window)
    assert gamma[0] == 1.0
    assert gamma[1] == 0.0
    assert 0.4 < gamma[2] <= 0.5
    assert gamma[3] < 0.5


def test_time_series_volatility_without_autocorrelation_is_the_ewma_rms() -> None:
    residuals = np.tile([0.01, -0.01], 50)[:, None] * np.array([[1.0, 2.0]])
    volatility = time_series_specific_volatility(residuals, 84, 0, 252)
    np.testing.assert_allclose(volatility[-1], [0.01, 0.02])
    assert np.isnan(volatility[0]).all()  # one residual is not a volatility


def test_shrinkage_pulls_towards_the_decile_mean_and_keeps_it() -> None:
    rng = np.random.default_rng(10)
    cap = np.exp(rng.normal(22, 1, 500))
    volatility = rng.uniform(0.01, 0.04, 500)
    estu = np.ones(500, bool)
    shrunk = shrink_by_size_decile(volatility, cap, estu, 0.1)
    edges = np.quantile(cap, np.linspace(0.1, 0.9, 9))
    decile = np.searchsorted(edges, cap, side="right")
    for group in range(10):
        members = decile == group
        mean = np.average(volatility[members], weights=cap[members])
        before = np.abs(volatility[members] - mean)
        after = np.abs(shrunk[members] - mean)
        assert (after <= before + 1e-15).all()
        assert (np.sign(shrunk[members] - mean) == np.sign(volatility[members] - mean)).all()


def test_time_series_volatility_in_two_parts_is_the_whole() -> None:
    rng = np.random.default_rng(11)
    residuals = rng.standard_normal((30, 4)) * 0.02
    residuals[:10, 1] = np.nan
    residuals[12:14, 2] = np.nan
    whole = time_series_specific_volatility(residuals, 10, 5, 20)
    state = TimeSeriesState.empty(5, 4)
    first = time_series_specific_volatility(residuals[:3], 10, 5, 20, state)
    second = time_series_specific_volatility(residuals[3:], 10, 5, 20, state)
    np.testing.assert_array_equal(np.vstack([first, second]), whole)


def test_row_sums_do_not_depend_on_columns_of_zeros() -> None:
    rng = np.random.default_rng(12)
    values = rng.random((5, 37))
    widened = np.zeros((5, 400))
    widened[:, 100:137] = values
    np.testing.assert_array_equal(row_sums(widened), row_sums(values))
