"""`factor-engine load edgar` as a user runs it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner
from edgar_replay import edgar_environment

from factor_engine.core.cli import main

if TYPE_CHECKING:
    from replay import ReplayServer

pytestmark = pytest.mark.db


def test_load_edgar_by_ticker_prints_a_summary(
    migrated_database_url: str, replay: ReplayServer
) -> None:
    env = {**edgar_environment(replay), "DATABASE_URL": migrated_database_url}
    result = CliRunner().invoke(
        main, ["load", "edgar", "--ticker", "AAPL", "--no-progress"], env=env
    )
    assert result.exit_code == 0, result.output
    assert "edgar load 1 succeeded: 2 documents landed" in result.output
    assert "rows: 27089 seen, 27089 new, 0 quarantined" in result.output


def test_without_a_user_agent_nothing_is_requested(
    migrated_database_url: str, replay: ReplayServer
) -> None:
    env = {**edgar_environment(replay), "DATABASE_URL": migrated_database_url, "SEC_USER_AGENT": ""}
    result = CliRunner().invoke(main, ["load", "edgar", "--cik", "320193"], env=env)
    assert result.exit_code == 1
    assert "SEC_USER_AGENT must name your organisation and a contact e-mail" in result.output
    assert replay.arrivals == []


def test_an_unknown_ticker_is_a_clear_error(
    migrated_database_url: str, replay: ReplayServer
) -> None:
    env = {**edgar_environment(replay), "DATABASE_URL": migrated_database_url}
    result = CliRunner().invoke(main, ["load", "edgar", "--ticker", "NOPE"], env=env)
    assert result.exit_code == 1
    assert "does not know: NOPE" in result.output


def test_load_edgar_needs_something_to_load(migrated_database_url: str) -> None:
    result = CliRunner().invoke(
        main, ["load", "edgar"], env={"DATABASE_URL": migrated_database_url}
    )
    assert result.exit_code == 2
    assert "--cik, --ticker, --all or --bulk" in result.output
