"""The risk model's failures that a user is meant to read, apart from the job that raises them
so that the CLI can name them without importing numpy, polars and ADBC."""

from __future__ import annotations

__all__ = ["MissingInputsError", "TooFewStocksError"]


class MissingInputsError(RuntimeError):
    """The marts the risk model reads are absent or empty."""


class TooFewStocksError(RuntimeError):
    """No session has more stocks with complete exposures than the model has factors."""
