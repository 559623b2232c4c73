"""create load run log and quarantine

Revision ID: 76f4b81d42ce
Revises: 7014e868236e
Create Date: 2026-11-24 01:25:54.095609

Why: every loader run must leave a trace (what it was asked, when, how it ended, how many records
it saw, landed and rejected), and every raw row points back to its run through `load_id`.
Records that fail validation are not dropped: they are kept verbatim in `ops.quarantine` with the
source, a key naming the record and the reason, while the rest of the load goes on. A record
quarantined again by a re-run is kept once (unique on source, key and content).
Raw rows do not carry a foreign key to `ops.load_runs`: a per-row check would slow the bulk
COPY path, and the run log is append-only, so the reference cannot dangle.
"""

from __future__ import annotations

from alembic import op

revision: str = "76f4b81d42ce"
down_revision: str | None = "7014e868236e"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.execute("""
        set local role factor_owner;

        create table ops.load_runs (
            load_id bigint generated always as identity,
            source text not null,
            arguments jsonb not null default '{}',
            status text not null default 'running',
            count_rows_seen bigint not null default 0,
            count_rows_landed bigint not null default 0,
            count_rows_quarantined bigint not null default 0,
            error text,
            engine_version text,
            hostname text,
            process_id integer,
            started_at timestamptz not null default now(),
            finished_at timestamptz,
            constraint pk_load_runs primary key (load_id),
            constraint ck_load_runs__source check (source in ('edgar', 'fred', 'ibkr', 'files')),
            constraint ck_load_runs__status
                check (status in ('running', 'succeeded', 'failed', 'abandoned')),
            constraint ck_load_runs__finished_when_not_running
                check ((status = 'running') = (finished_at is null)),
            constraint ck_load_runs__counts_not_negative
                check (count_rows_seen >= 0 and count_rows_landed >= 0
                    and count_rows_quarantined >= 0)
        );
        create index ix_load_runs__source_started_at on ops.load_runs (source, started_at desc);

        comment on table ops.load_runs is
            'Run log: one row per loader run. Raw rows carry the load_id of the run that landed '
            'them.';
        comment on column ops.load_runs.source is 'edgar, fred, ibkr or files';
        comment on column ops.load_runs.arguments is
            'What the run was asked to load (command-line arguments; never secrets)';
        comment on column ops.load_runs.status is
            'running, succeeded, failed, or abandoned (a run whose process died mid-load)';
        comment on column ops.load_runs.count_rows_seen is 'Records read from the source';
        comment on column ops.load_runs.count_rows_landed is
            'Rows this run added to raw_* (records already landed are not counted again)';
        comment on column ops.load_runs.count_rows_quarantined is
            'Records rejected into ops.quarantine';
        comment on column ops.load_runs.error is 'Why the run failed, when it did';

        create table ops.quarantine (
            quarantine_id bigint generated always as identity,
            load_id bigint not null,
            source text not null,
            record_key text not null,
            reason text not null,
            record text not null,
            record_md5 text generated always as (md5(record)) stored,
            quarantined_at timestamptz not null default now(),
            constraint pk_quarantine primary key (quarantine_id),
            constraint fk_quarantine__load_id
                foreign key (load_id) references ops.load_runs (load_id),
            constraint uq_quarantine__source_record_key_record_md5
                unique (source, record_key, record_md5)
        );
        create index ix_quarantine__load_id on ops.quarantine (load_id);

        comment on table ops.quarantine is
            'Records a loader rejected, kept verbatim with the reason; the rest of the load went '
            'on. One row per distinct bad record.';
        comment on column ops.quarantine.record_key is
            'Names the record in the source, e.g. CIK0000320193 us-gaap:Revenues USD '
            '0000320193-23-000106';
        comment on column ops.quarantine.reason is 'Why the record was rejected';
        comment on column ops.quarantine.record is 'The record as received (JSON or text)';

        grant select, insert, update on ops.load_runs to factor_loader;
        grant select, insert on ops.quarantine to factor_loader;
        grant select on ops.load_runs, ops.quarantine to factor_transformer;
    """)


def downgrade() -> None:
    op.execute("""
        set local role factor_owner;
        drop table ops.quarantine;
        drop table ops.load_runs;
    """)
