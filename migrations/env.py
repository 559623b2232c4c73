"""Alembic environment: runs the revisions in migrations/versions against one database.

The database is the one every command uses (`DATABASE_URL`, else the embedded cluster), unless
the caller passes `config.attributes["database_url"]` (the CLI and the tests do).
Alembic's own bookkeeping table lives in `ops.alembic_version` (HOUSE_STYLE §3.6); `ops` is
therefore created here, before the first revision runs, and it outlives `--revision base`.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool, text

from factor_engine.core.database import resolve_database_url, sqlalchemy_url
from factor_engine.core.settings import Settings

VERSION_TABLE_SCHEMA = "ops"


def _database_url() -> str:
    url = context.config.attributes.get("database_url")
    return str(url) if url else resolve_database_url(Settings.from_env())


def run_migrations_offline() -> None:
    """`alembic upgrade --sql`: print the SQL instead of running it."""
    context.configure(
        url=sqlalchemy_url(_database_url()),
        literal_binds=True,
        version_table_schema=VERSION_TABLE_SCHEMA,
        transactional_ddl=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = create_engine(sqlalchemy_url(_database_url()), poolclass=pool.NullPool)
    with engine.connect() as connection:
        connection.execute(text(f"create schema if not exists {VERSION_TABLE_SCHEMA}"))
        connection.commit()
        context.configure(
            connection=connection,
            version_table_schema=VERSION_TABLE_SCHEMA,
            transactional_ddl=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
