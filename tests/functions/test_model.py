"""The whole risk model on a simulated market whose factor structure is known."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from simulated_market import SimulatedMarket, simulate_market

from factor_engine.functions._arrays import IntArray
from factor_engine.functions.model import (
    ModelState,
    Panel,
    RiskModel,
    estimate_risk_model,
    resume_problem,
)
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


def _window(panel: Panel, rows: slice, columns: IntArray) -> Panel:
    return dataclasses.replace(
        panel,
        dates=panel.dates[rows],
        security_ids=panel.security_ids[columns],
        returns=panel.returns[rows][:, columns],
        market_cap=panel.market_cap[rows][:, columns],
        in_estimation_universe=panel.in_estimation_universe[rows][:, columns],
        styles=panel.styles[rows][:, columns],
        industry=panel.industry[columns],
    )


def test_a_run_resumed_from_a_stored_state_gives_the_whole_run(market: SimulatedMarket) -> None:
    # securities come and go: 20 list at row 700, 20 delist after row 300
    panel = market.panel
    listed = np.ones(panel.returns.shape, bool)
    listed[:700, :20] = False
    listed[300:, 20:40] = False
    panel = dataclasses.replace(
        panel,
        returns=np.where(listed, panel.returns, np.nan),
        market_cap=np.where(listed, panel.market_cap, np.nan),
        in_estimation_universe=panel.in_estimation_universe & listed,
        styles=np.where(listed[..., None], panel.styles, np.nan),
    )
    whole = estimate_risk_model(panel, CONFIG)

    # an earlier run saw 650 sessions, the last without its next return, and not the newcomers
    earlier_panel = _window(panel, slice(0, 650), np.arange(20, panel.security_ids.size))
    earlier_panel.returns[-1] = np.nan
    earlier = estimate_risk_model(earlier_panel, CONFIG)
    assert earlier.state is not None
    state = ModelState.from_bytes(earlier.state.to_bytes())
    first = int(np.searchsorted(panel.dates, state.as_of_date))
    # the last month end before the earlier run's last session
    months = earlier_panel.dates.astype("datetime64[M]")
    assert first == np.flatnonzero(months[1:] != months[:-1])[-1] < 649

    # the next run reads from the state's date on, every security the state knows included
    later_panel = _window(panel, slice(first, None), np.arange(panel.security_ids.size))
    later = estimate_risk_model(later_panel, CONFIG, resume=state)
    for name in (
        "factor_returns",
        "residuals",
        "covariances",
        "factor_multiplier",
        "specific_multiplier",
        "specific_volatility",
        "time_series_volatility",
        "structural_volatility",
        "blend_weight",
    ):
        np.testing.assert_array_equal(getattr(later, name), getattr(whole, name)[first:], name)
    assert [family.portfolio_codes for family in later.validation] == [
        family.portfolio_codes for family in whole.validation
    ]
    for resumed, full in zip(later.validation, whole.validation, strict=True):
        for name, value in dataclasses.asdict(full.summary).items():
            np.testing.assert_array_equal(getattr(resumed.summary, name), value, name)
    # and keeps the state a run over the whole history keeps
    assert whole.state is not None
    assert later.state is not None
    assert later.state.as_of_date == whole.state.as_of_date
    np.testing.assert_array_equal(later.state.residual_window, whole.state.residual_window)
    assert later.state.validation.keys() == whole.state.validation.keys()
    for family, standardised in whole.state.validation.items():
        np.testing.assert_array_equal(later.state.validation[family], standardised)


def test_a_state_is_refused_where_the_panel_disagrees_with_it(market: SimulatedMarket) -> None:
    model = estimate_risk_model(_window(market.panel, slice(0, 300), np.arange(400)), CONFIG)
    assert model.state is not None
    first = int(np.searchsorted(market.panel.dates, model.state.as_of_date))
    later = _window(market.panel, slice(first, None), np.arange(400))
    assert resume_problem(model.state, later) is None
    assert "not on the state's date" in str(
        resume_problem(model.state, _window(market.panel, slice(first + 1, None), np.arange(400)))
    )
    reclassified = dataclasses.replace(later, industry=np.roll(later.industry, 1))
    assert "changed industry" in str(resume_problem(model.state, reclassified))
    assert "missing" in str(
        resume_problem(model.state, _window(market.panel, slice(first, None), np.arange(1, 400)))
    )
    with pytest.raises(ValueError, match="cannot resume"):
        estimate_risk_model(reclassified, CONFIG, resume=model.state)
