"""Type names shared by the risk model's modules."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp] | npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

# A wrapper around a long loop's items (a progress bar, say): items, description, total.
Track = Callable[[Iterable[int], str, int], Iterable[int]]


def untracked(items: Iterable[int], description: str, total: int) -> Iterable[int]:
    """No progress reporting: the items as they are."""
    return items
