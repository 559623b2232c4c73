"""The whole risk model on a simulated market whose factor structure is known."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from simulated_market import SimulatedMarket, simulate_market

from factor_engine.functions.model import RiskModel, estimate_risk_model
from factor_engine.functions.model_config import preset

CONFIG = dataclasses.replace(preset("use4s"), eigen_simulations=30)


@pytest.fixture(scope="module")
def market() -> SimulatedMarket:
    return simulate_market()


@pytest.fixture(scope="module")
def model(market: SimulatedMarket) -> RiskModel:
    return estimate_risk_model(market.panel, CONFIG)


def test_factor_returns_are_recovered(market: SimulatedMarket, model: RiskModel) -> None:
    estimated, true = model.factor_returns[:-1], market.factor_returns[:-1]
    correlations = [np.corrcoef(estimated[:, k], true[:, k])[0, 1] for k in range(true.shape[1])]
    assert min(correlations) > 0.8, correlations
    assert np.corrcoef(estimated[:, 0], true[:, 0])[0, 1] > 0.98  # the country factor
    assert np.isnan(model.factor_returns[-1]).all()  # no next-session return yet


def test_forecast_volatilities_converge_to_the_true_ones(
    market: SimulatedMarket, model: RiskModel
) -> None:
    forecast = np.sqrt(np.diag(model.covariances[-1]))
    true = np.sqrt(np.diag(market.factor_covariance))
    np.testing.assert_allclose(forecast, true, rtol=0.25)
    specific = model.specific_volatility[-1] / market.specific_volatility
    assert abs(np.median(specific) - 1) < 0.1


def test_every_covariance_forecast_is_symmetric_positive_semi_definite(model: RiskModel) -> None:
    for covariance in model.covariances[2:]:
        np.testing.assert_allclose(covariance, covariance.T, rtol=0, atol=1e-18)
        assert np.linalg.eigvalsh(covariance).min() >= -1e-15 * np.abs(covariance).max()


def test_bias_statistics_sit_inside_the_band(model: RiskModel) -> None:
    families = {family.family: family.summary for family in model.validation}
    assert set(families) == {
        "factors",
        "industry_pairs",
        "random_factor_portfolios",
        "specific_risk_deciles",
    }
    for name, summary in families.items():
        assert summary.is_within_band.mean() >= 0.8, (name, summary.bias)
        assert abs(np.nanmean(summary.bias) - 1) < summary.band_half_width, name
        assert summary.mrad < 0.3, name


def test_forecasts_use_only_returns_known_at_the_forecast_date(market: SimulatedMarket) -> None:
    cut = 600
    shocked = market.panel.returns.copy()
    shocked[cut:] *= 5.0  # the future changes completely
    panel = dataclasses.replace(market.panel, returns=shocked)
    base = estimate_risk_model(market.panel, CONFIG)
    future_changed = estimate_risk_model(panel, CONFIG)
    # forecasts made at row `cut` use returns of rows before it only
    np.testing.assert_array_equal(
        base.covariances[: cut + 1], future_changed.covariances[: cut + 1]
    )
    np.testing.assert_array_equal(
        base.specific_volatility[: cut + 1], future_changed.specific_volatility[: cut + 1]
    )
    assert not np.allclose(base.covariances[cut + 2], future_changed.covariances[cut + 2])


def test_an_incremental_run_gives_the_full_run_forecasts(
    market: SimulatedMarket, model: RiskModel
) -> None:
    recent = np.zeros(market.panel.dates.size, bool)
    recent[-30:] = True
    incremental = estimate_risk_model(market.panel, CONFIG, recent)
    np.testing.assert_array_equal(incremental.covariances[recent], model.covariances[recent])
    np.testing.assert_array_equal(
        incremental.specific_volatility[recent], model.specific_volatility[recent]
    )
    assert np.isnan(incremental.covariances[-100]).all()  # not a month end, not asked for


def test_use4l_forecasts_are_steadier_than_use4s(market: SimulatedMarket, model: RiskModel) -> None:
    long_horizon = estimate_risk_model(
        market.panel, dataclasses.replace(preset("use4l"), eigen_simulations=30)
    )

    def day_to_day_changes(risk_model: RiskModel) -> float:
        volatility = np.sqrt(np.diagonal(risk_model.covariances[300:], axis1=1, axis2=2))
        return float(np.abs(np.diff(np.log(volatility), axis=0)).mean())

    assert day_to_day_changes(long_horizon) < 0.7 * day_to_day_changes(model)
    np.testing.assert_array_equal(long_horizon.factor_returns, model.factor_returns)
