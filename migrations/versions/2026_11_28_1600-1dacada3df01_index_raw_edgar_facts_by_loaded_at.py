"""index raw EDGAR facts by loaded_at

Revision ID: 1dacada3df01
Revises: ae6e7cd3ec09
Create Date: 2026-11-28 16:00:00

Why: a daily build (`factor-engine build --since`) needs only the facts of filings accepted
since the last session before `since`, but neither the key nor the filing date can find them:
the key is led by the company, and 4,432 of the 76,086 recorded filings were accepted after
their filing date, some years after. What can is when a fact landed: no fact lands before its
filing is accepted, so the new facts are the recently loaded ones
(int_fundamental_facts_known). Facts are only ever appended, so loaded_at follows the rows'
order on disk and a BRIN index, a few pages for millions of rows, finds them. A btree would
serve the same reads but slowed the EDGAR bulk landing by 12%; the BRIN index costs the COPY
of the facts about 5% (bench/RESULTS.md, ADR 0017). It leaves the pages added since its last
summarization unsummarized (every scan reads them) until a vacuum, or the build's on-run-start
hook (dbt_project/macros/summarize_source_brin_indexes.sql), summarizes them. On a TimescaleDB
hypertable the index is created on every chunk, as any other.
"""

from __future__ import annotations

from alembic import op

revision: str = "1dacada3df01"
down_revision: str | None = "ae6e7cd3ec09"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.execute("""
        set local role factor_owner;
        create index ix_facts__loaded_at on raw_edgar.facts using brin (loaded_at);
    """)


def downgrade() -> None:
    op.execute("""
        set local role factor_owner;
        drop index raw_edgar.ix_facts__loaded_at;
    """)
