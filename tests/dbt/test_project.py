"""The dbt project parses and reaches the database's single capability check."""

from __future__ import annotations

import os

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


def setting_seen_by_dbt(url: str, name: str, **run_options: dict[str, str]) -> str:
    query = f"select current_setting('{name}') as value"
    outcome = run_dbt(["show", "--inline", query], url, **run_options).result
    return str(outcome.results[0].agate_table.rows[0]["value"])  # type: ignore[union-attr]


def test_dbt_sessions_get_the_settings_asked_for_and_the_environment_keeps_its_own(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PGOPTIONS", "-c work_mem=7MB")

    assert setting_seen_by_dbt(database_url, "jit", settings={"jit": "off"}) == "off"
    assert setting_seen_by_dbt(database_url, "work_mem", settings={"jit": "off"}) == "7MB"
    assert setting_seen_by_dbt(database_url, "jit") == "on"
    assert os.environ["PGOPTIONS"] == "-c work_mem=7MB"
