"""Benchmark: the risk model on a synthetic Russell-3000-sized market, beside Toraniko.

Usage (from the checkout; Toraniko is not a dependency of the engine, and installing it pins
numpy 1.26, so it gets a virtualenv of its own, whose interpreter runs bench/toraniko_run.py):
    python3 -m venv /tmp/toraniko && /tmp/toraniko/bin/pip install toraniko
    .venv/bin/python bench/risk_model.py [--toraniko-python /tmp/toraniko/bin/python]
        [--securities 3000] [--years 3] [--days 252] [--repeat 3] [--keep | --database URL]

A throwaway database on DATABASE_URL's server (default 127.0.0.1:5432) gets the synthetic
market (bench/synthetic_market.py) and a full `factor-engine build`. Then, on the same data:

- Toraniko (PyPI `toraniko`, in its own interpreter: bench/toraniko_run.py): momentum, size and
  value scores and its factor returns (market + sectors + 3 styles, sqrt-cap WLS) over the last
  --days sessions, from in-memory polars frames;
- ours, the same work: the risk model with country, FF12 industries and size, book-to-price,
  momentum (exposures from the marts, which the build computed);
- ours, the full model: 11 styles and FF49 industries, covariance, specific risk, validation.

Toraniko and ours run --repeat times, alternately, and the ratio is of the median times: both
vary from run to run (ours 0.9-1.3 s, Toraniko 24-34 s on one machine and day).
Times are wall-clock seconds; peak memory is this process's peak RSS after each step.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl
import psycopg
from psycopg import sql

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _database import throwaway_database
from _machine import gauge_line
from synthetic_market import generate

from factor_engine.core.build import build
from factor_engine.core.pipeline import run_risk
from factor_engine.functions.jobs import read_panel
from factor_engine.functions.model import cross_section_history
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


def run_toraniko(python: str, inputs: Path, days: int) -> tuple[float, float]:
    """Toraniko's three styles, then its factor returns over the last `days` sessions, in the
    interpreter `python`: seconds of each, as bench/toraniko_run.py timed them."""
    script = Path(__file__).with_name("toraniko_run.py")
    result = subprocess.run(
        [python, str(script), str(inputs), str(days)], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        # e.g. on a market too small or too short for it, Toraniko estimates no factor returns
        # and fails naming columns of an empty frame
        last_lines = "\n".join(result.stderr.strip().splitlines()[-3:])
        sys.exit(f"Toraniko failed on this market ({python}):\n{last_lines}")
    seconds = json.loads(result.stdout.splitlines()[-1])
    return seconds["styles"], seconds["returns"]


def our_factor_returns(url: str, days: int) -> tuple[float, float]:
    """Our factor returns alone, same factors as Toraniko's run (country, FF12, three styles),
    over the last `days` sessions: seconds to read the exposures, seconds to regress."""
    config = preset("use4s").with_factors(THREE_STYLES, "ff12")
    started = time.perf_counter()
    # the exposures at each regression's start, the session before its first return on
    panel, _ = read_panel(url, config, first_date=first_regression_date(url, days))
    read = time.perf_counter() - started
    started = time.perf_counter()
    # the model's own loop: one regression per date, each but the last (no next session)
    cross_section_history(panel)
    return read, time.perf_counter() - started


def first_regression_date(url: str, days: int) -> dt.date:
    """The session `days` sessions before the last one: exposures known at its close explain
    the first of the last `days` sessions' returns."""
    with psycopg.connect(url) as connection:
        row = connection.execute(
            "select trade_date from marts.trading_calendar order by trade_date desc"
            " offset %s limit 1",
            (days,),
        ).fetchone()
    assert row is not None
    return row[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--securities", type=int, default=3000)
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--days", type=int, default=252)
    parser.add_argument("--repeat", type=int, default=3, help="runs of Toraniko and of ours")
    parser.add_argument(
        "--toraniko-python",
        default="/tmp/toraniko/bin/python",
        help="an interpreter with Toraniko installed (default: %(default)s)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--database", help="a database a --keep run left: skip generate + build")
    arguments = parser.parse_args()

    if arguments.database:
        compare(arguments.database, arguments.days, arguments.repeat, arguments.toraniko_python)
        return
    with throwaway_database("fe_bench_risk", keep=arguments.keep) as url:
        market = generate(url, securities=arguments.securities, years=arguments.years)
        built = build(url)
        print(f"securities x sessions      {market.securities:,} x {len(market.sessions):,}")
        print(f"factor build (dbt, full)   {built.seconds:.1f} s")
        compare(url, arguments.days, arguments.repeat, arguments.toraniko_python)


def compare(url: str, days: int, repeat: int, toraniko_python: str) -> None:
    """Toraniko beside our factor returns, then our full model, on a built database."""
    print(gauge_line(url))
    started = time.perf_counter()
    inputs = toraniko_inputs(url)
    print(f"toraniko inputs read from the marts: {time.perf_counter() - started:.1f} s")
    toraniko_seconds, our_seconds = [], []
    with tempfile.TemporaryDirectory() as folder:
        saved = Path(folder) / "toraniko_inputs.parquet"
        inputs.write_parquet(saved)
        del inputs
        for run in range(1, repeat + 1):
            styles_seconds, returns_seconds = run_toraniko(toraniko_python, saved, days)
            read_seconds, regress_seconds = our_factor_returns(url, days)
            print(
                f"run {run}, {days} days: toraniko 3 styles {styles_seconds:.2f} s,"
                f" factor returns {returns_seconds:.2f} s; ours (factor returns alone)"
                f" read exposures {read_seconds:.2f} s, regressions {regress_seconds:.2f} s"
            )
            toraniko_seconds.append(styles_seconds + returns_seconds)
            our_seconds.append(read_seconds + regress_seconds)
    toraniko, ours = statistics.median(toraniko_seconds), statistics.median(our_seconds)
    print(
        f"toraniko / ours, medians of {repeat} runs: {toraniko:.2f} / {ours:.2f} s ="
        f" {toraniko / ours:.1f} (target: 30); per run:"
        f" {', '.join(f'{t / o:.1f}' for t, o in zip(toraniko_seconds, our_seconds, strict=True))}"
    )
    three = preset("use4s").with_factors(THREE_STYLES, "ff12")
    same = run_risk(url, three, since=None)
    print(
        f"ours, same work (3 styles + ff12, every session): read {same.timings['read']:.1f} s,"
        f" estimate {same.timings['estimate']:.1f} s, write {same.timings['write']:.1f} s"
    )
    full = run_risk(url, preset("use4s"), since=None)
    total = sum(full.timings.values())
    print(f"ours, full model use4s: {total:.1f} s {full.timings}; peak RSS {peak_mib():,.0f} MiB")
    for line in full.lines():
        print(line)
    assert full.last_date is not None
    daily = run_risk(url, preset("use4s"), since=full.last_date)
    print(
        f"ours, the same model, one session (--since {full.last_date}, continued from the"
        f" state of {daily.resumed_from}): {sum(daily.timings.values()):.1f} s {daily.timings}"
    )


if __name__ == "__main__":
    main()
