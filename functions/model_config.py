"""The risk model's parameters: one versioned configuration, USE4S and USE4L presets.

Half-lives and lags are USE4's (Methodology Notes Tables 4.1 and 5.1, in trading days). The two
presets share exposures and factor returns and differ only in how fast risk forecasts react.
Changing any number here changes forecasts: bump ``MODEL_VERSION`` with it, so every stored run
(``risk.model_runs.parameters``) says which definition produced it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

__all__ = ["MODEL_VERSION", "PRESETS", "STYLE_FACTORS", "ModelConfig", "preset"]

MODEL_VERSION = "2026.11.1"

STYLE_FACTORS = (
    "beta",
    "momentum",
    "size",
    "nonlinear_size",
    "residual_volatility",
    "book_to_price",
    "earnings_yield",
    "growth",
    "leverage",
    "liquidity",
    "dividend_yield",
)


@dataclass(frozen=True)
class ModelConfig:
    """Everything that decides a risk forecast.

    The regression's factor set is part of the model: ``styles`` and ``industry_scheme``
    (``ff12``, ``ff49`` or ``none``, for universes too small to carry industries).
    """

    preset: str
    volatility_half_life: int
    volatility_newey_west_lags: int
    correlation_half_life: int
    correlation_newey_west_lags: int
    regime_half_life: int
    specific_half_life: int
    specific_newey_west_lags: int
    specific_autocorrelation_half_life: int
    shrinkage_intensity: float = 0.1
    eigen_simulations: int = 100
    eigen_seed: int = 20110801
    structural_history: int = 252
    styles: tuple[str, ...] = STYLE_FACTORS
    industry_scheme: str = "ff49"
    forecast_horizon: int = 21
    version: str = MODEL_VERSION

    def __post_init__(self) -> None:
        unknown = sorted(set(self.styles) - set(STYLE_FACTORS))
        if unknown or not self.styles:
            msg = f"styles must be a non-empty subset of {', '.join(STYLE_FACTORS)}; got {unknown}"
            raise ValueError(msg)
        if self.industry_scheme not in {"ff12", "ff49", "none"}:
            msg = f"industry_scheme must be ff12, ff49 or none, got {self.industry_scheme!r}"
            raise ValueError(msg)

    def with_factors(
        self, styles: tuple[str, ...] | None, industry_scheme: str | None
    ) -> ModelConfig:
        """The same preset with another factor set (None keeps the current one)."""
        return dataclasses.replace(
            self,
            styles=styles or self.styles,
            industry_scheme=industry_scheme or self.industry_scheme,
        )

    def as_json(self) -> dict[str, Any]:
        """Parameters as stored with each run."""
        return dataclasses.asdict(self)


_USE4S = ModelConfig(
    preset="use4s",
    volatility_half_life=84,
    volatility_newey_west_lags=5,
    correlation_half_life=504,
    correlation_newey_west_lags=2,
    regime_half_life=42,
    specific_half_life=84,
    specific_newey_west_lags=5,
    specific_autocorrelation_half_life=252,
)

PRESETS: dict[str, ModelConfig] = {
    "use4s": _USE4S,
    # USE4L: the same model with slower volatilities, regime and specific risk
    "use4l": dataclasses.replace(
        _USE4S,
        preset="use4l",
        volatility_half_life=252,
        regime_half_life=168,
        specific_half_life=252,
    ),
}


def preset(name: str) -> ModelConfig:
    """The named preset; a clear error for an unknown one."""
    try:
        return PRESETS[name]
    except KeyError:
        msg = f"unknown risk model preset {name!r}: choose one of {', '.join(PRESETS)}"
        raise ValueError(msg) from None
