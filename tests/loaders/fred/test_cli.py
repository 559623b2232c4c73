"""`factor-engine load fred` as a user runs it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner
from fred_replay import fred_environment

from factor_engine.core.cli import main

if TYPE_CHECKING:
    from fred_replay import FredReplay
    from replay import ReplayServer

pytestmark = pytest.mark.db


def test_load_fred_with_vintages_prints_a_summary(
    migrated_database_url: str, fred: FredReplay
) -> None:
    env = {**fred_environment(fred), "DATABASE_URL": migrated_database_url}
    result = CliRunner().invoke(
        main,
        ["load", "fred", "--series", "unrate", "--series", "PAYEMS", "--vintages", "--no-progress"],
        env=env,
    )

    assert result.exit_code == 0, result.output
    periods = sum(len(series.periods) for series in fred.series.values())
    assert (
        f"fred load 1 succeeded: 2 series landed, 0 unchanged; rows: {periods} seen, {periods} new"
        in (result.output)
    )


@pytest.mark.parametrize("key", ["", "not-a-key"])
def test_without_a_valid_api_key_nothing_is_requested(
    migrated_database_url: str, fred: FredReplay, replay: ReplayServer, key: str
) -> None:
    env = {**fred_environment(fred), "DATABASE_URL": migrated_database_url, "FRED_API_KEY": key}
    result = CliRunner().invoke(main, ["load", "fred", "--series", "UNRATE"], env=env)

    assert result.exit_code == 1
    assert "FRED_API_KEY must hold your FRED API key" in result.output
    assert replay.arrivals == []


def test_load_fred_from_saved_files_needs_no_key(migrated_database_url: str) -> None:
    from fred_replay import FIXTURES

    files = sorted((FIXTURES / "snapshots" / "UNRATE").glob("*.json.gz"))
    env = {"DATABASE_URL": migrated_database_url, "FRED_API_KEY": ""}
    result = CliRunner().invoke(
        main, ["load", "fred", *[f"--file={path}" for path in files], "--no-progress"], env=env
    )

    again = CliRunner().invoke(
        main, ["load", "fred", *[f"--file={path}" for path in files], "--no-progress"], env=env
    )

    assert result.exit_code == 0, result.output
    assert "fred load 1 succeeded: 5 files landed" in result.output
    assert "fred load 2 succeeded: 0 files landed, 5 unchanged" in again.output
