"""The dbt project parses and reaches the database's single capability check."""

from __future__ import annotations

import datetime as dt
import os
import time
from typing import Any

import psycopg
import pytest
from login_roles import LoginRoleFactory

from factor_engine.core.dbt import DbtError, dbt_environment, run_dbt
from factor_engine.core.settings import project_root
from factor_engine.loaders.edgar.load import load_bulk
from factor_engine.loaders.files.load import load_bar_files

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


def value_seen_by_dbt(url: str, query: str, **run_options: Any) -> str:
    outcome = run_dbt(["show", "--inline", query], url, **run_options).result
    return str(outcome.results[0].agate_table.rows[0]["value"])  # type: ignore[union-attr]


def setting_seen_by_dbt(url: str, name: str, settings: dict[str, str] | None = None) -> str:
    return value_seen_by_dbt(url, f"select current_setting('{name}') as value", settings=settings)


def test_dbt_sessions_get_the_settings_asked_for_and_the_environment_keeps_its_own(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PGOPTIONS", "-c work_mem=7MB")

    assert setting_seen_by_dbt(database_url, "jit", settings={"jit": "off"}) == "off"
    assert setting_seen_by_dbt(database_url, "work_mem", settings={"jit": "off"}) == "7MB"
    assert setting_seen_by_dbt(database_url, "jit") == "on"
    assert os.environ["PGOPTIONS"] == "-c work_mem=7MB"


def test_the_since_date_reaches_the_models_only_when_asked_for(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # what a --since build rebuilds from is read as dbt executes (macros/since.sql), not
    # parsed into the project: a new date each day must not make dbt parse it all again
    query = "select '{{ since_date() }}' as value"
    monkeypatch.setenv("FACTOR_ENGINE_SINCE", "1999-12-31")  # a stray value in the shell

    assert value_seen_by_dbt(database_url, query, since=dt.date(2017, 11, 1)) == "2017-11-01"
    assert value_seen_by_dbt(database_url, query) == "None"
    assert os.environ["FACTOR_ENGINE_SINCE"] == "1999-12-31"


def test_a_since_build_counts_the_sessions_it_rebuilds(demo_database_url: str) -> None:
    # macros/since.sql: a --since build of at most three sessions takes the daily paths
    query = "select {{ since_session_count(ref('trading_calendar')) }} as value"
    # the sample data's last session is Friday 2017-11-10
    sessions = {
        since: value_seen_by_dbt(demo_database_url, query, since=since)
        for since in (dt.date(2017, 11, 10), dt.date(2017, 11, 6), dt.date(2017, 11, 11))
    }

    assert sessions == {
        dt.date(2017, 11, 10): "1",
        dt.date(2017, 11, 6): "5",
        dt.date(2017, 11, 11): "0",
    }


def analyze_counts(url: str) -> dict[str, int]:
    """How many times each raw table was analyzed by a command (not by autovacuum)."""
    with psycopg.connect(url) as connection:
        rows = connection.execute(
            "select format('%I.%I', schemaname, relname), analyze_count"
            " from pg_stat_user_tables where schemaname like 'raw%'"
        ).fetchall()
    return dict(rows)


def wait_for_changed_rows_counted(url: str, table: str) -> None:
    """The loader's session reports its row counts to the statistics as it ends, a moment
    after the client has closed it: wait for them, as a build run later would find them."""
    deadline = time.monotonic() + 10
    with psycopg.connect(url, autocommit=True) as connection:
        while time.monotonic() < deadline:
            row = connection.execute(
                "select n_mod_since_analyze from pg_stat_user_tables where relid = %s::regclass",
                (table,),
            ).fetchone()
            if row and row[0] > 0:
                return
            time.sleep(0.05)
    pytest.fail(f"the statistics never counted the rows landed in {table}")


def test_a_build_first_analyzes_the_raw_tables_a_load_changed(
    migrated_database_url: str,
) -> None:
    # the servers of these machines run without autovacuum: without this, raw tables have no
    # statistics and a day of bars is read by scanning all of them
    url = migrated_database_url
    load_bar_files(url, [project_root() / "sample_data" / "prices"], show_progress=False)
    wait_for_changed_rows_counted(url, "raw_files.daily_bars")
    untouched = dict.fromkeys(analyze_counts(url), 0)

    run_dbt(["run", "--select", "stg_files__daily_bars"], url)
    assert analyze_counts(url) == untouched | {"raw_files.daily_bars": 1}

    run_dbt(["run", "--select", "stg_files__daily_bars"], url)  # nothing changed since
    assert analyze_counts(url) == untouched | {"raw_files.daily_bars": 1}


def facts_pages_read_for_the_newest(url: str) -> int:
    """Heap pages a read of the facts landed after now reads through their BRIN index on
    loaded_at: none when every page is summarized, every unsummarized page otherwise."""
    with psycopg.connect(url) as connection:
        connection.execute("set enable_seqscan = off")
        row = connection.execute(
            "explain (analyze, format json)"
            " select count(*) from raw_edgar.facts where loaded_at > now()"
        ).fetchone()
    assert row is not None
    scan = row[0][0]["Plan"]["Plans"][0]
    assert scan["Node Type"] == "Bitmap Heap Scan"
    return int(scan.get("Lossy Heap Blocks", 0) + scan.get("Exact Heap Blocks", 0))


def test_a_build_first_summarizes_the_pages_a_load_added_for_the_brin_indexes(
    migrated_database_url: str,
) -> None:
    # a --since build finds the new EDGAR facts by loaded_at through a BRIN index, which reads
    # every page it has not summarized, and these machines run without autovacuum to do it
    url = migrated_database_url
    load_bulk(url, [project_root() / "sample_data" / "edgar" / "companyfacts"], show_progress=False)
    landed_pages = facts_pages_read_for_the_newest(url)
    assert landed_pages > 100

    transformers = LoginRoleFactory(url)
    try:
        # a transformer login builds but does not own the raw tables: the hook leaves them
        run_dbt(["run", "--select", "stg_edgar__facts"], transformers("factor_transformer"))
        assert facts_pages_read_for_the_newest(url) == landed_pages
    finally:
        transformers.drop_all()

    with psycopg.connect(url) as vacuum_like:
        # a session holding the table as a vacuum does: the hooks leave it rather than wait
        vacuum_like.execute("lock table raw_edgar.facts in share update exclusive mode")
        # failing, not hanging, if they waited
        run_dbt(["run", "--select", "stg_edgar__facts"], url, settings={"lock_timeout": "5s"})
        assert facts_pages_read_for_the_newest(url) == landed_pages
        assert analyze_counts(url)["raw_edgar.facts"] == 0

    run_dbt(["run", "--select", "stg_edgar__facts"], url)
    assert facts_pages_read_for_the_newest(url) == 0
    assert analyze_counts(url)["raw_edgar.facts"] == 1
