"""The embedded cluster: created, started, reported and stopped for real (initdb, pg_ctl)."""

from __future__ import annotations

import shutil
import socket
import tempfile
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING

import psycopg
import pytest
from click.testing import CliRunner

from factor_engine.core.cli import main

if TYPE_CHECKING:
    from collections.abc import Iterator

pytestmark = pytest.mark.slow


@pytest.fixture
def home() -> Iterator[Path]:
    # Not pytest's tmp_path: as root the cluster runs as the postgres user, which must be able
    # to reach the folder, and pytest's base temp folder is private (0700).
    folder = Path(tempfile.mkdtemp(prefix="fe-embedded-"))
    folder.chmod(0o755)
    yield folder / "home"
    shutil.rmtree(folder, ignore_errors=True)


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
