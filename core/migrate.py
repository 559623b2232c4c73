"""Run the alembic migrations in migrations/ against a database, in either direction."""

from __future__ import annotations

from dataclasses import dataclass

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

from factor_engine.core.database import connect
from factor_engine.core.errors import MigrationError
from factor_engine.core.settings import project_root

__all__ = ["MigrationError", "MigrationState", "head_revision", "migrate", "migration_state"]

BASE = "base"
HEAD = "head"


@dataclass(frozen=True)
class MigrationState:
    current: str | None
    head: str

    @property
    def is_at_head(self) -> bool:
        return self.current == self.head


def alembic_config(database_url: str) -> Config:
    config = Config(toml_file=str(project_root() / "pyproject.toml"))
    config.attributes["database_url"] = database_url
    return config


def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(Config(toml_file=str(project_root() / "pyproject.toml")))


def head_revision() -> str:
    head = _scripts().get_current_head()
    if head is None:
        raise MigrationError("migrations/versions holds no revision")
    return head


def current_revision(database_url: str) -> str | None:
    with connect(database_url) as connection:
        has_version_table = connection.execute(
            "select to_regclass('ops.alembic_version') is not null"
        ).fetchone()
        if not has_version_table or not has_version_table[0]:
            return None
        row = connection.execute("select version_num from ops.alembic_version").fetchone()
        return str(row[0]) if row else None


def migration_state(database_url: str) -> MigrationState:
    return MigrationState(current=current_revision(database_url), head=head_revision())


def migrate(database_url: str, revision: str = HEAD) -> MigrationState:
    """Upgrade or downgrade the database to `revision` (`head`, `base` or a revision id).

    The direction follows from where the database is: a target below the current revision
    (or `base`) downgrades, anything else upgrades.
    """
    scripts = _scripts()
    current = current_revision(database_url)
    target = _resolve(scripts, revision)
    config = alembic_config(database_url)
    if target == current:
        pass
    elif target is None or _is_ancestor(scripts, target, of=current):
        command.downgrade(config, target or BASE)
    else:
        command.upgrade(config, target)
    return migration_state(database_url)


def _resolve(scripts: ScriptDirectory, revision: str) -> str | None:
    if revision == BASE:
        return None
    if revision == HEAD:
        return head_revision()
    try:
        script = scripts.get_revision(revision)
    except Exception as error:  # alembic raises several types for unknown or ambiguous ids
        raise MigrationError(f"unknown revision {revision!r}: {error}") from error
    if script is None:
        raise MigrationError(f"unknown revision {revision!r}")
    return script.revision


def _is_ancestor(scripts: ScriptDirectory, target: str, *, of: str | None) -> bool:
    if of is None:
        return False
    try:
        lineage = {script.revision for script in scripts.iterate_revisions(of, BASE)}
    except Exception as error:
        raise MigrationError(
            f"the database is at revision {of!r}, which migrations/versions does not know: "
            "is this checkout older than the database?"
        ) from error
    return target in lineage
