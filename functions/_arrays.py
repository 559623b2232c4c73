"""Array type names shared by the risk model's modules."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp] | npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
