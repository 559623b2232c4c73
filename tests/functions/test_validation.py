"""Bias statistics on standardised returns whose distribution is known."""

from __future__ import annotations

import numpy as np

from factor_engine.functions.validation import (
    decile_holdings,
    factor_portfolio_standardised_returns,
    summarise_bias,
)


def test_perfect_forecasts_sit_in_the_band_and_twice_too_small_ones_do_not() -> None:
    rng = np.random.default_rng(5)
    standardised = rng.standard_normal((120, 200))
    perfect = summarise_bias(standardised)
    assert perfect.is_within_band.mean() > 0.9  # 95% expected
    assert 0.15 < perfect.mrad < 0.2  # USE4 App. A: about 0.17 for normal returns
    assert 0.55 < perfect.rolling_bias_p05 < 0.75
    assert 1.25 < perfect.rolling_bias_p95 < 1.45
    under = summarise_bias(standardised * 2)
    assert not under.is_within_band.any()
    np.testing.assert_allclose(np.nanmean(under.bias), 2, rtol=0.05)


def test_factor_portfolio_risk_is_scaled_to_the_period() -> None:
    covariances = np.array([np.diag([4.0, 1.0])])  # daily variances
    realised = np.array([[2.0 * 21, 0.0]])
    b = factor_portfolio_standardised_returns(np.eye(2), covariances, realised, np.array([21.0]))
    np.testing.assert_allclose(b, [[2.0 * 21 / np.sqrt(4.0 * 21), 0.0]])
    missing = factor_portfolio_standardised_returns(
        np.eye(2), covariances, np.array([[np.nan, 1.0]]), np.array([21.0])
    )
    assert np.isnan(missing[0, 0])
    assert np.isfinite(missing[0, 1])


def test_decile_holdings_are_cap_weighted_and_cover_every_eligible_stock() -> None:
    key = np.arange(25, dtype=float)
    cap = np.arange(1, 26, dtype=float)
    eligible = np.ones(25, bool)
    eligible[0] = False
    holdings = decile_holdings(key, cap, eligible)
    np.testing.assert_allclose(holdings.sum(axis=1), 1.0)
    assert (holdings[:, 0] == 0).all()
    assert ((holdings > 0).sum(axis=0)[1:] == 1).all()
    assert holdings[-1].argmax() == 24
