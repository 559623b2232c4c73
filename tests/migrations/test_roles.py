"""The four group roles get exactly the rights DESIGN §4 gives them, tested by logging in."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import psycopg
import pytest

if TYPE_CHECKING:
    from login_roles import LoginRoleFactory

pytestmark = pytest.mark.db

INSERT_FACT = """
    insert into raw_edgar.facts (
        cik, taxonomy, concept, unit, period_end_date, reported_value,
        accession_number, form, filed_date, load_id
    ) values (1, 'us-gaap', 'Assets', 'USD', '2020-12-31', 1, '0000000001-21-000001', '10-K',
        '2021-02-01', 1)
"""


def attempt(url: str, statement: str) -> str:
    """Run one statement as the given login; say 'ok' or the error's SQLSTATE class name."""
    with psycopg.connect(url) as connection:
        try:
            connection.execute(statement)
        except psycopg.errors.InsufficientPrivilege:
            return "denied"
        finally:
            connection.rollback()
    return "ok"


def test_reader_sees_the_api_and_nothing_else(login_role: LoginRoleFactory) -> None:
    reader = login_role("factor_reader")
    assert attempt(reader, "select * from api.data_freshness()") == "ok"
    assert attempt(reader, "select * from raw_edgar.facts") == "denied"
    assert attempt(reader, "select * from ops.load_runs") == "denied"
    assert attempt(reader, "select ops.has_timescaledb()") == "denied"


def test_reader_can_never_write(login_role: LoginRoleFactory) -> None:
    reader = login_role("factor_reader")
    assert attempt(reader, INSERT_FACT) == "denied"
    assert attempt(reader, "insert into ops.load_runs (source) values ('edgar')") == "denied"
    assert attempt(reader, "create table api.sneaky (id int)") == "denied"
    assert attempt(reader, "create view api.sneaky as select 1 as one") == "denied"


def test_loader_lands_raw_rows_and_logs_runs(login_role: LoginRoleFactory) -> None:
    loader = login_role("factor_loader")
    assert attempt(loader, INSERT_FACT) == "ok"
    assert attempt(loader, "insert into ops.load_runs (source) values ('edgar')") == "ok"
    assert attempt(loader, "select ops.has_timescaledb()") == "ok"
    assert attempt(loader, "delete from raw_edgar.facts") == "denied"
    assert attempt(loader, "create table raw_edgar.sneaky (id int)") == "denied"


def test_transformer_reads_raw_data_but_does_not_land_it(login_role: LoginRoleFactory) -> None:
    transformer = login_role("factor_transformer")
    assert attempt(transformer, "select * from raw_fred.observations") == "ok"
    assert attempt(transformer, "select * from ops.load_runs") == "ok"
    assert attempt(transformer, "create view api.built_by_dbt as select 1 as one") == "ok"
    assert attempt(transformer, INSERT_FACT) == "denied"


def test_functions_are_not_executable_by_public(db: psycopg.Connection[Any]) -> None:
    public_functions = db.execute(
        "select p.oid::regprocedure::text from pg_proc as p"
        " join pg_namespace as n on n.oid = p.pronamespace"
        " where n.nspname in ('ops', 'api') and has_function_privilege('public', p.oid, 'execute')"
    ).fetchall()
    assert public_functions == []
