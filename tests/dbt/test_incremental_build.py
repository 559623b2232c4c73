"""`factor-engine build --since DATE` gives what a full build gives.

A database holds the sample data as it stood on the evening of a cut-off date (bars up to
the cut-off, filings accepted until midnight: one, after the close, known but not usable
before a session follows) and is built in full; then the rest of the data lands, as the next
loads would land it, and `build --since` the day after the cut-off rebuilds only from there.
Every table a --since build touches must then equal the full build of all the data (the demo
database).
"""

from __future__ import annotations

import datetime as dt
import math
from typing import TYPE_CHECKING, Any

import psycopg
import pytest
from databases import throwaway_database
from psycopg import sql
from psycopg.types.string import TextLoader

from factor_engine.core.build import build
from factor_engine.core.dbt import DbtError
from factor_engine.core.demo import run_demo

if TYPE_CHECKING:
    from collections.abc import Iterator

pytestmark = [pytest.mark.db, pytest.mark.slow]

CUTOFF = dt.date(2017, 5, 8)  # a Monday: a 10-Q (CIK 63908) was accepted at 16:10 New York
FILINGS_UNTIL = CUTOFF + dt.timedelta(days=1)  # accepted before that midnight
SINCE = CUTOFF + dt.timedelta(days=1)
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


@pytest.fixture(scope="module")
def incrementally_built_url(server_url: str) -> Iterator[str]:
    with throwaway_database(server_url, "incremental") as url:
        run_demo(url, show_progress=False)
        with psycopg.connect(url) as connection:
            # what had not landed by the cut-off is set aside, then landed again after the build
            connection.execute("create schema later")
            connection.execute(
                "create table later.bars as select * from raw_files.daily_bars"
                " where trade_date > %s",
                (CUTOFF,),
            )
            connection.execute(
                "create table later.filings as select * from raw_edgar.filings"
                " where accepted_at >= (%s::date)::timestamp at time zone 'America/New_York'",
                (FILINGS_UNTIL,),
            )
            connection.execute(
                "create table later.facts as select facts.* from raw_edgar.facts as facts"
                " join later.filings using (cik, accession_number)"
            )
            connection.execute("delete from raw_files.daily_bars where trade_date > %s", (CUTOFF,))
            connection.execute(
                "delete from raw_edgar.facts as facts using later.filings as filings"
                " where facts.cik = filings.cik"
                " and facts.accession_number = filings.accession_number"
            )
            connection.execute(
                "delete from raw_edgar.filings using later.filings as later"
                " where filings.cik = later.cik"
                " and filings.accession_number = later.accession_number"
            )
        build(url)
        with psycopg.connect(url) as connection:
            connection.execute("insert into raw_files.daily_bars select * from later.bars")
            connection.execute("insert into raw_edgar.filings select * from later.filings")
            connection.execute("insert into raw_edgar.facts select * from later.facts")
        build(url, since=SINCE)
        yield url


def table_rows(url: str, table: str, order: str) -> list[tuple[Any, ...]]:
    query = sql.SQL("select * from {} order by {}").format(
        sql.Identifier(*table.split(".")), sql.SQL(order)
    )
    with psycopg.connect(url) as connection:
        # dates as text: valid_to_date is 'infinity', which Python's date cannot hold
        connection.adapters.register_loader("date", TextLoader)
        return connection.execute(query).fetchall()


def same_value(left: Any, right: Any) -> bool:
    if isinstance(left, float) and isinstance(right, float):
        return math.isclose(left, right, rel_tol=1e-9, abs_tol=1e-12)
    return bool(left == right)


@pytest.mark.parametrize("table", COMPARED)
def test_a_since_build_equals_the_full_build(
    table: str, incrementally_built_url: str, demo_database_url: str
) -> None:
    full = table_rows(demo_database_url, table, COMPARED[table])
    incremental = table_rows(incrementally_built_url, table, COMPARED[table])

    assert len(full) > 0
    assert len(incremental) == len(full)
    differing = [
        (left, right)
        for left, right in zip(full, incremental, strict=True)
        if not all(map(same_value, left, right))
    ]
    assert differing[:3] == []


def test_the_cutoff_leaves_new_bars_and_filings_to_the_since_build(
    incrementally_built_url: str,
) -> None:
    with psycopg.connect(incrementally_built_url) as connection:
        later = connection.execute(
            "select (select count(*) from later.bars), (select count(*) from later.filings)"
        ).fetchone()
    assert later is not None
    bars, filings = later
    assert bars > 500
    assert filings > 5


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
