"""create raw fred tables

Revision ID: 03a205eef56d
Revises: b092b2cdf9a9
Create Date: 2026-11-24 01:25:55.133431

Why: macro factors must use the value known at each date, never the revised series (DESIGN §5).
ALFRED expresses knowledge as a realtime period per value: the value was the published one
from `realtime_start_date` through `realtime_end_date` (inclusive; 9999-12-31 while current).
Observations are therefore keyed by series, observation date and realtime start, so every
vintage of a value is its own row and a revision never overwrites an earlier one. Series
metadata (title, units, frequency) is kept per distinct version, like EDGAR companies. With
TimescaleDB, observations form a hypertable by observation date.
"""

from __future__ import annotations

from alembic import op

revision: str = "03a205eef56d"
down_revision: str | None = "b092b2cdf9a9"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.execute("""
        set local role factor_owner;

        create table raw_fred.series (
            fred_series_id text not null,
            title text not null,
            frequency text,
            frequency_short text,
            units text,
            units_short text,
            seasonal_adjustment text,
            seasonal_adjustment_short text,
            popularity integer,
            notes text,
            observation_start_date date,
            observation_end_date date,
            realtime_start_date date,
            realtime_end_date date,
            last_updated_at timestamptz,
            record_hash uuid not null,
            load_id bigint not null,
            loaded_at timestamptz not null default now(),
            constraint pk_series primary key (fred_series_id, record_hash)
        );
        comment on table raw_fred.series is
            'FRED series metadata: one row per distinct version seen';
        comment on column raw_fred.series.fred_series_id is 'FRED series id, e.g. CPIAUCSL';
        comment on column raw_fred.series.last_updated_at is
            'When FRED last updated the series (its last_updated, converted to UTC)';
        comment on column raw_fred.series.record_hash is
            'MD5 of the version''s content: the same content loaded twice is one row';

        create table raw_fred.observations (
            fred_series_id text not null,
            observation_date date not null,
            realtime_start_date date not null,
            realtime_end_date date not null,
            observed_value numeric,
            load_id bigint not null,
            loaded_at timestamptz not null default now(),
            constraint pk_observations
                primary key (fred_series_id, observation_date, realtime_start_date),
            constraint ck_observations__realtime_period
                check (realtime_start_date <= realtime_end_date)
        );
        comment on table raw_fred.observations is
            'FRED/ALFRED observations: one row per series, observation date and vintage '
            '(realtime period); revisions are new rows';
        comment on column raw_fred.observations.observation_date is
            'The period the value describes (FRED date)';
        comment on column raw_fred.observations.realtime_start_date is
            'First day this value was the published one (ALFRED realtime_start)';
        comment on column raw_fred.observations.realtime_end_date is
            'Last day this value was the published one (ALFRED realtime_end; 9999-12-31 while '
            'still current)';
        comment on column raw_fred.observations.observed_value is
            'The value; null where FRED publishes "." (missing)';

        do $$
        begin
            if ops.has_timescaledb() then
                perform create_hypertable(
                    'raw_fred.observations', by_range('observation_date', interval '10 years')
                );
                alter table raw_fred.observations set (
                    timescaledb.compress,
                    timescaledb.compress_segmentby = 'fred_series_id',
                    timescaledb.compress_orderby = 'observation_date, realtime_start_date'
                );
            end if;
        end
        $$;
    """)


def downgrade() -> None:
    op.execute("""
        set local role factor_owner;
        drop table raw_fred.observations;
        drop table raw_fred.series;
    """)
