"""Toraniko's side of bench/risk_model.py, run by the interpreter that has Toraniko installed.

Usage: <toraniko's python> bench/toraniko_run.py INPUTS.parquet DAYS

Reads the market's inputs (bench/toraniko_inputs.sql, saved by risk_model.py), computes
Toraniko's momentum, size and value scores over every session, then its factor returns (market
+ sectors + 3 styles, sqrt-cap WLS) over the last DAYS sessions, and prints the seconds of each
as JSON. Only this work is timed, not the interpreter's start, the imports or the read.

Toraniko runs in an interpreter of its own because installing it pins numpy 1.26, and the
engine's read is 20-30% slower with that numpy and the polars that goes with it
(bench/RESULTS.md): each side runs with the versions it ships with.
"""

from __future__ import annotations

import json
import sys
import time

import polars as pl
from toraniko.model import estimate_factor_returns  # type: ignore[import-untyped]
from toraniko.styles import factor_mom, factor_sze, factor_val  # type: ignore[import-untyped]


def run_toraniko(inputs: pl.DataFrame, days: int) -> tuple[float, float]:
    """Toraniko's three styles, then its factor returns over the last `days` sessions: seconds
    of each."""
    started = time.perf_counter()
    returns = inputs.select("date", "symbol", "asset_returns")
    caps = inputs.select("date", "symbol", "market_cap")
    momentum = factor_mom(returns).collect()
    size = factor_sze(caps).collect()
    # Toraniko takes logs of book/price and sales/price: only companies with both positive
    value_inputs = inputs.select("date", "symbol", "book_price", "sales_price", "cf_price")
    value = factor_val(
        value_inputs.filter((pl.col("book_price") > 0) & (pl.col("sales_price") > 0)).fill_null(0.0)
    ).collect()
    last = sorted(inputs["date"].unique())[-days:]
    styles = (
        momentum.join(size, on=["date", "symbol"])
        .join(value, on=["date", "symbol"])
        .drop_nulls()
        .filter(pl.col("date").is_in(last))
        .filter(pl.all_horizontal(pl.exclude("date", "symbol").is_finite()))
    )
    sectors = inputs.select("date", "symbol", "sector").filter(pl.col("date").is_in(last))
    sectors = sectors.to_dummies("sector").with_columns(
        pl.exclude("date", "symbol").cast(pl.Float64)
    )
    styled = time.perf_counter()
    estimate_factor_returns(
        returns.filter(pl.col("date").is_in(last)),
        caps.filter(pl.col("date").is_in(last)),
        sectors,
        styles,
    )
    return styled - started, time.perf_counter() - styled


if __name__ == "__main__":
    path, days = sys.argv[1], int(sys.argv[2])
    styles_seconds, returns_seconds = run_toraniko(pl.read_parquet(path), days)
    print(json.dumps({"styles": styles_seconds, "returns": returns_seconds}))
