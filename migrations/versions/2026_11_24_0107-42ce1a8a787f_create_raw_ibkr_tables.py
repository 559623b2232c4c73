"""create raw ibkr tables

Revision ID: 42ce1a8a787f
Revises: 03a205eef56d
Create Date: 2026-11-24 01:25:55.639562

Why: Interactive Brokers gives contract details (the con id is IB's permanent instrument key,
plus exchange, currency and IB's industry classification, a cross-check for the EDGAR SIC
mapping) and daily bars. Bars are kept per `what_to_show`: TRADES bars are as traded and never
change; ADJUSTED_LAST bars are re-adjusted by IB after each split or dividend, so a re-load may
update them (returns computed from them are unaffected by later adjustments; price levels and
market capitalisation come from TRADES). Contract details are kept per distinct version. With
TimescaleDB, bars form a hypertable by session date.
"""

from __future__ import annotations

from alembic import op

revision: str = "42ce1a8a787f"
down_revision: str | None = "03a205eef56d"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.execute("""
        set local role factor_owner;

        create table raw_ibkr.contracts (
            ib_con_id bigint not null,
            symbol text not null,
            security_type text not null,
            primary_exchange text,
            exchange text,
            currency text not null,
            local_symbol text,
            trading_class text,
            long_name text,
            industry text,
            category text,
            subcategory text,
            stock_type text,
            time_zone_id text,
            min_tick double precision,
            valid_exchanges text,
            security_ids jsonb not null default '{}',
            record_hash uuid not null,
            load_id bigint not null,
            loaded_at timestamptz not null default now(),
            constraint pk_contracts primary key (ib_con_id, record_hash)
        );
        comment on table raw_ibkr.contracts is
            'IBKR contract details: one row per distinct version seen';
        comment on column raw_ibkr.contracts.ib_con_id is
            'IB contract id: permanent for the instrument';
        comment on column raw_ibkr.contracts.security_type is 'IB secType, e.g. STK';
        comment on column raw_ibkr.contracts.industry is 'IB industry (cross-check for SIC)';
        comment on column raw_ibkr.contracts.security_ids is
            'Other identifiers IB returns (secIdList), e.g. {"ISIN": "US0378331005"}';
        comment on column raw_ibkr.contracts.record_hash is
            'MD5 of the version''s content: the same content loaded twice is one row';

        create table raw_ibkr.daily_bars (
            ib_con_id bigint not null,
            what_to_show text not null,
            trade_date date not null,
            open_price double precision not null,
            high_price double precision not null,
            low_price double precision not null,
            close_price double precision not null,
            volume double precision not null,
            average_price double precision,
            count_trades bigint,
            load_id bigint not null,
            loaded_at timestamptz not null default now(),
            constraint pk_daily_bars primary key (ib_con_id, what_to_show, trade_date),
            constraint ck_daily_bars__what_to_show
                check (what_to_show in ('TRADES', 'ADJUSTED_LAST')),
            constraint ck_daily_bars__prices
                check (low_price <= high_price and volume >= 0)
        );
        comment on table raw_ibkr.daily_bars is
            'IBKR daily bars: one row per contract, bar type and session date';
        comment on column raw_ibkr.daily_bars.what_to_show is
            'TRADES (as traded, immutable) or ADJUSTED_LAST (split and dividend adjusted as of '
            'the load)';
        comment on column raw_ibkr.daily_bars.trade_date is
            'Exchange session date the bar covers';
        comment on column raw_ibkr.daily_bars.volume is 'Shares traded in the session';
        comment on column raw_ibkr.daily_bars.average_price is
            'Volume-weighted average price (IB wap/average)';
        comment on column raw_ibkr.daily_bars.count_trades is 'Number of trades (IB barCount)';

        do $$
        begin
            if ops.has_timescaledb() then
                perform create_hypertable(
                    'raw_ibkr.daily_bars', by_range('trade_date', interval '1 year')
                );
                alter table raw_ibkr.daily_bars set (
                    timescaledb.compress,
                    timescaledb.compress_segmentby = 'ib_con_id, what_to_show',
                    timescaledb.compress_orderby = 'trade_date'
                );
            end if;
        end
        $$;
    """)


def downgrade() -> None:
    op.execute("""
        set local role factor_owner;
        drop table raw_ibkr.daily_bars;
        drop table raw_ibkr.contracts;
    """)
