"""Type names and array helpers shared by the risk model's modules."""

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


def row_sums(values: FloatArray) -> FloatArray:
    """Each row's sum, added left to right.

    Not ``values.sum(axis=1)``: numpy adds a row pairwise, in groups set by the row's length,
    so the same securities' values summed beside more columns of zeros (securities listed
    later) can differ in the last bit. Added in order, zeros change nothing, and a run
    resumed from a stored state gives the values of a run over the whole history.
    """
    if values.shape[1] == 0:
        return np.zeros(values.shape[0])
    sums: FloatArray = np.cumsum(values, axis=1)[:, -1]
    return sums
