"""Shared fixtures: a real PostgreSQL database per test session, and the TimescaleDB test server.

The session database is created on the server `DATABASE_URL` points at; without it, on the local
127.0.0.1:5432 server when it answers, else on the embedded cluster (started if needed). It is
migrated to head once and dropped at the end of the session.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from contextlib import closing, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psycopg
import pytest
from databases import throwaway_database
from login_roles import LoginRoleFactory

from factor_engine.core.demo import run_demo
from factor_engine.core.embedded import EmbeddedCluster
from factor_engine.core.migrate import migrate
from factor_engine.core.settings import Settings

if TYPE_CHECKING:
    from collections.abc import Iterator

LOCAL_SERVER_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
TIMESCALEDB_SERVER_DIR = Path(__file__).parent / "timescaledb"
REQUIRE_TIMESCALEDB = os.environ.get("FACTOR_ENGINE_REQUIRE_TIMESCALEDB") == "1"


def _answers(url: str) -> bool:
    try:
        with psycopg.connect(url, connect_timeout=3):
            return True
    except psycopg.OperationalError:
        return False


@pytest.fixture(scope="session")
def server_url() -> Iterator[str]:
    """An administrative URL of the server that hosts the session's throwaway databases."""
    configured = os.environ.get("DATABASE_URL")
    if configured:
        yield configured
    elif _answers(LOCAL_SERVER_URL):
        yield LOCAL_SERVER_URL
    else:
        cluster = EmbeddedCluster.from_settings(Settings.from_env())
        was_running = cluster.status().is_running
        yield cluster.start().url
        if not was_running:
            cluster.stop()


@pytest.fixture(scope="session")
def database_url(server_url: str) -> Iterator[str]:
    """The session database, migrated to head."""
    with throwaway_database(server_url, "session") as url:
        migrate(url)
        yield url


@pytest.fixture(scope="session")
def demo_database_url(server_url: str) -> Iterator[str]:
    """`factor-engine demo` once per session: migrated, sample data landed, factor core built,
    risk model estimated."""
    with throwaway_database(server_url, "demo") as url:
        run_demo(url, show_progress=False)
        yield url


@pytest.fixture
def migrated_database_url(server_url: str) -> Iterator[str]:
    """A fresh database at head for one test (loaders' tests count rows from zero)."""
    with throwaway_database(server_url, "migrated") as url:
        migrate(url)
        yield url


@pytest.fixture
def empty_database_url(server_url: str) -> Iterator[str]:
    """A fresh, unmigrated database for one test."""
    with throwaway_database(server_url, "empty") as url:
        yield url


@pytest.fixture
def db(database_url: str) -> Iterator[psycopg.Connection[Any]]:
    """A connection to the session database whose work is rolled back after the test."""
    with psycopg.connect(database_url) as connection:
        yield connection
        connection.rollback()


@pytest.fixture
def login_role(database_url: str) -> Iterator[LoginRoleFactory]:
    """Creates login roles granted into a group role; drops them after the test."""
    factory = LoginRoleFactory(database_url)
    yield factory
    factory.drop_all()


def _free_port() -> int:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def embedded_home() -> Iterator[Path]:
    """A FACTOR_ENGINE_HOME for a cluster of the test's own, removed afterwards.

    Not pytest's tmp_path: as root the cluster runs as the postgres user, which must be able to
    reach the folder, and pytest's base temp folder is private (0700).
    """
    folder = Path(tempfile.mkdtemp(prefix="fe-embedded-"))
    folder.chmod(0o755)
    yield folder / "home"
    cluster = EmbeddedCluster(folder / "home", 0)
    if cluster.status().is_running:
        cluster.stop()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (at the time of asking)."""
    return _free_port()


@pytest.fixture(scope="session")
def timescaledb_url() -> Iterator[str]:
    """PGlite with TimescaleDB 2.x on a free port (one database, one connection at a time).

    Skipped when Node.js or the server's npm packages are missing, unless
    FACTOR_ENGINE_REQUIRE_TIMESCALEDB=1 (set by `make test`), which turns that into a failure.
    """
    with timescaledb_server() as url:
        yield url


@pytest.fixture(scope="module")
def own_timescaledb_url() -> Iterator[str]:
    """A PGlite TimescaleDB server of the test module's own (its one database is not shared)."""
    with timescaledb_server() as url:
        yield url


@contextmanager
def timescaledb_server() -> Iterator[str]:
    """Start a PGlite TimescaleDB server of its own; yield its URL; stop it."""
    node = shutil.which("node")
    installed = (TIMESCALEDB_SERVER_DIR / "node_modules" / "@electric-sql" / "pglite").is_dir()
    if node is None or not installed:
        reason = (
            "the TimescaleDB test server is not installed: "
            f"npm ci --prefix {TIMESCALEDB_SERVER_DIR} (needs Node.js)"
        )
        if REQUIRE_TIMESCALEDB:
            pytest.fail(reason)
        pytest.skip(reason)
    port = _free_port()
    log_path = Path(tempfile.mkdtemp(prefix="fe-pglite-")) / "server.log"
    with log_path.open("w", encoding="utf-8") as log:
        process = subprocess.Popen(
            [node, "server.mjs", str(port)],
            cwd=TIMESCALEDB_SERVER_DIR,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"postgresql://postgres:pglite@127.0.0.1:{port}/template1?sslmode=disable"
    try:
        _wait_until_ready(process, log_path)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(log_path.parent, ignore_errors=True)


def _wait_until_ready(
    process: subprocess.Popen[bytes], log_path: Path, timeout_seconds: float = 60
) -> None:
    deadline = time.monotonic() + timeout_seconds
    while time.monotonic() < deadline:
        if "ready" in log_path.read_text(encoding="utf-8", errors="replace"):
            return
        if process.poll() is not None:
            output = log_path.read_text(encoding="utf-8", errors="replace")
            raise RuntimeError(
                f"the TimescaleDB test server exited with {process.returncode}:\n{output}"
            )
        time.sleep(0.1)
    raise RuntimeError(f"the TimescaleDB test server was not ready after {timeout_seconds} s")
