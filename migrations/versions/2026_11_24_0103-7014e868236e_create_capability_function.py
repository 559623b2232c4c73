"""create capability function

Revision ID: 7014e868236e
Revises: da5efea8e302
Create Date: 2026-11-24 01:25:53.571030

Why: every choice between the TimescaleDB layout and the plain PostgreSQL one (migrations, the
dbt macro `timescaledb_enabled()`, the pipeline's refresh and compression steps, `doctor`) asks
this one function, so there is exactly one definition of "TimescaleDB is present"
(DESIGN §4, docs/decisions/0004-timescaledb-capability-check.md).
"""

from __future__ import annotations

from alembic import op

revision: str = "7014e868236e"
down_revision: str | None = "da5efea8e302"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.execute("""
        set local role factor_owner;

        create function ops.has_timescaledb()
        returns boolean
        language sql
        stable
        parallel safe
        as $$
            select exists (select from pg_catalog.pg_extension where extname = 'timescaledb')
        $$;

        comment on function ops.has_timescaledb() is
            'True when the TimescaleDB extension is installed in this database: the one '
            'capability check behind every TimescaleDB-or-plain-PostgreSQL choice';

        grant execute on function ops.has_timescaledb() to factor_loader, factor_transformer;
    """)


def downgrade() -> None:
    op.execute("""
        set local role factor_owner;
        drop function ops.has_timescaledb();
    """)
