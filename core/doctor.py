"""`factor-engine doctor`: what a new user checks first, as one report."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from factor_engine.core.database import connect, describe_url
from factor_engine.core.migrate import migration_state

if TYPE_CHECKING:
    import psycopg

__all__ = ["EXPECTED_ROLES", "EXPECTED_SCHEMAS", "Check", "DoctorReport", "examine"]

EXPECTED_SCHEMAS = ("raw_edgar", "raw_fred", "raw_ibkr", "raw_files", "ops", "risk", "api")
EXPECTED_ROLES = ("factor_owner", "factor_loader", "factor_transformer", "factor_reader")


@dataclass(frozen=True)
class Check:
    """One line of the report. `ok` is None for facts that are neither good nor bad."""

    name: str
    detail: str
    ok: bool | None = None


@dataclass
class DoctorReport:
    database: str
    checks: list[Check] = field(default_factory=list)

    @property
    def healthy(self) -> bool:
        return all(check.ok is not False for check in self.checks)


def examine(database_url: str) -> DoctorReport:
    """Connect to the database and report server, extensions, migrations, schemas and roles."""
    report = DoctorReport(database=describe_url(database_url))
    with connect(database_url, autocommit=True) as connection:
        server = _scalar(connection, "select version()")
        who = connection.execute("select current_user, current_database()").fetchone()
        report.checks.append(Check("server", str(server).split(" on ")[0], ok=True))
        if who is not None:
            report.checks.append(Check("connected as", f"{who[0]} to database {who[1]}"))
        report.checks.append(_extension_check(connection, "timescaledb", "TimescaleDB"))
        report.checks.append(_extension_check(connection, "pg_cron", "pg_cron"))
        report.checks.append(_capability_check(connection))
        report.checks.append(_migration_check(database_url))
        report.checks.append(_presence_check(connection, "schemas", EXPECTED_SCHEMAS, _SCHEMAS))
        report.checks.append(_presence_check(connection, "roles", EXPECTED_ROLES, _ROLES))
    return report


_SCHEMAS = "select nspname from pg_catalog.pg_namespace where nspname = any(%s)"
_ROLES = "select rolname from pg_catalog.pg_roles where rolname = any(%s)"


def _scalar(connection: psycopg.Connection[Any], query: str, *params: object) -> object:
    row = connection.execute(query, params or None).fetchone()
    return row[0] if row else None


def _extension_check(connection: psycopg.Connection[Any], name: str, label: str) -> Check:
    row = connection.execute(
        "select default_version, installed_version"
        " from pg_catalog.pg_available_extensions where name = %s",
        (name,),
    ).fetchone()
    if row is None:
        return Check(label, "not available on this server")
    if row[1] is None:
        return Check(label, f"available ({row[0]}), not installed in this database")
    return Check(label, f"installed ({row[1]})")


def _capability_check(connection: psycopg.Connection[Any]) -> Check:
    exists = _scalar(connection, "select to_regprocedure('ops.has_timescaledb()') is not null")
    if not exists:
        return Check("layout", "unknown until migrated (ops.has_timescaledb() is missing)")
    if _scalar(connection, "select ops.has_timescaledb()"):
        return Check("layout", "TimescaleDB: hypertables, compression, continuous aggregates")
    return Check("layout", "plain PostgreSQL: regular tables, materialized views")


def _migration_check(database_url: str) -> Check:
    state = migration_state(database_url)
    if state.current is None:
        return Check(
            "migrations",
            f"not migrated (head is {state.head}): run factor-engine migrate",
            ok=False,
        )
    if not state.is_at_head:
        return Check(
            "migrations",
            f"at {state.current}, head is {state.head}: run factor-engine migrate",
            ok=False,
        )
    return Check("migrations", f"at head ({state.head})", ok=True)


def _presence_check(
    connection: psycopg.Connection[Any], label: str, expected: tuple[str, ...], query: str
) -> Check:
    found = {row[0] for row in connection.execute(query, (list(expected),)).fetchall()}
    missing = [name for name in expected if name not in found]
    if missing:
        return Check(label, "missing: " + ", ".join(missing), ok=False)
    return Check(label, ", ".join(expected), ok=True)
