"""The migrated schema keeps the design's rules: knowledge columns, keys, time types, comments."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

pytestmark = pytest.mark.db

RAW_SCHEMAS = ("raw_edgar", "raw_fred", "raw_ibkr", "raw_files")
RAW_TABLES = {
    "raw_edgar.companies",
    "raw_edgar.filings",
    "raw_edgar.facts",
    "raw_fred.series",
    "raw_fred.observations",
    "raw_ibkr.contracts",
    "raw_ibkr.daily_bars",
    "raw_files.daily_bars",
}


def raw_tables(db: psycopg.Connection[Any]) -> set[str]:
    rows = db.execute(
        "select table_schema || '.' || table_name from information_schema.tables"
        " where table_schema = any(%s) and table_type = 'BASE TABLE'",
        (list(RAW_SCHEMAS),),
    ).fetchall()
    return {str(row[0]) for row in rows}


def test_every_raw_table_of_the_design_exists(db: psycopg.Connection[Any]) -> None:
    assert raw_tables(db) == RAW_TABLES


@pytest.mark.parametrize("table", sorted(RAW_TABLES))
def test_raw_rows_carry_their_load_and_its_time(db: psycopg.Connection[Any], table: str) -> None:
    schema, name = table.split(".")
    columns = dict(
        db.execute(
            "select column_name, data_type || ':' || is_nullable from information_schema.columns"
            " where table_schema = %s and table_name = %s",
            (schema, name),
        ).fetchall()
    )
    assert columns["load_id"] == "bigint:NO"
    assert columns["loaded_at"] == "timestamp with time zone:NO"


@pytest.mark.parametrize("table", sorted(RAW_TABLES))
def test_raw_tables_have_a_natural_key_for_idempotent_landing(
    db: psycopg.Connection[Any], table: str
) -> None:
    keys = db.execute(
        "select count(*) from pg_constraint"
        " where conrelid = %s::regclass and contype in ('p', 'u')",
        (table,),
    ).fetchone()
    assert keys is not None
    assert keys[0] >= 1


def test_no_naive_timestamps_anywhere(db: psycopg.Connection[Any]) -> None:
    naive = db.execute(
        "select table_schema || '.' || table_name || '.' || column_name"
        " from information_schema.columns"
        " where data_type = 'timestamp without time zone'"
        " and table_schema = any(%s)",
        ([*RAW_SCHEMAS, "ops", "risk", "api"],),
    ).fetchall()
    assert naive == []


def test_every_table_and_raw_column_is_documented(
    db: psycopg.Connection[Any],
) -> None:
    undocumented_tables = db.execute(
        "select c.oid::regclass::text from pg_class as c"
        " join pg_namespace as n on n.oid = c.relnamespace"
        " where n.nspname = any(%s) and c.relkind in ('r', 'p', 'v')"
        " and c.relname <> 'alembic_version' and obj_description(c.oid, 'pg_class') is null",
        ([*RAW_SCHEMAS, "ops", "risk", "api"],),
    ).fetchall()
    assert undocumented_tables == []
    # Columns whose meaning is not obvious from the name carry a comment: at least the
    # knowledge-time and identity columns of every raw table.
    for table, column in [
        ("raw_edgar.filings", "accepted_at"),
        ("raw_edgar.facts", "accession_number"),
        ("raw_fred.observations", "realtime_start_date"),
        ("raw_fred.observations", "realtime_end_date"),
        ("raw_ibkr.daily_bars", "what_to_show"),
        ("raw_files.daily_bars", "dataset"),
    ]:
        comment = db.execute(
            "select col_description(%s::regclass, attnum) from pg_attribute"
            " where attrelid = %s::regclass and attname = %s",
            (table, table, column),
        ).fetchone()
        assert comment is not None
        assert comment[0], f"{table}.{column} has no comment"


def test_restated_edgar_fact_is_a_new_row_not_an_overwrite(
    db: psycopg.Connection[Any],
) -> None:
    insert = """
        insert into raw_edgar.facts (
            cik, taxonomy, concept, unit, period_start_date, period_end_date, reported_value,
            accession_number, form, filed_date, load_id
        ) values (320193, 'us-gaap', 'Revenues', 'USD', '2022-09-25', '2023-09-30', %s, %s,
            '10-K', %s, 1)
        on conflict do nothing
    """
    db.execute(insert, (383285000000, "0000320193-23-000106", "2023-11-03"))
    db.execute(insert, (383285000000, "0000320193-23-000106", "2023-11-03"))  # same fact again
    db.execute(insert, (383300000000, "0000320193-24-000123", "2024-11-01"))  # restated later
    values = db.execute(
        "select accession_number, reported_value from raw_edgar.facts"
        " where cik = 320193 order by filed_date"
    ).fetchall()
    assert [(accession, int(value)) for accession, value in values] == [
        ("0000320193-23-000106", 383285000000),
        ("0000320193-24-000123", 383300000000),
    ]


def test_instant_facts_without_start_date_are_still_deduplicated(
    db: psycopg.Connection[Any],
) -> None:
    insert = """
        insert into raw_edgar.facts (
            cik, taxonomy, concept, unit, period_end_date, reported_value,
            accession_number, form, filed_date, load_id
        ) values (320193, 'us-gaap', 'Assets', 'USD', '2023-09-30', 352583000000,
            '0000320193-23-000106', '10-K', '2023-11-03', 1)
        on conflict do nothing
    """
    db.execute(insert)
    db.execute(insert)
    count = db.execute("select count(*) from raw_edgar.facts where concept = 'Assets'").fetchone()
    assert count == (1,)


def test_capability_function_agrees_with_the_catalog(
    db: psycopg.Connection[Any],
) -> None:
    installed = db.execute(
        "select exists (select from pg_extension where extname = 'timescaledb')"
    ).fetchone()
    assert db.execute("select ops.has_timescaledb()").fetchone() == installed


def test_quarantine_keeps_a_bad_record_once(db: psycopg.Connection[Any]) -> None:
    run = db.execute("insert into ops.load_runs (source) values ('fred') returning load_id")
    load_id = run.fetchone()
    assert load_id is not None
    quarantine = """
        insert into ops.quarantine (load_id, source, record_key, reason, record)
        values (%s, 'fred', 'UNRATE 2025-10-01', 'value is not a number', '{"value": "x"}')
        on conflict do nothing
    """
    db.execute(quarantine, load_id)
    db.execute(quarantine, load_id)
    assert db.execute("select count(*) from ops.quarantine").fetchone() == (1,)


def test_a_finished_run_needs_a_final_status(db: psycopg.Connection[Any]) -> None:
    with pytest.raises(psycopg.errors.CheckViolation):
        db.execute(
            "insert into ops.load_runs (source, status, finished_at)"
            " values ('edgar', 'running', now())"
        )
