"""Exponentially weighted averages shared by the covariance and specific-risk models."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["RunningMean", "ewma_decay", "running_ewma_root"]


@dataclass
class RunningMean:
    """Where an exponentially weighted average stands: its decayed total and weight."""

    total: float = 0.0
    weight: float = 0.0


def ewma_decay(half_life: float) -> float:
    """Per-period weight decay of an exponentially weighted average with this half-life.

    Examples
    --------
    >>> ewma_decay(1.0)
    0.5
    """
    if half_life <= 0:
        msg = f"half_life must be positive, got {half_life}"
        raise ValueError(msg)
    return float(0.5 ** (1.0 / half_life))


def running_ewma_root(
    squared: npt.NDArray[np.float64], half_life: float, state: RunningMean | None = None
) -> npt.NDArray[np.float64]:
    """sqrt of the running EWMA of a series with gaps (NaN), as of every period; 1 before any.

    This is USE4's volatility regime multiplier lambda_t = sqrt(sum_s w_s B_s^2 / sum_s w_s)
    given the squared bias statistics B_s^2. A given ``state`` is where the average stands
    before the first period, and is left where it stands after the last: a series run in two
    parts gives the values of the whole.

    Examples
    --------
    >>> import numpy as np
    >>> running_ewma_root(np.array([np.nan, 4.0, np.nan]), 1.0).tolist()
    [1.0, 2.0, 2.0]
    """
    decay = ewma_decay(half_life)
    multipliers = np.ones(squared.size)
    state = state if state is not None else RunningMean()
    total, weight = state.total, state.weight
    for t, value in enumerate(squared):
        total *= decay
        weight *= decay
        if np.isfinite(value):
            total += value
            weight += 1.0
        if weight > 0:
            multipliers[t] = np.sqrt(total / weight)
    state.total, state.weight = total, weight
    return multipliers
