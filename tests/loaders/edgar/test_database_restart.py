"""PostgreSQL restarted in the middle of a load: the run says it failed, nothing half-landed
stays, and the next run lands every record exactly once.

The load runs against a cluster of the test's own (initdb/pg_ctl), restarted for real while a
document is in flight; the source is the EDGAR replay server.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from typing import TYPE_CHECKING

import psycopg
import pytest
from edgar_replay import APPLE, IMUNON, edgar_environment
from replay import Fault

from factor_engine.core.embedded import EmbeddedCluster
from factor_engine.core.migrate import migrate

if TYPE_CHECKING:
    from pathlib import Path

    from replay import ReplayServer

pytestmark = [pytest.mark.db, pytest.mark.slow]

IMUNON_SUBMISSIONS = "/submissions/CIK0000749647.json"
EXPECTED = {"facts": 24852, "filings": 2236 + 1000 + 395}


def counts(url: str) -> dict[str, int]:
    with psycopg.connect(url) as connection:
        return {
            table: connection.execute(f"select count(*) from raw_edgar.{table}").fetchone()[0]  # type: ignore[index]
            for table in ("facts", "filings")
        }


def test_a_load_cut_by_a_server_restart_is_failed_and_finished_by_the_next_run(
    embedded_home: Path, free_port: int, replay: ReplayServer
) -> None:
    cluster = EmbeddedCluster(embedded_home, free_port)
    url = cluster.start().url
    migrate(url)
    # Imunon's submissions stall until the server has restarted under the loader's feet.
    replay.fail(IMUNON_SUBMISSIONS, Fault(stall_seconds=30))
    env = {**os.environ, **edgar_environment(replay), "DATABASE_URL": url}
    command = [
        sys.executable, "-m", "factor_engine.core.cli", "load", "edgar",
        "--cik", str(APPLE), "--cik", str(IMUNON), "--no-progress",
    ]  # fmt: skip
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 60
        while replay.count(IMUNON_SUBMISSIONS) == 0:
            assert time.monotonic() < deadline, "the loader never asked for Imunon"
            assert process.poll() is None, process.communicate()
            time.sleep(0.1)
        cluster.stop()
        cluster.start()
    finally:
        replay.release()
    stdout, stderr = process.communicate(timeout=60)

    assert process.returncode == 1, (stdout, stderr)
    assert "the database connection failed mid-command" in stderr
    with psycopg.connect(url) as connection:
        first_run = connection.execute("select status, error from ops.load_runs").fetchall()
    assert len(first_run) == 1
    assert first_run[0][0] == "failed"
    # psycopg names the server's shutdown notice, or the dropped connection when it came first
    assert first_run[0][1].startswith(("AdminShutdown: terminating connection", "OperationalError"))
    assert counts(url) == {"facts": EXPECTED["facts"], "filings": 2236}  # Apple, whole

    rerun = subprocess.run(command, env=env, capture_output=True, text=True, check=False)

    assert rerun.returncode == 0, rerun.stderr
    assert counts(url) == EXPECTED
