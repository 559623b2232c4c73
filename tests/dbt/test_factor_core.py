"""The factor core built by dbt on the bundled sample data: complete, and free of look-ahead.

The no-look-ahead proof: a second database gets the same sample data with everything that was
not yet known on a cut-off date removed (bars after it, filings accepted on or after it and
their facts); the exposures it builds up to the cut-off must equal the full build's.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import psycopg
import pytest
import yaml  # type: ignore[import-untyped]  # PyYAML, which dbt installs; no stubs
from databases import throwaway_database
from physical_order import DAILY_TABLES, rows_before_an_earlier_date

from factor_engine.core.build import build
from factor_engine.core.demo import run_demo
from factor_engine.core.settings import project_root

if TYPE_CHECKING:
    from collections.abc import Iterator

pytestmark = [pytest.mark.db, pytest.mark.slow]

CUTOFF = dt.date(2015, 6, 15)
STYLE_FACTORS = {
    "beta", "momentum", "size", "nonlinear_size", "residual_volatility", "book_to_price",
    "earnings_yield", "growth", "leverage", "liquidity", "dividend_yield",
}  # fmt: skip


def rows(url: str, query: str, *params: Any) -> list[tuple[Any, ...]]:
    with psycopg.connect(url) as connection:
        return connection.execute(query, params or None).fetchall()


def exposures_until(url: str, last: dt.date) -> dict[tuple[Any, ...], tuple[float, bool]]:
    return {
        (trade_date, security_id, factor_code): (exposure_z, is_imputed)
        for trade_date, security_id, factor_code, exposure_z, is_imputed in rows(
            url,
            "select trade_date, security_id, factor_code, exposure_z, is_imputed"
            " from marts.factor_exposures where trade_date <= %s",
            last,
        )
    }


def assert_same_exposures(
    left: dict[tuple[Any, ...], tuple[float, bool]],
    right: dict[tuple[Any, ...], tuple[float, bool]],
) -> None:
    assert left.keys() == right.keys()
    differing = [
        key
        for key, (value, imputed) in left.items()
        if imputed != right[key][1] or abs(value - right[key][0]) > 1e-9
    ]
    assert differing == []


def test_every_estu_member_has_every_style_factor_every_session(demo_database_url: str) -> None:
    catalog = {code for (code,) in rows(demo_database_url, "select factor_code from marts.factors")}
    incomplete = rows(
        demo_database_url,
        "select universe.trade_date, universe.security_id, count(exposures.factor_code)"
        " from marts.estimation_universe as universe"
        " left join marts.factor_exposures as exposures using (trade_date, security_id)"
        " group by 1, 2 having count(exposures.factor_code) <> %s",
        len(STYLE_FACTORS),
    )
    sessions = rows(
        demo_database_url,
        "select count(distinct trade_date), min(trade_date), max(trade_date)"
        " from marts.estimation_universe",
    )

    assert catalog == STYLE_FACTORS
    assert incomplete == []
    assert sessions == [(1854, dt.date(2010, 7, 6), dt.date(2017, 11, 10))]


def test_apple_fundamentals_are_known_from_the_session_after_acceptance(
    demo_database_url: str,
) -> None:
    # Apple's FY2014 10-K (revenue $182.795 bn) was accepted on 2014-10-27, after the close.
    revenue = rows(
        demo_database_url,
        "select valid_from_date, valid_to_date, round(value::numeric / 1e6), period_end_date"
        " from marts.fundamentals_pit"
        " where cik = 320193 and item_code = 'revenue' and period_end_date = '2014-09-27'",
    )
    accepted = rows(
        demo_database_url,
        "select accepted_at at time zone 'America/New_York' from raw_edgar.filings"
        " where accession_number = '0001193125-14-383437'",
    )

    assert accepted[0][0].date() == dt.date(2014, 10, 27)
    assert revenue == [(dt.date(2014, 10, 28), dt.date(2015, 1, 29), 182795, dt.date(2014, 9, 27))]


@pytest.fixture(scope="module")
def database_known_at_cutoff(server_url: str) -> Iterator[str]:
    """The sample data as it stood before CUTOFF (New York), built on its own."""
    with throwaway_database(server_url, "cutoff") as url:
        run_demo(url, show_progress=False)
        with psycopg.connect(url) as connection:
            cutoff = connection.execute(
                "select (%s::date)::timestamp at time zone 'America/New_York'", (CUTOFF,)
            ).fetchone()[0]  # type: ignore[index]
            connection.execute("delete from raw_files.daily_bars where trade_date > %s", (CUTOFF,))
            connection.execute(
                "delete from raw_edgar.facts as facts where exists ("
                " select from raw_edgar.filings as filings where filings.cik = facts.cik"
                " and filings.accession_number = facts.accession_number"
                " and filings.accepted_at >= %s)"
                " or (facts.filed_date >= %s and not exists ("
                " select from raw_edgar.filings as filings where filings.cik = facts.cik"
                " and filings.accession_number = facts.accession_number))",
                (cutoff, CUTOFF),
            )
            connection.execute("delete from raw_edgar.filings where accepted_at >= %s", (cutoff,))
        build(url)
        yield url


def test_exposures_use_only_what_was_known_at_the_time(
    demo_database_url: str, database_known_at_cutoff: str
) -> None:
    full = exposures_until(demo_database_url, CUTOFF)
    known_then = exposures_until(database_known_at_cutoff, CUTOFF)

    assert len(full) > 100_000
    assert_same_exposures(full, known_then)


def test_a_restatement_changes_exposures_only_from_its_acceptance_on(
    server_url: str, demo_database_url: str
) -> None:
    restated_on = dt.date(2016, 3, 1)  # a Tuesday: usable from Wednesday 2016-03-02
    with throwaway_database(server_url, "restated") as url:
        run_demo(url, show_progress=False)
        with psycopg.connect(url) as connection:
            # Apple restates FY2015 net income (53.394 bn) to half in a filing accepted
            # 2016-03-01 15:00 New York: a new knowledge row, nothing overwritten.
            connection.execute(
                "insert into raw_edgar.filings (cik, accession_number, form, filed_date,"
                " accepted_at, load_id) values (320193, '0000320193-16-999999', '10-K/A',"
                " %s, %s::timestamp at time zone 'America/New_York', 0)",
                (restated_on, f"{restated_on} 15:00"),
            )
            connection.execute(
                "insert into raw_edgar.facts (cik, taxonomy, concept, unit, period_start_date,"
                " period_end_date, reported_value, accession_number, fiscal_year,"
                " fiscal_period, form, filed_date, load_id)"
                " select cik, taxonomy, concept, unit, period_start_date, period_end_date,"
                " reported_value / 2, '0000320193-16-999999', 2015, 'FY', '10-K/A', %s, 0"
                " from raw_edgar.facts where cik = 320193 and concept = 'NetIncomeLoss'"
                " and period_start_date = '2014-09-28' and period_end_date = '2015-09-26'"
                " and form = '10-K' order by filed_date limit 1",
                (restated_on,),
            )
        build(url)
        before = exposures_until(demo_database_url, restated_on)
        after_restatement = exposures_until(url, restated_on)
        earnings_yield = (
            "select trade_date, raw_value from marts.factor_exposures as exposures"
            " join marts.securities as securities using (security_id)"
            " where securities.cik = 320193 and exposures.factor_code = 'earnings_yield'"
        )
        restated = dict(rows(url, earnings_yield))
        original = dict(rows(demo_database_url, earnings_yield))
        first_reported = rows(
            url,
            "select value, first_reported_value from marts.fundamentals_pit"
            " where cik = 320193 and item_code = 'net_income' and valid_from_date = '2016-03-02'",
        )

    assert_same_exposures(before, after_restatement)
    changed = sorted(day for day, value in restated.items() if abs(value - original[day]) > 1e-12)
    assert changed[0] == dt.date(2016, 3, 2)
    assert first_reported[0][0] < first_reported[0][1]


def test_industries_come_from_the_sic_code_of_the_latest_submissions(
    demo_database_url: str,
) -> None:
    assert rows(
        demo_database_url,
        "select ticker, sic_code, ff12_industry_code, ff49_industry_code from marts.securities"
        " where ticker in ('AAPL', 'MSFT', 'MCD', 'NKE', 'HRI') order by ticker",
    ) == [
        ("AAPL", 3571, "BusEq", "Hardw"),
        ("HRI", 7350, "Other", "BusSv"),
        ("MCD", 5812, "Shops", "Meals"),
        ("MSFT", 7372, "BusEq", "Softw"),
        ("NKE", 3021, "Manuf", "Clths"),
    ]


def test_a_full_build_writes_the_daily_tables_in_date_order(server_url: str) -> None:
    # as a --since build appends them: a daily build's reads of recent sessions then find
    # them on the last pages of the table (bench/RESULTS.md: the daily build on a cold cache);
    # a database of its own, which no other test's --since build has appended to
    with throwaway_database(server_url, "full_build") as url:
        run_demo(url, show_progress=False)
        out_of_order = {table: rows_before_an_earlier_date(url, table) for table in DAILY_TABLES}
    assert out_of_order == dict.fromkeys(DAILY_TABLES, 0)


def test_the_exposures_table_has_its_contract_columns_in_order(demo_database_url: str) -> None:
    # the project creates a contracted table by CREATE TABLE AS (macros/create_table_as.sql):
    # it must make the table dbt-postgres's empty table and INSERT would have made
    models = yaml.safe_load(
        (project_root() / "dbt_project/models/marts/factors/_factors__models.yml").read_text()
    )
    (contract,) = [model for model in models["models"] if model["name"] == "factor_exposures_wide"]
    stored = rows(
        demo_database_url,
        "select column_name, data_type from information_schema.columns"
        " where table_schema = 'marts' and table_name = 'factor_exposures_wide'"
        " order by ordinal_position",
    )
    assert stored == [(column["name"], column["data_type"]) for column in contract["columns"]]
