"""enable timescaledb when available

Revision ID: 0ed3c8eeaf26
Revises: 5d764d208c70
Create Date: 2026-11-24 01:25:52.556466

Why: the engine uses TimescaleDB (hypertables, compression, continuous aggregates) wherever the
server offers it and plain PostgreSQL elsewhere, decided by one function, `ops.has_timescaledb()`,
which asks whether the extension is installed in this database (docs/decisions/
0004-timescaledb-capability-check.md). This revision installs the extension when the server has
it available, so that a TimescaleDB server gets the TimescaleDB layout without a manual step. A
server that lists the extension but cannot load it (not in `shared_preload_libraries`) keeps the
plain layout, with a notice. On downgrade the extension is dropped only if this revision created
it: a database that had TimescaleDB before keeps it.
"""

from __future__ import annotations

from alembic import op

revision: str = "0ed3c8eeaf26"
down_revision: str | None = "5d764d208c70"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.execute("""
        reset role;

        do $$
        begin
            if exists (select from pg_catalog.pg_extension where extname = 'timescaledb') then
                raise notice 'timescaledb is already installed in this database';
            elsif exists (
                select from pg_catalog.pg_available_extensions where name = 'timescaledb'
            ) then
                begin
                    create extension timescaledb;
                    comment on extension timescaledb is
                        'installed by factor-engine revision 0ed3c8eeaf26';
                exception when others then
                    raise warning 'timescaledb is available but could not be installed (%): '
                        'the plain PostgreSQL layout is used', sqlerrm;
                end;
            end if;
        end
        $$;
    """)


def downgrade() -> None:
    op.execute("""
        reset role;

        do $$
        begin
            if pg_catalog.obj_description(
                (select oid from pg_catalog.pg_extension where extname = 'timescaledb'),
                'pg_extension'
            ) = 'installed by factor-engine revision 0ed3c8eeaf26' then
                drop extension timescaledb;
            end if;
        end
        $$;
    """)
