"""`factor-engine build --since DATE` gives what a full build gives.

A database holds the sample data as it stood on the evening of a cut-off date (bars up to
the cut-off, filings accepted until midnight: one, after the close, known but not usable
before a session follows) and is built in full; then the data lands in three steps, as the
next loads would land it, each followed by `build --since` the day after its last bars: weeks,
then months of sessions, then the last session alone, which takes the daily build's own paths
(macros/since.sql: is_daily_since_build). The EDGAR rows carry the loaded_at of daily loads, by
which a --since build finds the new facts. Every table a --since build touches must then equal
the full build of all the data (the demo database), both after the three steps and after a
fourth build, from an earlier date.
The steps also take the plain-PostgreSQL rollups down each of their paths (ADR 0015): the
first leaves their materialized buckets as they were, the second, more than a month later,
refreshes their recent part, the third, a day later, leaves them again, and the fourth build,
from a date before their history's end (as after a restatement), refreshes their history too.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import psycopg
import pytest
from databases import throwaway_database
from physical_order import DAILY_TABLES, rows_before_an_earlier_date
from psycopg import sql
from psycopg.types.string import TextLoader

from factor_engine.core.build import BuildSummary, build
from factor_engine.core.dbt import DbtError
from factor_engine.core.demo import run_demo

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

pytestmark = [pytest.mark.db, pytest.mark.slow]

CUTOFF = dt.date(2017, 5, 8)  # a Monday: a 10-Q (CIK 63908) was accepted at 16:10 New York
SINCE = CUTOFF + dt.timedelta(days=1)
SECOND_CUTOFF = dt.date(2017, 6, 30)  # a Friday: the week and the month are complete
SECOND_SINCE = SECOND_CUTOFF + dt.timedelta(days=1)
LAST_CUTOFF = dt.date(2017, 11, 9)  # a Thursday: the sample data's last session follows
LAST_SINCE = LAST_CUTOFF + dt.timedelta(days=1)
REBUILT_SINCE = dt.date(2017, 3, 1)  # before the rollups' history ends: refreshes it
ROLLUPS = {"marts.weekly_bars": "week_start_date", "marts.monthly_bars": "month_start_date"}
# every model a --since build rebuilds part of, or all of, keyed by what orders its rows
COMPARED = {
    "marts.trading_calendar": "trade_date",
    "marts.daily_prices": "security_id, trade_date",
    "intermediate.int_fundamental_facts_known": (
        "cik, item_code, period_start_date, period_end_date, usable_from_date"
    ),
    "intermediate.int_fundamental_snapshots": "cik, item_code, snapshot_date",
    "marts.fundamentals_pit": "security_id, item_code, valid_from_date",
    "marts.estimation_universe": "trade_date, security_id",
    "intermediate.int_market_returns": "trade_date",
    "intermediate.int_price_descriptors": "security_id, trade_date",
    "intermediate.int_fundamental_descriptors": "security_id, trade_date",
    "intermediate.int_descriptors_standardized": "trade_date, security_id",
    "marts.factor_exposures_wide": "trade_date, security_id",
    "marts.weekly_bars": "security_id, week_start_date",
    "marts.monthly_bars": "security_id, month_start_date",
}


# where the fixture keeps each compared table as the three daily steps left it
DAILY_STEPS_SCHEMA = "after_daily_steps"


@dataclass(frozen=True)
class IncrementalBuild:
    url: str
    # each plain-PostgreSQL rollup's last buckets of history and of the recent part, after
    # each --since build
    materialized_ends: list[dict[str, tuple[dt.date, dt.date]]]
    # each rollup's rows after the first --since build (the buckets complete at the second
    # cut-off) and after the daily steps (all of them)
    rollup_rows_after_step: list[dict[str, list[tuple[Any, ...]]]]
    # what the first --since build reported, and each table's rows dated from its `since`
    # counted right after it, by the date that says which rows the build rewrote
    first_summary: BuildSummary
    rows_dated_from_since: dict[str, int]


@pytest.fixture(scope="module")
def incremental_build(server_url: str) -> Iterator[IncrementalBuild]:
    with throwaway_database(server_url, "incremental") as url:
        run_demo(url, show_progress=False)
        with psycopg.connect(url) as connection:
            stamp_as_landed_by_daily_loads(connection)
            set_aside_what_lands_after(connection, CUTOFF)
        build(url)
        with psycopg.connect(url) as connection:
            land_what_was_set_aside(connection, after=CUTOFF, until=SECOND_CUTOFF)
        first_summary = build(url, since=SINCE)
        dated_from_since = rows_dated_from(url, SINCE)
        ends = [last_materialized_buckets(url)]
        rows = [{table: rollup_rows_before(url, table, SECOND_SINCE) for table in ROLLUPS}]
        with psycopg.connect(url) as connection:
            land_what_was_set_aside(connection, after=SECOND_CUTOFF, until=LAST_CUTOFF)
        build(url, since=SECOND_SINCE)
        ends.append(last_materialized_buckets(url))
        with psycopg.connect(url) as connection:
            land_what_was_set_aside(connection, after=LAST_CUTOFF, until="infinity")
        build(url, since=LAST_SINCE)
        with psycopg.connect(url) as connection:
            keep_copies(connection, COMPARED, DAILY_STEPS_SCHEMA)
        ends.append(last_materialized_buckets(url))
        rows.append({table: rollup_rows_before(url, table, dt.date.max) for table in ROLLUPS})
        build(url, since=REBUILT_SINCE)
        ends.append(last_materialized_buckets(url))
        yield IncrementalBuild(url, ends, rows, first_summary, dated_from_since)


def rows_dated_from(url: str, since: dt.date) -> dict[str, int]:
    """Each summary table's rows by the date that says which rows a --since build rewrites
    (all rows of the small tables it rebuilds whole)."""
    dated_by = {
        "marts.securities": None,
        "marts.trading_calendar": "trade_date",
        "marts.daily_prices": "trade_date",
        "marts.fundamentals_pit": "valid_to_date",
        "marts.estimation_universe": "trade_date",
        "marts.factor_exposures_wide": "trade_date",
        "marts.factors": None,
        "marts.weekly_bars": "last_trade_date",
        "marts.monthly_bars": "last_trade_date",
    }
    counts = {}
    with psycopg.connect(url) as connection:
        for table, column in dated_by.items():
            query = sql.SQL("select count(*) from {}").format(sql.Identifier(*table.split(".")))
            if column is not None:
                query += sql.SQL(" where {} >= {}").format(
                    sql.Identifier(column), sql.Literal(since)
                )
            row = connection.execute(query).fetchone()
            counts[table] = row[0] if row else -1
    return counts


def keep_copies(connection: psycopg.Connection[Any], tables: Iterable[str], schema: str) -> None:
    """Copy each table, as it is now, into `schema` (marts.daily_prices: marts__daily_prices)."""
    connection.execute(sql.SQL("create schema {}").format(sql.Identifier(schema)))
    for table in tables:
        connection.execute(
            sql.SQL("create table {} as select * from {}").format(
                sql.Identifier(schema, table.replace(".", "__")),
                sql.Identifier(*table.split(".")),
            )
        )


def stamp_as_landed_by_daily_loads(connection: psycopg.Connection[Any]) -> None:
    """Give the EDGAR rows the loaded_at of daily loads: an hour after their filing's
    acceptance (a fact whose filing is not landed: an hour after its filing date began). The
    demo landed them all at once; a --since build reads the facts landed lately only."""
    connection.execute("update raw_edgar.filings set loaded_at = accepted_at + interval '1 hour'")
    connection.execute(
        "update raw_edgar.facts as facts set loaded_at = interval '1 hour' + coalesce("
        "  (select min(filings.accepted_at) from raw_edgar.filings as filings"
        "   where filings.cik = facts.cik and filings.accession_number = facts.accession_number),"
        "  facts.filed_date::timestamp at time zone 'America/New_York')"
    )


def set_aside_what_lands_after(connection: psycopg.Connection[Any], cutoff: dt.date) -> None:
    """Move the bars after `cutoff` and the filings accepted after its midnight into `later`."""
    connection.execute("create schema later")
    connection.execute(
        "create table later.bars as select * from raw_files.daily_bars where trade_date > %s",
        (cutoff,),
    )
    connection.execute(
        "create table later.filings as select * from raw_edgar.filings"
        " where accepted_at >= (%s::date + 1)::timestamp at time zone 'America/New_York'",
        (cutoff,),
    )
    connection.execute(
        "create table later.facts as select facts.* from raw_edgar.facts as facts"
        " join later.filings using (cik, accession_number)"
    )
    connection.execute("delete from raw_files.daily_bars where trade_date > %s", (cutoff,))
    connection.execute(
        "delete from raw_edgar.facts as facts using later.filings as filings"
        " where facts.cik = filings.cik and facts.accession_number = filings.accession_number"
    )
    connection.execute(
        "delete from raw_edgar.filings using later.filings as later"
        " where filings.cik = later.cik and filings.accession_number = later.accession_number"
    )


def land_what_was_set_aside(
    connection: psycopg.Connection[Any], after: dt.date, until: dt.date | str
) -> None:
    """Land the set-aside bars of (after, until] and the filings accepted between those days'
    midnights, as the loads of those days would ('infinity': all that is left)."""
    window = {"after": after, "until": until}
    connection.execute(
        "insert into raw_files.daily_bars select * from later.bars"
        " where trade_date > %(after)s and trade_date <= %(until)s::date",
        window,
    )
    accepted_between = (
        " where accepted_at >= (%(after)s::date + 1)::timestamp at time zone 'America/New_York'"
        " and accepted_at < (%(until)s::date + 1)::timestamp at time zone 'America/New_York'"
    )
    connection.execute(
        "insert into raw_edgar.filings select * from later.filings" + accepted_between, window
    )
    connection.execute(
        "insert into raw_edgar.facts select facts.* from later.facts as facts"
        " join later.filings using (cik, accession_number)" + accepted_between,
        window,
    )


def last_materialized_buckets(url: str) -> dict[str, tuple[dt.date, dt.date]]:
    """Each rollup's last buckets in its `_history` and `_recent` materialized views (ADR 0015)."""
    buckets = {}
    with psycopg.connect(url) as connection:
        for table, bucket in ROLLUPS.items():
            query = sql.SQL("select (select max({0}) from {1}), (select max({0}) from {2})").format(
                sql.Identifier(bucket),
                sql.Identifier(*f"{table}_history".split(".")),
                sql.Identifier(*f"{table}_recent".split(".")),
            )
            row = connection.execute(query).fetchone()
            assert row is not None
            buckets[table] = (row[0], row[1])
    return buckets


def rollup_rows_before(url: str, table: str, bucket_end: dt.date) -> list[tuple[Any, ...]]:
    bucket = ROLLUPS[table]
    query = sql.SQL("select * from {} where {} < %s order by security_id, {}").format(
        sql.Identifier(*table.split(".")), sql.Identifier(bucket), sql.Identifier(bucket)
    )
    with psycopg.connect(url) as connection:
        return connection.execute(query, (bucket_end,)).fetchall()


def table_rows(url: str, table: str, order: str) -> list[tuple[Any, ...]]:
    query = sql.SQL("select * from {} order by {}").format(
        sql.Identifier(*table.split(".")), sql.SQL(order)
    )
    with psycopg.connect(url) as connection:
        # dates as text: valid_to_date is 'infinity', which Python's date cannot hold
        connection.adapters.register_loader("date", TextLoader)
        return connection.execute(query).fetchall()


def assert_same_rows(rows: list[tuple[Any, ...]], expected: list[tuple[Any, ...]]) -> None:
    """Equal row for row; floats to 1e-9 (sums may add in another order)."""
    assert len(expected) > 0
    assert len(rows) == len(expected)
    differing = [
        (left, right)
        for left, right in zip(expected, rows, strict=True)
        if not all(map(same_value, left, right))
    ]
    assert differing[:3] == []


def same_value(left: Any, right: Any) -> bool:
    if isinstance(left, float) and isinstance(right, float):
        return math.isclose(left, right, rel_tol=1e-9, abs_tol=1e-12)
    return bool(left == right)


@pytest.mark.parametrize("state", ["after the daily steps", "after the rebuild"])
@pytest.mark.parametrize("table", COMPARED)
def test_a_since_build_equals_the_full_build(
    table: str, state: str, incremental_build: IncrementalBuild, demo_database_url: str
) -> None:
    # after the three daily steps (their copies), then after the fourth build, from an
    # earlier date, which rewrites what they wrote
    built = f"{DAILY_STEPS_SCHEMA}.{table.replace('.', '__')}" if "daily" in state else table
    full = table_rows(demo_database_url, table, COMPARED[table])
    incremental = table_rows(incremental_build.url, built, COMPARED[table])

    assert_same_rows(incremental, full)


def test_each_step_lands_new_bars_and_filings(incremental_build: IncrementalBuild) -> None:
    with psycopg.connect(incremental_build.url) as connection:
        counts = connection.execute(
            "select"
            " count(*) filter (where trade_date <= %(second)s),"
            " count(*) filter (where trade_date > %(second)s and trade_date <= %(last)s),"
            " count(distinct trade_date) filter (where trade_date > %(last)s),"
            " (select count(*) from later.filings where accepted_at < %(midnight)s),"
            " (select count(*) from later.filings where accepted_at >= %(midnight)s)"
            " from later.bars",
            {
                "second": SECOND_CUTOFF,
                "last": LAST_CUTOFF,
                "midnight": dt.datetime.combine(
                    SECOND_SINCE, dt.time(), ZoneInfo("America/New_York")
                ),
            },
        ).fetchone()
    assert counts is not None
    first_bars, second_bars, last_sessions, first_filings, second_filings = counts
    assert min(first_bars, second_bars) > 300  # ten securities, seven weeks and four months
    assert last_sessions == 1  # the last step is a daily build's: one session
    assert min(first_filings, second_filings) >= 3


def test_each_step_refreshes_only_the_stale_parts_of_the_rollups(
    incremental_build: IncrementalBuild,
) -> None:
    first, second, last, rebuilt = incremental_build.materialized_ends
    # one day after the week's Monday and eight after the month's first: the new rows are
    # aggregated live, the materialized buckets are those of the full build at CUTOFF
    assert first == {
        "marts.weekly_bars": (dt.date(2017, 5, 8), dt.date(2017, 5, 8)),
        "marts.monthly_bars": (dt.date(2017, 5, 1), dt.date(2017, 5, 1)),
    }
    # more than a month later: the recent part is refreshed up to the sample data's last week
    # and month, history is left as it was
    assert second == {
        "marts.weekly_bars": (dt.date(2017, 5, 8), dt.date(2017, 11, 6)),
        "marts.monthly_bars": (dt.date(2017, 5, 1), dt.date(2017, 11, 1)),
    }
    # a day later, inside the same week and month: nothing new to materialize
    assert last == second
    # from a date inside history: history is refreshed, and the recent part starts at its end
    assert rebuilt == {
        "marts.weekly_bars": (dt.date(2017, 11, 6), dt.date(2017, 11, 6)),
        "marts.monthly_bars": (dt.date(2017, 11, 1), dt.date(2017, 11, 1)),
    }


@pytest.mark.parametrize("step", [1, 2])
@pytest.mark.parametrize("table", ROLLUPS)
def test_rollups_read_across_their_parts_equal_the_full_build(
    table: str, step: int, incremental_build: IncrementalBuild, demo_database_url: str
) -> None:
    # after step 1: history and seven weeks of live buckets; after the daily steps: history,
    # the recent part and live buckets
    rows = incremental_build.rollup_rows_after_step[step - 1][table]
    full = rollup_rows_before(demo_database_url, table, SECOND_SINCE if step == 1 else dt.date.max)

    assert_same_rows(rows, full)


def test_a_since_build_reports_the_rows_dated_from_since(
    incremental_build: IncrementalBuild,
) -> None:
    reported = incremental_build.first_summary.row_counts

    assert reported == incremental_build.rows_dated_from_since
    # `since` is a Tuesday, the 9th: the week's and the month's buckets began before it, and
    # are counted (their last sessions are not before it)
    assert (SINCE.weekday(), SINCE.day) == (1, 9)
    assert min(reported["marts.weekly_bars"], reported["marts.monthly_bars"]) > 0


def test_a_since_build_on_a_table_whose_columns_changed_says_to_build_in_full(
    server_url: str,
) -> None:
    with throwaway_database(server_url, "changed") as url:
        run_demo(url, show_progress=False)
        with psycopg.connect(url) as connection:
            # as a database built by a version whose wide table had another column would be
            connection.execute(
                "alter table marts.factor_exposures_wide add column retired_style double precision"
            )
        with pytest.raises(DbtError, match="without --since to rebuild in full"):
            build(url, since=dt.date(2017, 11, 1))
        build(url)
        with psycopg.connect(url) as connection:
            row = connection.execute(
                "select count(*) from information_schema.columns"
                " where table_schema = 'marts' and table_name = 'factor_exposures_wide'"
                " and column_name = 'retired_style'"
            ).fetchone()
    assert row == (0,)


def test_a_since_build_leaves_every_relation_of_a_full_build(
    incremental_build: IncrementalBuild, demo_database_url: str
) -> None:
    # it skips the views (dbt_project/selectors.yml) but must rebuild those on a table it
    # replaces: replacing a table drops the views on it
    assert relations(incremental_build.url) == relations(demo_database_url)


def relations(url: str) -> list[tuple[str, str, str]]:
    with psycopg.connect(url) as connection:
        return [
            (schema, name, kind)
            for schema, name, kind in connection.execute(
                "select table_schema, table_name, table_type from information_schema.tables"
                " where table_schema in ('api', 'marts', 'intermediate', 'staging', 'reference')"
                " union all"
                " select schemaname, matviewname, 'MATERIALIZED VIEW' from pg_matviews"
                " order by 1, 2"
            ).fetchall()
        ]


@pytest.mark.parametrize("table", DAILY_TABLES)
def test_since_builds_append_the_daily_tables_in_date_order(
    table: str, incremental_build: IncrementalBuild
) -> None:
    # each step appends weeks of sessions: in date order, as the full build wrote the rest
    assert rows_before_an_earlier_date(incremental_build.url, table) == 0
