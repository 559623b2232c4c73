"""Benchmark: `factor-engine build` on a synthetic Russell-3000-sized market.

Usage (from the checkout): .venv/bin/python bench/factor_build.py [--securities N] [--years Y]

It creates a throwaway database on DATABASE_URL's server (default 127.0.0.1:5432), migrates
it, lands the synthetic market (bench/synthetic_market.py), then times a full build, and an
incremental build after one more session of bars lands (`build --since <that day>`), for three
days in a row, in this process (dbt imported, and its macro templates compiled, once: what a
process that stays up and builds every day would see), then for three more days the command
`factor-engine build --since <that day>` from a fresh shell (its wall clock includes starting
Python and importing dbt, 1.2-2 s, reading dbt's parsed project, about 0.5 s, and compiling
dbt's templates, 0.3-1 s; a `factor-engine run`, which builds once in its process, pays those
too: ADR 0018). Before the first day, a CHECKPOINT, so that no day's build meets the full
build's writes still being flushed (a daily build runs long after any full build). Targets
(issue #4): full < 5 min, incremental < 5 s on the 2-core machines. Peak memory is the Python
process's (dbt runs in-process); the server's own memory is not included.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _database import throwaway_database
from _machine import gauge_line
from synthetic_market import append_session, generate

from factor_engine.core.build import build

DAYS = 3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--securities", type=int, default=3000)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    arguments = parser.parse_args()

    with throwaway_database("fe_bench_build", keep=arguments.keep) as url:
        started = time.perf_counter()
        market = generate(url, securities=arguments.securities, years=arguments.years)
        generated = time.perf_counter() - started
        full = build(url)
        checkpoint_seconds = checkpoint(url)
        # days in a row: the rollups refresh their materialized part on some days only
        # (ADR 0015), so one day alone may be either kind
        incremental = {}
        for _ in range(DAYS):
            day = append_session(url, market)
            market = replace(market, sessions=[*market.sessions, day])
            incremental[day] = build(url, since=day)
        shell_seconds = {}
        for _ in range(DAYS):
            day = append_session(url, market)
            market = replace(market, sessions=[*market.sessions, day])
            shell_seconds[day] = build_from_a_shell(url, day)
        peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(gauge_line(url))
        print(f"securities x sessions  {market.securities:,} x {len(market.sessions):,}")
        print(
            f"raw rows               {market.bars:,} bars, {market.facts:,} facts, "
            f"{market.filings:,} filings (generated and landed in {generated:.1f} s)"
        )
        print(f"full build             {full.seconds:.1f} s")
        print(f"checkpoint after it    {checkpoint_seconds:.1f} s")
        for built_day, summary in incremental.items():
            print(f"incremental build      {summary.seconds:.1f} s (one new session, {built_day})")
        for built_day, seconds in shell_seconds.items():
            print(f"from a fresh shell     {seconds:.1f} s (one new session, {built_day})")
        print(f"peak RSS (Python)      {peak_mib:,.0f} MiB")
        for line in full.lines()[1:]:
            print(line)
        for label, summary in (
            ("full build", full),
            *((f"incremental build {day}", built) for day, built in incremental.items()),
        ):
            print(f"{label}:")
            for line in summary.slowest_lines(12):
                print(line)


def checkpoint(url: str) -> float:
    """Seconds the server takes to write out what the full build left in its buffers."""
    started = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("checkpoint")
    return time.perf_counter() - started


def build_from_a_shell(url: str, day: dt.date) -> float:
    """Wall-clock seconds of `factor-engine build --since day`, run as a user runs it."""
    command = [str(Path(sys.executable).with_name("factor-engine")), "build", "--since", str(day)]
    started = time.perf_counter()
    subprocess.run(
        command, env={**os.environ, "DATABASE_URL": url}, check=True, capture_output=True
    )
    return time.perf_counter() - started


if __name__ == "__main__":
    main()
