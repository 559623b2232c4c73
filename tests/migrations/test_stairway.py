"""Every revision upgrades, downgrades and upgrades again; base leaves nothing behind."""

from __future__ import annotations

import psycopg
import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory

from factor_engine.core.migrate import head_revision, migrate, migration_state
from factor_engine.core.settings import project_root

pytestmark = pytest.mark.db

# Everything the migrations create lives in these schemas; at base only alembic's own
# bookkeeping (ops.alembic_version, in the ops schema env.py creates) may remain.
MIGRATED_SCHEMAS = ("raw_edgar", "raw_fred", "raw_ibkr", "raw_files", "risk", "api")


def revisions_in_order() -> list[str]:
    config = Config(toml_file=str(project_root() / "pyproject.toml"))
    scripts = ScriptDirectory.from_config(config)
    return [script.revision for script in reversed(list(scripts.walk_revisions()))]


def user_objects(url: str) -> dict[str, list[str]]:
    """What the migrations could have left in a database, by kind."""
    queries = {
        "schemas": """
            select nspname from pg_namespace
            where nspname not like 'pg\\_%' and nspname not in ('information_schema', 'public')
              and nspname not like '\\_timescaledb%' and nspname not like 'timescaledb\\_%'
            order by 1""",
        "relations": """
            select n.nspname || '.' || c.relname from pg_class as c
            join pg_namespace as n on n.oid = c.relnamespace
            where c.relkind <> 'i'
              and n.nspname in ('ops', 'api', 'risk', 'raw_edgar', 'raw_fred', 'raw_ibkr',
                                'raw_files', 'public')
            order by 1""",
        "functions": """
            select p.oid::regprocedure::text from pg_proc as p
            join pg_namespace as n on n.oid = p.pronamespace
            where n.nspname in ('ops', 'api', 'risk', 'public')
            order by 1""",
        "default_privileges": "select defaclrole::regrole::text from pg_default_acl order by 1",
        "extensions": "select extname from pg_extension where extname <> 'plpgsql' order by 1",
    }
    with psycopg.connect(url) as connection:
        return {
            kind: [row[0] for row in connection.execute(query).fetchall()]
            for kind, query in queries.items()
        }


def test_revisions_form_one_line_of_history() -> None:
    revisions = revisions_in_order()
    assert len(revisions) == len(set(revisions))
    assert revisions[-1] == head_revision()


def test_each_revision_upgrades_downgrades_and_upgrades_again(empty_database_url: str) -> None:
    previous: str | None = None
    for revision in revisions_in_order():
        assert migrate(empty_database_url, revision).current == revision
        assert migrate(empty_database_url, previous or "base").current == previous
        assert migrate(empty_database_url, revision).current == revision
        previous = revision
    assert migration_state(empty_database_url).is_at_head


def test_base_removes_everything_the_migrations_created(empty_database_url: str) -> None:
    before = user_objects(empty_database_url)
    migrate(empty_database_url, "head")
    at_head = user_objects(empty_database_url)
    assert set(MIGRATED_SCHEMAS) <= set(at_head["schemas"])

    migrate(empty_database_url, "base")

    after = user_objects(empty_database_url)
    assert after["relations"] == [*before["relations"], "ops.alembic_version"]
    assert after["schemas"] == ["ops"]
    assert after["functions"] == before["functions"]
    assert after["default_privileges"] == before["default_privileges"]
    assert after["extensions"] == before["extensions"]


def test_roles_used_by_another_database_survive_its_neighbours_downgrade(
    database_url: str, empty_database_url: str
) -> None:
    # The session database (at head) still uses the cluster-wide roles, so taking this other
    # database to base must keep them.
    migrate(empty_database_url, "head")
    migrate(empty_database_url, "base")
    with psycopg.connect(database_url) as connection:
        roles = connection.execute(
            "select count(*) from pg_roles where rolname like 'factor\\_%'"
        ).fetchone()
    assert roles == (4,)
