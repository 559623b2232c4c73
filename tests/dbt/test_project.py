"""The dbt project parses and reaches the database's single capability check."""

from __future__ import annotations

import psycopg
import pytest

from factor_engine.core.dbt import DbtError, dbt_environment, run_dbt

pytestmark = [pytest.mark.db, pytest.mark.slow]


def layout_of(url: str) -> str:
    with psycopg.connect(url) as connection:
        row = connection.execute("select ops.has_timescaledb()").fetchone()
    return "timescaledb" if row and row[0] else "plain"


def test_dbt_environment_comes_from_the_url() -> None:
    assert dbt_environment("postgresql://me:pw@db.example:6432/prod?sslmode=require") == {
        "PGHOST": "db.example",
        "PGPORT": "6432",
        "PGUSER": "me",
        "PGPASSWORD": "pw",
        "PGDATABASE": "prod",
        "PGSSLMODE": "require",
    }


def test_dbt_macro_asks_ops_has_timescaledb(database_url: str) -> None:
    layout = layout_of(database_url)
    run_dbt(
        ["run-operation", "check_database_layout", "--args", f"{{expected: {layout}}}"],
        database_url,
    )
    wrong = "plain" if layout == "timescaledb" else "timescaledb"
    with pytest.raises(DbtError, match="check_database_layout"):
        run_dbt(
            ["run-operation", "check_database_layout", "--args", f"{{expected: {wrong}}}"],
            database_url,
        )
