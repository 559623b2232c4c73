"""Benchmark: the risk model on a synthetic Russell-3000-sized market, beside Toraniko.

Usage (from the checkout; Toraniko is not a dependency of the engine):
    .venv/bin/pip install toraniko
    .venv/bin/python bench/risk_model.py [--securities 3000] [--years 3] [--days 252]

A throwaway database on DATABASE_URL's server (default 127.0.0.1:5432) gets the synthetic
market (bench/synthetic_market.py) and a full `factor-engine build`. Then, on the same data:

- Toraniko (PyPI `toraniko`): momentum, size and value scores and its factor returns (market +
  sectors + 3 styles, sqrt-cap WLS) over the last --days sessions, from in-memory polars frames;
- ours, the same work: the risk model with country, FF12 industries and size, book-to-price,
  momentum (exposures from the marts, which the build computed);
- ours, the full model: 11 styles and FF49 industries, covariance, specific risk, validation.

Times are wall-clock seconds; peak memory is this process's peak RSS after each step.
"""

from __future__ import annotations

import argparse
import io
import resource
import sys
import time
from pathlib import Path

import polars as pl
import psycopg
from psycopg import sql

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _database import throwaway_database
from synthetic_market import generate

from factor_engine.core.build import build
from factor_engine.core.pipeline import run_risk
from factor_engine.functions.model_config import preset

THREE_STYLES = ("size", "book_to_price", "momentum")


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def toraniko_inputs(url: str) -> pl.DataFrame:
    query = (Path(__file__).parent / "toraniko_inputs.sql").read_text()
    buffer = io.BytesIO()
    with (
        psycopg.connect(url) as connection,
        connection.cursor() as cursor,
        cursor.copy(
            sql.SQL("copy ({}) to stdout (format csv, header)").format(sql.SQL(query))
        ) as copy,
    ):
        while data := copy.read():
            buffer.write(bytes(data))
    buffer.seek(0)
    ratios = dict.fromkeys(("book_price", "sales_price", "cf_price"), pl.Float64)
    return pl.read_csv(
        buffer, try_parse_dates=True, schema_overrides={"symbol": pl.String, **ratios}
    )


def run_toraniko(inputs: pl.DataFrame, days: int) -> float:
    """Toraniko's three styles and factor returns over the last `days` sessions; seconds."""
    from toraniko.model import estimate_factor_returns  # type: ignore[import-untyped]
    from toraniko.styles import factor_mom, factor_sze, factor_val  # type: ignore[import-untyped]

    started = time.perf_counter()
    returns = inputs.select("date", "symbol", "asset_returns")
    caps = inputs.select("date", "symbol", "market_cap")
    momentum = factor_mom(returns).collect()
    size = factor_sze(caps).collect()
    value = factor_val(
        inputs.select("date", "symbol", "book_price", "sales_price", "cf_price").fill_null(0.0)
    ).collect()
    last = sorted(inputs["date"].unique())[-days:]
    styles = (
        momentum.join(size, on=["date", "symbol"])
        .join(value, on=["date", "symbol"])
        .drop_nulls()
        .filter(pl.col("date").is_in(last))
    )
    sectors = inputs.select("date", "symbol", "sector").filter(pl.col("date").is_in(last))
    sectors = sectors.to_dummies("sector").with_columns(
        pl.exclude("date", "symbol").cast(pl.Float64)
    )
    estimate_factor_returns(
        returns.filter(pl.col("date").is_in(last)),
        caps.filter(pl.col("date").is_in(last)),
        sectors,
        styles,
    )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--securities", type=int, default=3000)
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--days", type=int, default=252)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    arguments = parser.parse_args()

    with throwaway_database("fe_bench_risk", keep=arguments.keep) as url:
        market = generate(url, securities=arguments.securities, years=arguments.years)
        built = build(url)
        print(f"securities x sessions      {market.securities:,} x {len(market.sessions):,}")
        print(f"factor build (dbt, full)   {built.seconds:.1f} s")
        inputs = toraniko_inputs(url)
        toraniko_seconds = run_toraniko(inputs, arguments.days)
        print(
            f"toraniko 3 styles + factor returns, {arguments.days} days: {toraniko_seconds:.1f} s"
        )
        del inputs
        three = preset("use4s").with_factors(THREE_STYLES, "ff12")
        same = run_risk(url, three, since=None)
        print(
            f"ours, same work (3 styles + ff12, every session): read {same.timings['read']:.1f} s,"
            f" estimate {same.timings['estimate']:.1f} s, write {same.timings['write']:.1f} s"
        )
        full = run_risk(url, preset("use4s"), since=None)
        total = sum(full.timings.values())
        print(
            f"ours, full model use4s: {total:.1f} s {full.timings}; peak RSS {peak_mib():,.0f} MiB"
        )
        for line in full.lines():
            print(line)


if __name__ == "__main__":
    main()
