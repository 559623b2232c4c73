"""`factor-engine build`: the dbt project (seeds, models, data tests) run in-process.

The factor core is dbt SQL (dbt_project/): this module only chooses what to run and reports
what it built. With `since`, the date-grained marts rebuild only sessions from that date on
(`since_date()` in the models, ADR 0016); everything else is rebuilt whole, as it is small.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import psycopg
from psycopg import sql

from factor_engine.core.dbt import DbtError, run_dbt

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["BuildSummary", "build", "refresh_continuous_aggregates"]

# dbt's words when an incremental model's columns no longer match its table
# (on_schema_change='fail'): a --since build cannot continue such a table
_SCHEMA_CHANGED = "schemas on this incremental model are out of sync"

# What `build` reports: the marts a user looks at first, each with the dates a --since build
# counts its rows by (the rows it rewrote; none: all of them, a small table). A row counts when
# each date column is on or after `since` less its days: the rollups' bucket starts add
# nothing to the count (a week starts at most 6 days, a month at most 30, before its last
# session) but let the planner find the rows by index, where the last sessions have none.
SUMMARY_TABLES: dict[str, tuple[tuple[str, int], ...]] = {
    "marts.securities": (),
    "marts.trading_calendar": (("trade_date", 0),),
    "marts.daily_prices": (("trade_date", 0),),
    "marts.fundamentals_pit": (("valid_to_date", 0),),
    "marts.estimation_universe": (("trade_date", 0),),
    "marts.factor_exposures_wide": (("trade_date", 0),),
    "marts.factors": (),
    "marts.weekly_bars": (("last_trade_date", 0), ("week_start_date", 6)),
    "marts.monthly_bars": (("last_trade_date", 0), ("month_start_date", 30)),
}


@dataclass(frozen=True)
class BuildSummary:
    seconds: float
    # rows of each summary table; after a --since build, those dated from `since` on
    row_counts: dict[str, int]
    first_trade_date: dt.date | None
    last_trade_date: dt.date | None
    # dbt's seconds per node (model, test, seed), slowest first: where a build's time went
    node_seconds: tuple[tuple[str, float], ...] = ()
    since: dt.date | None = None

    def lines(self) -> list[str]:
        span = (
            f"{self.first_trade_date} .. {self.last_trade_date}"
            if self.first_trade_date
            else "no sessions"
        )
        counted = "" if self.since is None else f"; rows dated from {self.since}:"
        return [
            f"build succeeded in {self.seconds:.1f} s; sessions {span}{counted}",
            *(f"  {table:<28} {count:>12,} rows" for table, count in self.row_counts.items()),
        ]

    def slowest_lines(self, count: int) -> list[str]:
        """The `count` slowest dbt nodes (models, tests, seeds): where the build's time went."""
        if count <= 0 or not self.node_seconds:
            return []
        return [
            f"slowest {min(count, len(self.node_seconds))} dbt nodes (seconds, two may overlap):",
            *(f"  {name:<60} {seconds:7.1f}" for name, seconds in self.node_seconds[:count]),
        ]


def build(
    database_url: str, *, since: dt.date | None = None, select: Sequence[str] = ()
) -> BuildSummary:
    """Seed, run and test every dbt model (or the `select`ed ones); raise DbtError on failure."""
    from dbt.artifacts.schemas.run import RunExecutionResult  # late, as dbt itself (core/dbt.py)

    started = time.perf_counter()
    arguments = ["build"]
    if since is not None:
        # What a day's data cannot change is left to full builds: unit tests check the models'
        # logic on fixed rows, seeds are reference files, views are definitions (a --since
        # build assumes the project did not change, ADR 0013; dbt_project/selectors.yml).
        # Each node costs dbt 0.05-0.3 s.
        arguments += ["--exclude-resource-type", "unit_test", "--exclude-resource-type", "seed"]
        if not select:
            arguments += ["--selector", "since_build"]
    else:
        arguments += ["--full-refresh"]  # incremental models rebuilt whole
    if select:
        arguments += ["--select", *select]
    # A daily build's queries read thousands of rows, but estimates over tables rewritten that
    # day make them look costly enough to JIT-compile, 1-2 s of compiling each for nothing
    # (bench/RESULTS.md); a full build keeps JIT, which pays on scans of millions of rows.
    settings = {"jit": "off"} if since is not None else None
    try:
        outcome = run_dbt(arguments, database_url, settings=settings, since=since).result
    except DbtError as error:
        if since is not None and _SCHEMA_CHANGED in str(error):
            msg = (
                "a --since build cannot continue a table whose columns changed since it was "
                "built (after an upgrade, say): run `factor-engine build` once without --since "
                f"to rebuild in full. {error}"
            )
            raise DbtError(msg) from error
        raise
    refresh_continuous_aggregates(database_url, since=since)
    node_seconds = (
        sorted(
            ((result.node.name, result.execution_time) for result in outcome),
            key=lambda named: -named[1],
        )
        if isinstance(outcome, RunExecutionResult)
        else []
    )
    return _summarise(database_url, started, tuple(node_seconds), since)


def refresh_continuous_aggregates(database_url: str, *, since: dt.date | None = None) -> int:
    """Refresh the marts' continuous aggregates (TimescaleDB only; from `since`, or whole).

    dbt cannot: the call must run outside a transaction, and TimescaleDB's background
    policies fail on PostgreSQL 15.20 (TOOLCHAIN). Returns how many were refreshed.
    """
    with psycopg.connect(database_url, autocommit=True) as connection:
        row = connection.execute("select ops.has_timescaledb()").fetchone()
        if not (row and row[0]):
            return 0
        names = connection.execute(
            "select format('%I.%I', view_schema, view_name)"
            " from timescaledb_information.continuous_aggregates where view_schema = 'marts'"
        ).fetchall()
        # a refresh covers whole buckets only: start a month early so the one holding `since`
        # is recomputed too
        start = sql.Literal(since - dt.timedelta(days=35)) if since else sql.NULL
        for (name,) in names:
            connection.execute(
                sql.SQL("call refresh_continuous_aggregate({}, {}, null)").format(
                    sql.Literal(name), start
                )
            )
    return len(names)


def _summarise(
    database_url: str,
    started: float,
    node_seconds: tuple[tuple[str, float], ...],
    since: dt.date | None,
) -> BuildSummary:
    """What the build left, counted (from `since` on, what a --since build rewrote); its
    seconds include the counting, which the caller waits for."""
    counts = {}
    with psycopg.connect(database_url) as connection:
        # one query, not one per table: a statement run five times is prepared, and PGlite's
        # single backend would then meet the same prepared name from the next build's connection
        existing = connection.execute(
            "select name from unnest(%s::text[]) with ordinality as listed (name, position)"
            " where to_regclass(name) is not null order by position",
            (list(SUMMARY_TABLES),),
        ).fetchall()
        for (table,) in existing:
            query = sql.SQL("select count(*) from {}").format(sql.Identifier(*table.split(".")))
            dated = SUMMARY_TABLES[table]
            if since is not None and dated:
                query += sql.SQL(" where ") + sql.SQL(" and ").join(
                    sql.SQL("{} >= {}").format(
                        sql.Identifier(column), sql.Literal(since - dt.timedelta(days=days))
                    )
                    for column, days in dated
                )
            row = connection.execute(query).fetchone()
            counts[table] = int(row[0]) if row else 0
        span = connection.execute(
            "select min(trade_date), max(trade_date) from marts.trading_calendar"
        ).fetchone()
    first, last = span if span else (None, None)
    return BuildSummary(time.perf_counter() - started, counts, first, last, node_seconds, since)
