"""Where the risk model stands at a month end's close, so that a later run can continue from it.

The model's forecasts are recursions over the whole history (EWMA sums, regime averages) plus
windows (the last year of residuals for the blending coefficients) and, for validation, every
past month's standardised returns. A ``ModelState`` holds all of them as of one date: a run
that starts there with the state gives, from that date on, exactly what a run over the whole
history gives (tests/functions/test_model.py), and reads a month of exposures instead of all
of them. It is taken at month ends because validation's periods end there.

Stored as an uncompressed ``.npz`` (numpy's own format, no pickle): a few MB for a few
thousand securities, most of it the residual window.
"""

from __future__ import annotations

import dataclasses
import io
import typing
from dataclasses import dataclass
from typing import Any

import numpy as np

from factor_engine.functions._arrays import FloatArray, IntArray
from factor_engine.functions.covariance import CovarianceState
from factor_engine.functions.ewma import RunningMean
from factor_engine.functions.specific_risk import TimeSeriesState

__all__ = ["STATE_FORMAT", "ModelState"]

# Bump when the fields change: a stored state of another format is not used.
STATE_FORMAT = 1


@dataclass
class ModelState:
    """The model as of the close of ``as_of_date``: every return realised by then consumed,
    and the forecasts made then (``forecast_*``). Per-security arrays follow
    ``security_ids``; ``industry`` is each security's industry row in ``factor_codes``' order
    of industries (-1: none), which the state's history assumed."""

    as_of_date: np.datetime64
    factor_codes: tuple[str, ...]
    security_ids: IntArray
    industry: IntArray
    covariance: CovarianceState
    time_series: TimeSeriesState
    specific_regime: RunningMean
    residual_window: FloatArray  # (at most structural_history, N): the latest rows
    forecast_covariance: FloatArray  # (K, K)
    forecast_factor_multiplier: float
    forecast_time_series_volatility: FloatArray  # (N,)
    forecast_specific_multiplier: float
    validation: dict[str, FloatArray]  # family: standardised returns (periods, portfolios)

    def to_bytes(self) -> bytes:
        arrays: dict[str, Any] = {}
        _flatten(self, "", arrays)
        buffer = io.BytesIO()
        np.savez(buffer, **arrays)
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> ModelState:
        with np.load(io.BytesIO(data), allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
        state: ModelState = _rebuild(cls, arrays, "")
        return state

    def for_securities(self, security_ids: IntArray) -> ModelState:
        """The state over ``security_ids`` (a sorted superset of its own): securities it has
        not seen start as a run from the first date starts them, with nothing."""
        columns = np.searchsorted(security_ids, self.security_ids)
        if not np.array_equal(security_ids[columns], self.security_ids):
            msg = "the securities must include every security of the state"
            raise ValueError(msg)

        def widen(array: Any, *, fill: float | bool = 0.0) -> Any:
            wide = np.full((*array.shape[:-1], security_ids.size), fill, dtype=array.dtype)
            wide[..., columns] = array
            return wide

        time_series = TimeSeriesState(
            **{
                name: widen(value, fill=False if value.dtype == bool else 0.0)
                for name, value in dataclasses.asdict(self.time_series).items()
            }
        )
        return dataclasses.replace(
            self,
            security_ids=security_ids,
            industry=widen(self.industry, fill=-1),
            time_series=time_series,
            residual_window=widen(self.residual_window, fill=np.nan),
            forecast_time_series_volatility=widen(
                self.forecast_time_series_volatility, fill=np.nan
            ),
        )


def _flatten(value: Any, prefix: str, arrays: dict[str, Any]) -> None:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for item in dataclasses.fields(value):
            _flatten(getattr(value, item.name), f"{prefix}{item.name}.", arrays)
    elif isinstance(value, dict):
        for key, item in value.items():
            _flatten(item, f"{prefix}{key}.", arrays)
    else:
        arrays[prefix.rstrip(".")] = np.asarray(value)


def _rebuild(cls: type[Any], arrays: dict[str, Any], prefix: str) -> Any:
    hints = typing.get_type_hints(cls)
    values: dict[str, Any] = {}
    for item in dataclasses.fields(cls):
        name, hint = f"{prefix}{item.name}", hints[item.name]
        if dataclasses.is_dataclass(hint):
            values[item.name] = _rebuild(typing.cast("type[Any]", hint), arrays, f"{name}.")
        elif typing.get_origin(hint) is dict:
            values[item.name] = {
                key.removeprefix(f"{name}."): array
                for key, array in arrays.items()
                if key.startswith(f"{name}.")
            }
        elif hint is float:
            values[item.name] = float(arrays[name])
        elif typing.get_origin(hint) is tuple:
            values[item.name] = tuple(str(code) for code in arrays[name])
        elif hint is np.datetime64:
            values[item.name] = arrays[name][()]
        else:
            values[item.name] = arrays[name]
    return cls(**values)
