"""The TimescaleDB branch of the migrations, on PGlite with TimescaleDB 2.x.

PGlite has exactly one database, so these tests isolate by migrating to base at the start and
the end instead of creating databases. It also has one backend for every connection, and
TimescaleDB cannot be created again in a backend that dropped it, so the test that migrates to
base (dropping the extension) runs last.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import psycopg
import pytest

from factor_engine.core.dbt import run_dbt
from factor_engine.core.migrate import migrate

if TYPE_CHECKING:
    from collections.abc import Iterator

pytestmark = [pytest.mark.timescaledb, pytest.mark.slow]

HYPERTABLES = [
    ("raw_edgar", "facts", "filed_date"),
    ("raw_edgar", "filings", "filed_date"),
    ("raw_files", "daily_bars", "trade_date"),
    ("raw_fred", "observations", "observation_date"),
    ("raw_ibkr", "daily_bars", "trade_date"),
    ("risk", "factor_covariances", "as_of_date"),
    ("risk", "specific_returns", "trade_date"),
    ("risk", "specific_risks", "as_of_date"),
]

COLUMNS = """
    select table_schema, table_name, column_name, data_type, is_nullable
    from information_schema.columns
    where table_schema in ('raw_edgar', 'raw_fred', 'raw_ibkr', 'raw_files', 'ops', 'risk', 'api')
    order by 1, 2, 3
"""


@pytest.fixture(scope="module")
def migrated_timescaledb(timescaledb_url: str) -> Iterator[str]:
    migrate(timescaledb_url, "base")
    migrate(timescaledb_url, "head")
    yield timescaledb_url
    migrate(timescaledb_url, "base")


def test_capability_function_sees_timescaledb(migrated_timescaledb: str) -> None:
    with psycopg.connect(migrated_timescaledb) as connection:
        assert connection.execute("select ops.has_timescaledb()").fetchone() == (True,)


def test_large_raw_tables_are_compressed_hypertables(migrated_timescaledb: str) -> None:
    with psycopg.connect(migrated_timescaledb) as connection:
        hypertables = connection.execute(
            "select h.hypertable_schema, h.hypertable_name, d.column_name, h.compression_enabled"
            " from timescaledb_information.hypertables as h"
            " join timescaledb_information.dimensions as d"
            " using (hypertable_schema, hypertable_name)"
            " order by 1, 2"
        ).fetchall()
    assert hypertables == [(*table, True) for table in HYPERTABLES]


def test_same_names_and_columns_as_plain_postgresql(
    migrated_timescaledb: str, database_url: str
) -> None:
    with psycopg.connect(migrated_timescaledb) as timescale, psycopg.connect(database_url) as plain:
        assert timescale.execute(COLUMNS).fetchall() == plain.execute(COLUMNS).fetchall()


def test_hypertables_land_rows_idempotently(migrated_timescaledb: str) -> None:
    insert = """
        insert into raw_fred.observations (
            fred_series_id, observation_date, realtime_start_date, realtime_end_date,
            observed_value, load_id
        ) values ('UNRATE', '2025-09-01', '2025-10-03', '9999-12-31', 4.3, 1)
        on conflict do nothing
    """
    with psycopg.connect(migrated_timescaledb) as connection:
        connection.execute(insert)
        connection.execute(insert)
        count = connection.execute("select count(*) from raw_fred.observations").fetchone()
        connection.rollback()
    assert count == (1,)


def test_dbt_sees_the_timescaledb_layout(
    migrated_timescaledb: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FACTOR_ENGINE_DBT_THREADS", "1")  # PGlite serves one connection
    run_dbt(
        ["run-operation", "check_database_layout", "--args", "{expected: timescaledb}"],
        migrated_timescaledb,
    )


def test_base_removes_the_extension_and_the_roles_it_created(timescaledb_url: str) -> None:
    migrate(timescaledb_url, "head")
    migrate(timescaledb_url, "base")
    with psycopg.connect(timescaledb_url) as connection:
        extensions = connection.execute("select extname from pg_extension order by 1").fetchall()
        roles = connection.execute(
            "select rolname from pg_roles where rolname like 'factor\\_%'"
        ).fetchall()
        schemas = connection.execute(
            "select nspname from pg_namespace where nspname in"
            " ('raw_edgar', 'raw_fred', 'raw_ibkr', 'raw_files', 'risk', 'api')"
        ).fetchall()
    assert extensions == [("plpgsql",)]
    assert roles == []
    assert schemas == []
