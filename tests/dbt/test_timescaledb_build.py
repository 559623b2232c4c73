"""The TimescaleDB path of the factor core gives the plain path's exposures.

A slice of the sample data, landed on plain PostgreSQL by the demo, is copied into a fresh
plain database and into a PGlite TimescaleDB server of this module's own (it has one database
and serves one connection at a time, so the loaders' two connections are not used there); dbt
builds both, PGlite with one thread. There
daily_prices becomes a hypertable and the rollups continuous aggregates. PGlite gets the slice in
two parts, as a daily job would: what had landed by a cut-off, built in full, then the rest
(the last month's bars, a 10-Q), built with `--since`; plain gets it all at once, built in full.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import numpy as np
import psycopg
import pytest
from databases import throwaway_database

from factor_engine.core.build import build
from factor_engine.core.migrate import migrate
from factor_engine.functions.jobs import read_panel
from factor_engine.functions.model import estimate_risk_model
from factor_engine.functions.model_config import preset

if TYPE_CHECKING:
    from collections.abc import Iterator

pytestmark = [pytest.mark.timescaledb, pytest.mark.slow]

# A slice of the sample data: PGlite runs PostgreSQL in WebAssembly, about fifty times slower.
SLICE = {
    "raw_edgar.companies": "cik in (320193, 789019, 104169, 63908)",
    "raw_edgar.filings": "cik in (320193, 789019, 104169, 63908) and filed_date < '2016-01-01'",
    "raw_edgar.facts": "cik in (320193, 789019, 104169, 63908) and filed_date < '2016-01-01'",
    "raw_files.daily_bars": "symbol in ('AAPL', 'MSFT', 'WMT', 'MCD')"
    " and trade_date between '2014-01-01' and '2015-12-31'",
}
CUTOFF = dt.date(2015, 11, 30)
# the part of the slice landed by the cut-off; the rest comes after the first build
BY_CUTOFF = {
    "raw_edgar.companies": "true",
    "raw_edgar.filings": f"filed_date <= '{CUTOFF}'",
    "raw_edgar.facts": f"filed_date <= '{CUTOFF}'",
    "raw_files.daily_bars": f"trade_date <= '{CUTOFF}'",
}


def rows(url: str, query: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(url) as connection:
        return connection.execute(query).fetchall()


def copy_slice(source_url: str, target_url: str, part: str = "true") -> None:
    """The slice's raw rows, from the demo database into a migrated one: those for which the
    SQL `part` (a format string over {by_cutoff}, each table's BY_CUTOFF condition) holds."""
    # PGlite's socket server (pglite-socket 0.0.19) crashes on a protocol message that spans
    # TCP reads, COPY included: rows travel as small JSON batches instead
    # and its one backend outlives connections, so their prepared statements would collide
    with (
        psycopg.connect(source_url) as source,
        psycopg.connect(target_url, prepare_threshold=None) as target,
    ):
        for table, condition in SLICE.items():
            in_part = part.format(by_cutoff=f"({BY_CUTOFF[table]})")
            query = f"select row_to_json(t)::text from {table} as t where {condition} and {in_part}"
            records = [record for (record,) in source.execute(query)]
            for batch in _batches(records, max_bytes=30_000):
                target.execute(
                    f"insert into {table} select * from json_populate_recordset(null::{table}, %s)",
                    ("[" + ",".join(batch) + "]",),
                )


@pytest.fixture(scope="module")
def built_plain(server_url: str, demo_database_url: str) -> Iterator[str]:
    with throwaway_database(server_url, "slice") as url:
        migrate(url)
        copy_slice(demo_database_url, url)
        build(url)
        yield url


@pytest.fixture(scope="module")
def built_timescaledb(own_timescaledb_url: str, demo_database_url: str) -> str:
    migrate(own_timescaledb_url)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("FACTOR_ENGINE_DBT_THREADS", "1")  # one connection at a time
        copy_slice(demo_database_url, own_timescaledb_url, "{by_cutoff}")
        build(own_timescaledb_url)
        copy_slice(demo_database_url, own_timescaledb_url, "not {by_cutoff}")
        build(own_timescaledb_url, since=CUTOFF + dt.timedelta(days=1))
    return own_timescaledb_url


def test_daily_prices_is_a_hypertable_and_rollups_are_continuous_aggregates(
    built_timescaledb: str,
) -> None:
    assert rows(
        built_timescaledb,
        "select hypertable_schema || '.' || hypertable_name"
        " from timescaledb_information.hypertables where hypertable_schema = 'marts'",
    ) == [("marts.daily_prices",)]
    assert rows(
        built_timescaledb,
        "select view_name from timescaledb_information.continuous_aggregates"
        " where view_schema = 'marts' order by 1",
    ) == [("monthly_bars",), ("weekly_bars",)]


@pytest.mark.parametrize(
    "query",
    [
        "select trade_date, security_id, factor_code, round(exposure_z::numeric, 9), is_imputed"
        " from marts.factor_exposures",
        "select security_id, month_start_date, open_price, close_price, volume,"
        " round(share_turnover::numeric, 9), count_sessions from marts.monthly_bars",
        "select security_id, week_start_date, high_price, low_price, adjusted_close_price"
        " from marts.weekly_bars",
        "select security_id, item_code, valid_from_date, valid_to_date::text, value"
        " from marts.fundamentals_pit",
    ],
    ids=["factor_exposures", "monthly_bars", "weekly_bars", "fundamentals_pit"],
)
def test_both_paths_build_the_same_marts(
    built_timescaledb: str, built_plain: str, query: str
) -> None:
    timescaledb = sorted(rows(built_timescaledb, query))
    plain = sorted(rows(built_plain, query))

    assert len(plain) > 20
    assert timescaledb == plain


# Four stocks carry the country factor and one style.
RISK_MODEL = preset("use4s").with_factors(("size",), "none")


def test_both_paths_give_the_risk_model_the_same_inputs_and_results(
    built_timescaledb: str, built_plain: str
) -> None:
    # The risk job reads with (ADBC's) COPY TO, which PGlite serves; it writes with COPY FROM,
    # which crashes pglite-socket (a message spanning TCP reads), so the writes are not run
    # there: they are plain COPYs into tables that are hypertables on TimescaleDB, checked by
    # tests/migrations/test_timescaledb.py.
    timescaledb_panel, timescaledb_dates = read_panel(built_timescaledb, RISK_MODEL)
    plain_panel, plain_dates = read_panel(built_plain, RISK_MODEL)

    np.testing.assert_array_equal(timescaledb_dates, plain_dates)
    for field in ("dates", "security_ids", "in_estimation_universe", "industry"):
        np.testing.assert_array_equal(
            getattr(timescaledb_panel, field), getattr(plain_panel, field), err_msg=field
        )
    # floating-point sums may differ in the last bit between the paths (as for the exposures)
    for field in ("returns", "market_cap", "styles"):
        np.testing.assert_allclose(
            getattr(timescaledb_panel, field),
            getattr(plain_panel, field),
            rtol=1e-12,
            err_msg=field,
        )
    assert plain_panel.in_estimation_universe.sum() > 100
    timescaledb_model = estimate_risk_model(timescaledb_panel, RISK_MODEL)
    plain_model = estimate_risk_model(plain_panel, RISK_MODEL)
    assert np.isfinite(plain_model.factor_returns).sum() > 200
    np.testing.assert_allclose(
        timescaledb_model.factor_returns, plain_model.factor_returns, rtol=1e-9
    )
    np.testing.assert_allclose(timescaledb_model.covariances, plain_model.covariances, rtol=1e-9)
    np.testing.assert_allclose(
        timescaledb_model.specific_volatility, plain_model.specific_volatility, rtol=1e-9
    )


def _batches(records: list[str], *, max_bytes: int) -> list[list[str]]:
    batches: list[list[str]] = [[]]
    size = 0
    for record in records:
        if size + len(record) > max_bytes and batches[-1]:
            batches.append([])
            size = 0
        batches[-1].append(record)
        size += len(record) + 1
    return batches
