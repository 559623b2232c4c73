"""The embedded cluster: created, started, reported and stopped for real (initdb, pg_ctl)."""

from __future__ import annotations

import socket
from contextlib import closing
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner

from factor_engine.core.cli import main

pytestmark = pytest.mark.slow


@pytest.fixture
def home(embedded_home: Path) -> Path:
    return embedded_home


def test_db_start_status_stop(home: Path, free_port: int) -> None:
    port = free_port
    env = {"FACTOR_ENGINE_HOME": str(home), "FACTOR_ENGINE_DB_PORT": str(port), "DATABASE_URL": ""}
    runner = CliRunner()
    url = f"postgresql://postgres@127.0.0.1:{port}/factor_engine"

    status = runner.invoke(main, ["db", "status"], env=env)
    assert status.exit_code == 3
    assert "not created yet" in status.output

    started = runner.invoke(main, ["db", "start"], env=env)
    try:
        assert started.exit_code == 0, started.output
        assert url in started.output
        with psycopg.connect(url) as connection:
            assert connection.execute("show timezone").fetchone() == ("UTC",)

        again = runner.invoke(main, ["db", "start"], env=env)
        assert again.exit_code == 0
        assert "was already running" in again.output

        status = runner.invoke(main, ["db", "status"], env=env)
        assert status.exit_code == 0
        assert "running (pid" in status.output
        assert url in status.output

        doctor = runner.invoke(main, ["doctor"], env=env)
        assert "not migrated" in doctor.output
    finally:
        stopped = runner.invoke(main, ["db", "stop"], env=env)
    assert stopped.exit_code == 0
    assert "stopped" in stopped.output
    status = runner.invoke(main, ["db", "status"], env=env)
    assert status.exit_code == 3
    assert "stopped" in status.output


def test_a_taken_port_is_a_clear_error(home: Path) -> None:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        env = {"FACTOR_ENGINE_HOME": str(home), "FACTOR_ENGINE_DB_PORT": str(port)}
        result = CliRunner().invoke(main, ["db", "start"], env=env)
    assert result.exit_code == 1
    assert f"port {port} on 127.0.0.1 is already taken" in result.output
    assert "FACTOR_ENGINE_DB_PORT" in result.output
