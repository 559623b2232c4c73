"""Benchmark: `factor-engine build` on a synthetic Russell-3000-sized market.

Usage (from the checkout): .venv/bin/python bench/factor_build.py [--securities N] [--years Y]

It creates a throwaway database on DATABASE_URL's server (default 127.0.0.1:5432), migrates
it, lands the synthetic market (bench/synthetic_market.py), then times a full build, and an
incremental build after one more session of bars lands (`build --since <that day>`), for three
days in a row. Targets (issue #4): full < 5 min, incremental < 5 s on the 2-core machines.
Peak memory is the Python process's (dbt runs in-process); the server's own memory is not
included.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _database import throwaway_database
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
        # days in a row: the rollups refresh their materialized part on some days only
        # (ADR 0015), so one day alone may be either kind
        incremental = {}
        for _ in range(DAYS):
            day = append_session(url, market)
            market = replace(market, sessions=[*market.sessions, day])
            incremental[day] = build(url, since=day)
        peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"securities x sessions  {market.securities:,} x {len(market.sessions):,}")
        print(
            f"raw rows               {market.bars:,} bars, {market.facts:,} facts, "
            f"{market.filings:,} filings (generated and landed in {generated:.1f} s)"
        )
        print(f"full build             {full.seconds:.1f} s")
        for day, summary in incremental.items():
            print(f"incremental build      {summary.seconds:.1f} s (one new session, {day})")
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


if __name__ == "__main__":
    main()
