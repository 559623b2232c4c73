"""`factor-engine run`: refresh what the database tracks, then build and estimate."""

from __future__ import annotations

from typing import TYPE_CHECKING

import psycopg
from click.testing import CliRunner
from fred_replay import API_KEY, FredReplay
from replay import ReplayServer

from factor_engine.core.cli import main
from factor_engine.core.pipeline import tracked

if TYPE_CHECKING:
    import pytest
    from pytest_httpserver import HTTPServer


def test_tracked_entities_are_what_was_landed(demo_database_url: str) -> None:
    assert tracked(demo_database_url, "fred") == ["PAYEMS", "UNRATE"]
    assert len(tracked(demo_database_url, "edgar")) == 10
    assert "320193" in tracked(demo_database_url, "edgar")
    assert tracked(demo_database_url, "ibkr") == []


def test_run_refreshes_tracked_series_then_builds_and_estimates(
    demo_database_url: str, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    fred = FredReplay(ReplayServer(httpserver))
    monkeypatch.setenv("DATABASE_URL", demo_database_url)
    monkeypatch.setenv("FRED_BASE_URL", fred.server.url)
    monkeypatch.setenv("FRED_API_KEY", API_KEY)
    with psycopg.connect(demo_database_url) as connection:
        [(runs_before,)] = connection.execute("select count(*) from risk.model_runs").fetchall()
    result = CliRunner().invoke(
        main,
        [
            "run",
            "--load", "fred",
            "--load", "ibkr",
            "--since", "2017-11-01",
            "--styles", "size,book_to_price,momentum",
            "--industries", "none",
            "--no-progress",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "skipped ibkr: nothing tracked yet" in result.output
    assert "fred load" in result.output
    assert "build succeeded" in result.output
    assert "risk model use4s" in result.output
    assert fred.server.count("/fred/series/observations") >= 2  # PAYEMS and UNRATE
    with psycopg.connect(demo_database_url) as connection:
        [(status, series)] = connection.execute(
            "select status, arguments -> 'series' from ops.load_runs"
            " where source = 'fred' order by load_id desc limit 1"
        ).fetchall()
        [(runs_after, since)] = connection.execute(
            "select count(*), max(since_date)::text from risk.model_runs"
        ).fetchall()
    assert status == "succeeded"
    assert sorted(series) == ["PAYEMS", "UNRATE"]
    assert runs_after == runs_before + 1
    assert since == "2017-11-01"
