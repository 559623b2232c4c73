"""create risk model tables

Revision ID: 5e1f0c2a9b7d
Revises: 8aee0c63fa4c
Create Date: 2026-11-24 15:00:00

Why: the risk model (functions/, run by `factor-engine risk`) writes its outputs to `risk`, a
schema alembic owns so that dbt's rebuilds never drop them (they are dbt sources). Every output
row names its model (`model_code`: the preset, use4s or use4l) and the run that wrote it; runs
themselves are logged with their full parameters, the data date they saw and step timings, so a
forecast can always be traced to the definition that produced it. Forecasts are keyed by
`as_of_date` (made at that close, for the next session), realised values by `trade_date`.
Date-keyed tables become hypertables when TimescaleDB is present.
"""

from __future__ import annotations

from alembic import op

revision: str = "5e1f0c2a9b7d"
down_revision: str | None = "8aee0c63fa4c"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.execute("""
        set local role factor_owner;

        create table risk.model_runs (
            model_run_id bigint generated always as identity,
            model_code text not null,
            model_version text not null,
            parameters jsonb not null,
            since_date date,
            data_as_of_date date,
            status text not null default 'running',
            error text,
            timings jsonb not null default '{}',
            started_at timestamptz not null default now(),
            finished_at timestamptz,
            constraint pk_model_runs primary key (model_run_id),
            constraint ck_model_runs__status check (status in ('running', 'succeeded', 'failed')),
            constraint ck_model_runs__finished_when_not_running
                check ((status = 'running') = (finished_at is null))
        );
        comment on table risk.model_runs is
            'One row per risk model run: preset, parameters, the data it saw, step timings';
        comment on column risk.model_runs.model_code is 'Preset the run estimated: use4s or use4l';
        comment on column risk.model_runs.parameters is
            'Every parameter of the model config (half-lives, lags, factor set, version)';
        comment on column risk.model_runs.since_date is
            'Outputs from this date on were rewritten (null: all of them)';
        comment on column risk.model_runs.data_as_of_date is 'Latest exposure date the run saw';
        comment on column risk.model_runs.timings is 'Seconds spent in each step';

        create table risk.factor_returns (
            model_code text not null,
            trade_date date not null,
            factor_code text not null,
            factor_return double precision,
            standard_error double precision,
            t_stat double precision,
            model_run_id bigint not null,
            constraint pk_factor_returns primary key (model_code, trade_date, factor_code)
        );
        comment on table risk.factor_returns is
            'Daily factor returns over (previous session, trade_date] from the constrained WLS '
            'regression; one row per model, trade_date and factor';

        create table risk.regression_statistics (
            model_code text not null,
            trade_date date not null,
            r_squared double precision,
            count_observations integer not null,
            count_factors integer not null,
            model_run_id bigint not null,
            constraint pk_regression_statistics primary key (model_code, trade_date)
        );
        comment on table risk.regression_statistics is
            'Fit of each daily regression: regression-weighted R squared, observations, factors';

        create table risk.specific_returns (
            model_code text not null,
            trade_date date not null,
            security_id bigint not null,
            specific_return double precision not null,
            is_estimation_universe boolean not null,
            model_run_id bigint not null,
            constraint pk_specific_returns primary key (model_code, trade_date, security_id)
        );
        comment on table risk.specific_returns is
            'Regression residuals: return not explained by the factors, per security and '
            'trade_date (estimation universe members and the rest)';

        create table risk.factor_covariances (
            model_code text not null,
            as_of_date date not null,
            factor_code text not null,
            other_factor_code text not null,
            covariance double precision not null,
            model_run_id bigint not null,
            constraint pk_factor_covariances
                primary key (model_code, as_of_date, factor_code, other_factor_code)
        );
        comment on table risk.factor_covariances is
            'Daily factor covariance forecast made at the close of as_of_date (NW, eigenfactor '
            'and regime adjusted); both (i, j) and (j, i) are stored';

        create table risk.specific_risks (
            model_code text not null,
            as_of_date date not null,
            security_id bigint not null,
            specific_volatility double precision not null,
            time_series_volatility double precision,
            structural_volatility double precision,
            blend_weight double precision not null,
            model_run_id bigint not null,
            constraint pk_specific_risks primary key (model_code, as_of_date, security_id)
        );
        comment on table risk.specific_risks is
            'Daily specific volatility forecast made at the close of as_of_date: time series '
            'blended with the structural model, shrunk by size decile, regime adjusted';
        comment on column risk.specific_risks.blend_weight is
            'gamma: weight of the time-series forecast against the structural one';

        create table risk.regime_multipliers (
            model_code text not null,
            as_of_date date not null,
            factor_multiplier double precision not null,
            specific_multiplier double precision not null,
            model_run_id bigint not null,
            constraint pk_regime_multipliers primary key (model_code, as_of_date)
        );
        comment on table risk.regime_multipliers is
            'Volatility regime adjustment multipliers lambda_F and lambda_S at each as_of_date';

        create table risk.validation_statistics (
            model_run_id bigint not null,
            portfolio_family text not null,
            portfolio_code text not null,
            count_periods integer not null,
            bias_statistic double precision,
            band_low double precision,
            band_high double precision,
            is_within_band boolean not null,
            constraint pk_validation_statistics
                primary key (model_run_id, portfolio_family, portfolio_code),
            constraint fk_validation_statistics__model_run_id foreign key (model_run_id)
                references risk.model_runs (model_run_id) on delete cascade
        );
        comment on table risk.validation_statistics is
            'Bias statistic of each test portfolio over monthly forecasts, with its 95% band '
            '1 +/- sqrt(2/T)';

        create table risk.validation_summaries (
            model_run_id bigint not null,
            portfolio_family text not null,
            count_portfolios integer not null,
            mean_bias_statistic double precision,
            share_within_band double precision,
            mrad double precision,
            rolling_bias_p05 double precision,
            rolling_bias_p95 double precision,
            constraint pk_validation_summaries primary key (model_run_id, portfolio_family),
            constraint fk_validation_summaries__model_run_id foreign key (model_run_id)
                references risk.model_runs (model_run_id) on delete cascade
        );
        comment on table risk.validation_summaries is
            'Per family of test portfolios: mean bias, share inside the band, rolling 12-month '
            'MRAD and the 5th/95th percentiles of rolling biases';

        do $$
        begin
            if ops.has_timescaledb() then
                perform create_hypertable(
                    'risk.specific_returns', by_range('trade_date', interval '1 year')
                );
                alter table risk.specific_returns set (
                    timescaledb.compress,
                    timescaledb.compress_segmentby = 'model_code',
                    timescaledb.compress_orderby = 'security_id, trade_date'
                );
                perform create_hypertable(
                    'risk.factor_covariances', by_range('as_of_date', interval '1 year')
                );
                alter table risk.factor_covariances set (
                    timescaledb.compress,
                    timescaledb.compress_segmentby = 'model_code, factor_code',
                    timescaledb.compress_orderby = 'other_factor_code, as_of_date'
                );
                perform create_hypertable(
                    'risk.specific_risks', by_range('as_of_date', interval '1 year')
                );
                alter table risk.specific_risks set (
                    timescaledb.compress,
                    timescaledb.compress_segmentby = 'model_code',
                    timescaledb.compress_orderby = 'security_id, as_of_date'
                );
            end if;
        end
        $$;
    """)


def downgrade() -> None:
    op.execute("""
        set local role factor_owner;
        drop table risk.validation_summaries;
        drop table risk.validation_statistics;
        drop table risk.regime_multipliers;
        drop table risk.specific_risks;
        drop table risk.factor_covariances;
        drop table risk.specific_returns;
        drop table risk.regression_statistics;
        drop table risk.factor_returns;
        drop table risk.model_runs;
    """)
