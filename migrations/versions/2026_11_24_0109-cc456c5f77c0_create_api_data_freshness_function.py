"""create api data freshness function

Revision ID: cc456c5f77c0
Revises: 857ca7324eb1
Create Date: 2026-11-24 01:25:56.667773

Why: clients (BI dashboards, scheduled jobs) need to know how fresh the data behind the api is
without being able to read the `ops` schema. This function answers from the run log, per
source: the last successful load and the state of the most recent run. It runs with its owner's
rights (`security definer`, pinned `search_path`) and exposes nothing else of `ops`.
The body is a string (`as $$ ... $$`), not `begin atomic`, so dbt's `drop ... cascade` of
relations never takes it along (HOUSE_STYLE §3.6).
"""

from __future__ import annotations

from alembic import op

revision: str = "cc456c5f77c0"
down_revision: str | None = "857ca7324eb1"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.execute("""
        set local role factor_owner;

        create function api.data_freshness()
        returns table (
            source text,
            last_succeeded_load_id bigint,
            last_succeeded_at timestamptz,
            last_run_status text,
            last_run_started_at timestamptz
        )
        language sql
        stable
        security definer
        set search_path = pg_catalog, pg_temp
        as $$
            select
                sources.source,
                last_success.load_id as last_succeeded_load_id,
                last_success.finished_at as last_succeeded_at,
                last_run.status as last_run_status,
                last_run.started_at as last_run_started_at
            from (values ('edgar'), ('fred'), ('ibkr'), ('files')) as sources (source)
            left join lateral (
                select
                    runs.load_id,
                    runs.finished_at
                from ops.load_runs as runs
                where runs.source = sources.source and runs.status = 'succeeded'
                order by runs.started_at desc
                limit 1
            ) as last_success on true
            left join lateral (
                select
                    runs.status,
                    runs.started_at
                from ops.load_runs as runs
                where runs.source = sources.source
                order by runs.started_at desc
                limit 1
            ) as last_run on true
            order by sources.source
        $$;

        comment on function api.data_freshness() is
            'Per source (edgar, fred, ibkr, files): the last successful load (id, finish time) '
            'and the status and start of the most recent run. Nulls: never loaded.';
    """)


def downgrade() -> None:
    op.execute("""
        set local role factor_owner;
        drop function api.data_freshness();
    """)
