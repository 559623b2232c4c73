"""index raw bars by trade date

Revision ID: ae6e7cd3ec09
Revises: 5e1f0c2a9b7d
Create Date: 2026-11-28 13:30:00

Why: a daily build (`factor-engine build --since`) reads the bars of the new sessions only,
but the raw bar tables are keyed by security first ((dataset, symbol, trade_date),
(ib_con_id, what_to_show, trade_date)), so on plain PostgreSQL every read by date scanned all
of them: 0.23 s for each of the two models that read them, at 3,000 securities x 5 years, for
3,000 rows (bench/RESULTS.md). An index on trade_date makes those reads range scans. With
TimescaleDB the tables are hypertables, whose time index (created with them) already serves
these reads, so nothing is added there.
"""

from __future__ import annotations

from alembic import op

revision: str = "ae6e7cd3ec09"
down_revision: str | None = "5e1f0c2a9b7d"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.execute("""
        set local role factor_owner;

        do $$
        begin
            if not ops.has_timescaledb() then
                create index ix_daily_bars__trade_date on raw_files.daily_bars (trade_date);
                create index ix_daily_bars__trade_date on raw_ibkr.daily_bars (trade_date);
            end if;
        end
        $$;
    """)


def downgrade() -> None:
    op.execute("""
        set local role factor_owner;
        drop index if exists raw_files.ix_daily_bars__trade_date;
        drop index if exists raw_ibkr.ix_daily_bars__trade_date;
    """)
