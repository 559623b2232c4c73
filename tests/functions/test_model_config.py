"""The presets carry USE4's numbers (Methodology Notes Tables 4.1 and 5.1)."""

from __future__ import annotations

import pytest

from factor_engine.functions.model_config import PRESETS, preset


@pytest.mark.parametrize(
    ("name", "volatility", "correlation", "regime", "specific"),
    [("use4s", 84, 504, 42, 84), ("use4l", 252, 504, 168, 252)],
)
def test_presets_have_use4_half_lives_and_lags(
    name: str, volatility: int, correlation: int, regime: int, specific: int
) -> None:
    config = PRESETS[name]
    assert (
        config.volatility_half_life,
        config.correlation_half_life,
        config.regime_half_life,
        config.specific_half_life,
    ) == (volatility, correlation, regime, specific)
    assert (config.volatility_newey_west_lags, config.correlation_newey_west_lags) == (5, 2)
    assert (config.specific_newey_west_lags, config.specific_autocorrelation_half_life) == (5, 252)
    assert config.shrinkage_intensity == 0.1
    assert config.as_json()["version"] == config.version


def test_unknown_names_are_clear_errors() -> None:
    with pytest.raises(ValueError, match="unknown risk model preset 'use5'"):
        preset("use5")
    with pytest.raises(ValueError, match="charisma"):
        preset("use4s").with_factors(("size", "charisma"), None)
    with pytest.raises(ValueError, match="industry_scheme"):
        preset("use4s").with_factors(None, "gics")
