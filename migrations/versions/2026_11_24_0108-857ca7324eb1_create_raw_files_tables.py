"""create raw files tables

Revision ID: 857ca7324eb1
Revises: 42ce1a8a787f
Create Date: 2026-11-24 01:25:56.153512

Why: users without an IB account, and the offline demo, bring daily bars as CSV or Parquet files
(the formats in the shared price sets). They land in their own table, keyed by a dataset name
the user chooses, the file's symbol and the session date, so two datasets never overwrite each
other and the same file loaded twice adds nothing. dbt unions these bars with IBKR's.
"""

from __future__ import annotations

from alembic import op

revision: str = "857ca7324eb1"
down_revision: str | None = "42ce1a8a787f"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.execute("""
        set local role factor_owner;

        create table raw_files.daily_bars (
            dataset text not null,
            symbol text not null,
            trade_date date not null,
            open_price double precision,
            high_price double precision,
            low_price double precision,
            close_price double precision not null,
            adjusted_close_price double precision,
            volume double precision,
            source_file text not null,
            load_id bigint not null,
            loaded_at timestamptz not null default now(),
            constraint pk_daily_bars primary key (dataset, symbol, trade_date),
            constraint ck_daily_bars__prices
                check (low_price <= high_price and close_price > 0 and volume >= 0)
        );
        comment on table raw_files.daily_bars is
            'Daily bars imported from CSV or Parquet files: one row per dataset, symbol and '
            'session date';
        comment on column raw_files.daily_bars.dataset is
            'Name of the imported collection, chosen at load time';
        comment on column raw_files.daily_bars.symbol is 'Ticker as the file names it';
        comment on column raw_files.daily_bars.adjusted_close_price is
            'Split and dividend adjusted close, when the file has one';
        comment on column raw_files.daily_bars.source_file is 'Name of the file the row came from';

        do $$
        begin
            if ops.has_timescaledb() then
                perform create_hypertable(
                    'raw_files.daily_bars', by_range('trade_date', interval '1 year')
                );
                alter table raw_files.daily_bars set (
                    timescaledb.compress,
                    timescaledb.compress_segmentby = 'dataset, symbol',
                    timescaledb.compress_orderby = 'trade_date'
                );
            end if;
        end
        $$;
    """)


def downgrade() -> None:
    op.execute("""
        set local role factor_owner;
        drop table raw_files.daily_bars;
    """)
