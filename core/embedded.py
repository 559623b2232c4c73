"""The embedded default database: a project-local PostgreSQL cluster managed with initdb/pg_ctl.

With no `DATABASE_URL`, every command uses this cluster, so a newcomer without a database server
can run everything (DESIGN §9). The cluster listens on 127.0.0.1 only, with trust
authentication: it is a development database, never a production one.

PostgreSQL refuses to run as root, so when the CLI runs as root the server programs run as the
`postgres` system user (`runuser`), and the data folder belongs to that user.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import re
import shutil
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import psycopg
from psycopg import sql

from factor_engine.core.errors import EmbeddedClusterError

if TYPE_CHECKING:
    from factor_engine.core.settings import Settings

__all__ = ["ClusterStatus", "EmbeddedCluster", "EmbeddedClusterError", "process_alive"]

_SERVER_USER_WHEN_ROOT = "postgres"
_MANAGED_CONF = "factor_engine.conf"
_LOG_LINES_IN_ERRORS = 15


@dataclass(frozen=True)
class ClusterStatus:
    """What `factor-engine db status` reports."""

    is_initialised: bool
    is_running: bool
    data_dir: Path
    log_file: Path
    port: int
    url: str
    pid: int | None


class EmbeddedCluster:
    """A PostgreSQL cluster in `<home>/pgdata`, serving database `factor_engine` on 127.0.0.1."""

    database = "factor_engine"
    superuser = "postgres"

    def __init__(self, home: Path, port: int, bindir: Path | None = None) -> None:
        self.home = home
        self.port = port
        self._bindir = bindir
        self.data_dir = home / "pgdata"
        self.log_file = home / "postgres.log"

    @classmethod
    def from_settings(cls, settings: Settings) -> EmbeddedCluster:
        return cls(settings.home, settings.embedded_port, settings.pg_bindir)

    def url(self, database: str | None = None) -> str:
        return f"postgresql://{self.superuser}@127.0.0.1:{self.port}/{database or self.database}"

    # -- queries -----------------------------------------------------------------------------

    def status(self) -> ClusterStatus:
        pid, port = self._postmaster_pid_and_port()
        running = pid is not None and process_alive(pid)
        effective_port = port if running and port else self.port
        return ClusterStatus(
            is_initialised=(self.data_dir / "PG_VERSION").is_file(),
            is_running=running,
            data_dir=self.data_dir,
            log_file=self.log_file,
            port=effective_port,
            url=f"postgresql://{self.superuser}@127.0.0.1:{effective_port}/{self.database}",
            pid=pid if running else None,
        )

    # -- commands ----------------------------------------------------------------------------

    def start(self) -> ClusterStatus:
        """Create the cluster when it does not exist, start it, and create the database."""
        current = self.status()
        if current.is_running:
            self._create_database(current.port)
            return current
        if not current.is_initialised:
            self._initdb()
        self._write_managed_conf()
        if _port_answers(self.port):
            raise EmbeddedClusterError(
                f"port {self.port} on 127.0.0.1 is already taken by another server: "
                "set FACTOR_ENGINE_DB_PORT to a free port and run `factor-engine db start` again"
            )
        self._run_as_server_user(
            [
                self._program("pg_ctl"),
                "start",
                "--wait",
                "--timeout=60",
                "-D",
                str(self.data_dir),
                "-l",
                str(self.log_file),
            ],
            what="start the embedded PostgreSQL",
        )
        self._create_database(self.port)
        return self.status()

    def stop(self) -> bool:
        """Stop the cluster (fast shutdown). Returns False when it was not running."""
        if not self.status().is_running:
            return False
        self._run_as_server_user(
            [self._program("pg_ctl"), "stop", "--wait", "-m", "fast", "-D", str(self.data_dir)],
            what="stop the embedded PostgreSQL",
        )
        return True

    # -- internals ---------------------------------------------------------------------------

    def _initdb(self) -> None:
        self._prepare_home()
        self._run_as_server_user(
            [
                self._program("initdb"),
                "-D",
                str(self.data_dir),
                "-U",
                self.superuser,
                "--encoding=UTF8",
                "--locale=C",
                "--auth=trust",
            ],
            what="create the embedded PostgreSQL cluster (initdb)",
        )
        config = self.data_dir / "postgresql.conf"
        with config.open("a", encoding="utf-8") as handle:
            handle.write(f"\n# written by factor-engine: its settings live in {_MANAGED_CONF}\n")
            handle.write(f"include_if_exists '{_MANAGED_CONF}'\n")

    def _write_managed_conf(self) -> None:
        # Rewritten at every start, so a changed FACTOR_ENGINE_DB_PORT takes effect.
        conf = self.data_dir / _MANAGED_CONF
        conf.write_text(
            "# Managed by `factor-engine db start`; edits here are overwritten.\n"
            f"port = {self.port}\n"
            "listen_addresses = '127.0.0.1'\n"
            "unix_socket_directories = ''\n"
            "timezone = 'UTC'\n"
            "log_timezone = 'UTC'\n",
            encoding="utf-8",
        )
        self._give_to_server_user(conf)

    def _prepare_home(self) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        self.data_dir.mkdir(mode=0o700, exist_ok=True)
        self.log_file.touch(exist_ok=True)
        for path in (self.home, self.data_dir, self.log_file):
            self._give_to_server_user(path)
        if _running_as_root():
            self._check_server_user_can_reach(self.home)

    def _check_server_user_can_reach(self, path: Path) -> None:
        probe = subprocess.run(
            ["runuser", "-u", _SERVER_USER_WHEN_ROOT, "--", "test", "-w", str(path)],
            check=False,
        )
        if probe.returncode != 0:
            raise EmbeddedClusterError(
                f"the {_SERVER_USER_WHEN_ROOT!r} user cannot reach {path}: PostgreSQL refuses to "
                "run as root, so every parent folder must be searchable by that user "
                "(chmod o+x), or set FACTOR_ENGINE_HOME to a folder it can reach"
            )

    def _give_to_server_user(self, path: Path) -> None:
        if _running_as_root():
            account = _server_account()
            os.chown(path, account.pw_uid, account.pw_gid)

    def _run_as_server_user(self, command: list[str], *, what: str) -> None:
        if _running_as_root():
            command = ["runuser", "-u", _SERVER_USER_WHEN_ROOT, "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise EmbeddedClusterError(
                f"could not {what}: {' '.join(command)} exited with {result.returncode}\n"
                f"{result.stderr.strip() or result.stdout.strip()}{self._log_tail()}"
            )

    def _log_tail(self) -> str:
        try:
            lines = self.log_file.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            return ""
        if not lines:
            return ""
        tail = "\n".join(lines[-_LOG_LINES_IN_ERRORS:])
        return f"\nlast lines of {self.log_file}:\n{tail}"

    def _create_database(self, port: int) -> None:
        admin_url = f"postgresql://{self.superuser}@127.0.0.1:{port}/postgres"
        with psycopg.connect(admin_url, autocommit=True) as connection:
            exists = connection.execute(
                "select 1 from pg_database where datname = %s", (self.database,)
            ).fetchone()
            if exists is None:
                connection.execute(
                    sql.SQL("create database {}").format(sql.Identifier(self.database))
                )

    def _postmaster_pid_and_port(self) -> tuple[int | None, int | None]:
        # postmaster.pid: line 1 the pid, line 4 the port (PostgreSQL's documented layout).
        try:
            lines = (self.data_dir / "postmaster.pid").read_text(encoding="utf-8").splitlines()
        except OSError:
            return None, None
        pid = int(lines[0]) if lines and lines[0].strip().isdigit() else None
        port = int(lines[3]) if len(lines) > 3 and lines[3].strip().isdigit() else None
        return pid, port

    def _program(self, name: str) -> str:
        bindir = self._bindir or _find_bindir()
        if bindir is None:
            raise EmbeddedClusterError(
                f"PostgreSQL's server programs ({name}) were not found: install PostgreSQL "
                "(Debian: apt-get install postgresql), set PG_BINDIR to the folder holding "
                "initdb and pg_ctl, or set DATABASE_URL to use an existing server"
            )
        program = bindir / name
        if not program.is_file():
            raise EmbeddedClusterError(f"{program} does not exist (PG_BINDIR={bindir})")
        return str(program)


def _find_bindir() -> Path | None:
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    pg_config = shutil.which("pg_config")
    if pg_config:
        result = subprocess.run(
            [pg_config, "--bindir"], capture_output=True, text=True, check=False
        )
        candidate = Path(result.stdout.strip())
        if result.returncode == 0 and (candidate / "initdb").is_file():
            return candidate
    # Debian and Ubuntu keep the server programs off PATH, one folder per major version.
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda path: [int(part) for part in re.findall(r"\d+", path.parent.parent.name)],
    )
    return versions[-1].parent if versions else None


def _running_as_root() -> bool:
    return os.geteuid() == 0


def _server_account() -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(_SERVER_USER_WHEN_ROOT)
    except KeyError:
        raise EmbeddedClusterError(
            "running as root, but there is no 'postgres' system user to run PostgreSQL as: "
            "create one (useradd --system postgres) or run factor-engine as a normal user"
        ) from None


def process_alive(pid: int) -> bool:
    """True when a process with this id exists (whoever owns it)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, it just belongs to another user (the postgres user)
    return True


def _port_answers(port: int) -> bool:
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0
