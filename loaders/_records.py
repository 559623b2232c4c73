"""Helpers the pure parsers share: validation reasons as polars expressions, version hashes."""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import TYPE_CHECKING, Any

import polars as pl

from factor_engine.loaders._runlog import Rejected

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

__all__ = ["problem", "split_rejected", "version_hash"]


def problem(condition: pl.Expr, reason: str) -> pl.Expr:
    """`reason` where `condition` holds, else null: combine with `pl.coalesce` (first reason
    wins) or `pl.concat_str(..., ignore_nulls=True)` (every reason)."""
    return pl.when(condition).then(pl.lit(reason)).otherwise(pl.lit(None, dtype=pl.String))


def version_hash(version: Mapping[str, Any]) -> str:
    """The MD5 of a record version's canonical JSON, as a UUID: the `record_hash` of the
    versioned raw tables, so the same content landed twice is one row."""
    canonical = json.dumps(version, sort_keys=True, default=str).encode()
    return str(uuid.UUID(hashlib.md5(canonical, usedforsecurity=False).hexdigest()))


def split_rejected(
    frame: pl.DataFrame,
    first_problem: pl.Expr,
    record_key: Callable[[dict[str, Any]], str],
    *,
    as_received: pl.DataFrame | None = None,
) -> tuple[pl.DataFrame, list[Rejected]]:
    """The rows of `frame` without a problem, and the others as Rejected records keyed by
    `record_key(row)`; the quarantine keeps each row as received (`as_received`, same order)."""
    problems = frame.select(first_problem.alias("problem"))["problem"]
    bad = problems.is_not_null()
    received = frame if as_received is None else as_received
    rejected = [
        Rejected(record_key(row), reason, row)
        for row, reason in zip(
            received.filter(bad).iter_rows(named=True), problems.filter(bad), strict=True
        )
    ]
    return frame.filter(~bad), rejected
