"""${message}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
Create Date: ${create_date}

Why: <one paragraph: the problem this revision solves and why it is shaped this way>
"""

from __future__ import annotations

from alembic import op

revision: str = ${repr(up_revision)}
down_revision: str | None = ${repr(down_revision)}
branch_labels: str | None = ${repr(branch_labels)}
depends_on: str | None = ${repr(depends_on)}


def upgrade() -> None:
    op.execute("""
        set local role factor_owner;
    """)


def downgrade() -> None:
    op.execute("""
        set local role factor_owner;
    """)
