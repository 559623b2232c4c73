"""create risk model states

Revision ID: 1e94337db51a
Revises: 1dacada3df01
Create Date: 2026-11-29 00:00:00

Why: the risk model's forecasts are recursions over the whole history, so a daily run
(`factor-engine risk --since`) read every session's exposures to recompute them, and took
longer each year. Each run now keeps where its recursions stood at its last month end
(functions/model_state.py) and the next run continues from there, reading a month of
exposures. One row per model: only the latest state is ever resumed from. The state is the
model's own binary format (numpy's .npz, no pickle), a few MB, never read by SQL clients: it is
not a dbt source. `model_runs.resumed_from_date` says which runs continued from a state.
"""

from __future__ import annotations

from alembic import op

revision: str = "1e94337db51a"
down_revision: str | None = "1dacada3df01"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.execute("""
        set local role factor_owner;

        create table risk.model_states (
            model_code text not null,
            as_of_date date not null,
            state_format integer not null,
            parameters jsonb not null,
            state bytea not null,
            model_run_id bigint not null,
            saved_at timestamptz not null default now(),
            constraint pk_model_states primary key (model_code),
            constraint fk_model_states__model_run_id foreign key (model_run_id)
                references risk.model_runs (model_run_id) on delete cascade
        );
        comment on table risk.model_states is
            'Where each model''s recursions stood at its latest month end: the next run with '
            '--since continues from it instead of reading the whole history';
        comment on column risk.model_states.as_of_date is
            'The month end: every return realised by its close consumed, its forecasts made';
        comment on column risk.model_states.state_format is
            'Version of the state''s fields; a state of another format is not used';
        comment on column risk.model_states.parameters is
            'The model config that produced it; a run with other parameters does not use it';
        comment on column risk.model_states.state is
            'The state as an uncompressed numpy .npz archive (functions/model_state.py)';

        alter table risk.model_runs add column resumed_from_date date;
        comment on column risk.model_runs.resumed_from_date is
            'The run continued from the state stored as of this date (null: read every session)';
    """)


def downgrade() -> None:
    op.execute("""
        set local role factor_owner;
        alter table risk.model_runs drop column resumed_from_date;
        drop table risk.model_states;
    """)
