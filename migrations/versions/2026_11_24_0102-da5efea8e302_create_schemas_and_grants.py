"""create schemas and grants

Revision ID: da5efea8e302
Revises: 0ed3c8eeaf26
Create Date: 2026-11-24 01:25:53.069140

Why: the schemas alembic owns (HOUSE_STYLE §3.2): one landing schema per source, `risk` for the
Python risk model's outputs and `api`, the only schema clients see. dbt creates its own schemas
(`staging`, `intermediate`, `marts`, `reference`). Privileges are default-deny and granted per
schema through default privileges, so every table a later revision adds to a raw schema is
writable by the loaders and readable by dbt without another grant; functions are no longer
executable by PUBLIC (PostgREST's lesson: new functions are public by default).
"""

from __future__ import annotations

from alembic import op

revision: str = "da5efea8e302"
down_revision: str | None = "0ed3c8eeaf26"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.execute("""
        reset role;
        -- ops belongs to the migrating user (alembic needs it before the first revision runs)
        grant usage on schema ops to factor_loader, factor_transformer;

        create schema raw_edgar authorization factor_owner;
        create schema raw_fred authorization factor_owner;
        create schema raw_ibkr authorization factor_owner;
        create schema raw_files authorization factor_owner;
        create schema risk authorization factor_owner;
        create schema api authorization factor_owner;

        set local role factor_owner;

        comment on schema raw_edgar is
            'SEC EDGAR as landed: companies, filings with acceptance times, XBRL facts';
        comment on schema raw_fred is
            'FRED/ALFRED as landed: series and observations with their realtime periods';
        comment on schema raw_ibkr is 'Interactive Brokers as landed: contracts and daily bars';
        comment on schema raw_files is 'Daily bars imported from CSV or Parquet files';
        comment on schema risk is
            'Risk model outputs written by factor_engine.functions (factor returns, covariance)';
        comment on schema api is
            'The stable public interface: documented views and functions, read-only for clients';

        grant usage on schema raw_edgar, raw_fred, raw_ibkr, raw_files
            to factor_loader, factor_transformer;
        alter default privileges for role factor_owner
            in schema raw_edgar, raw_fred, raw_ibkr, raw_files
            grant select, insert, update on tables to factor_loader;
        alter default privileges for role factor_owner
            in schema raw_edgar, raw_fred, raw_ibkr, raw_files
            grant select on tables to factor_transformer;

        grant usage on schema risk to factor_transformer;
        alter default privileges for role factor_owner in schema risk
            grant select, insert, update, delete on tables to factor_transformer;

        grant usage, create on schema api to factor_transformer;
        grant usage on schema api to factor_reader;
        alter default privileges for role factor_owner revoke execute on functions from public;
        alter default privileges for role factor_owner in schema api
            grant execute on functions to factor_reader, factor_transformer;
    """)


def downgrade() -> None:
    op.execute("""
        set local role factor_owner;

        alter default privileges for role factor_owner in schema api
            revoke execute on functions from factor_reader, factor_transformer;
        alter default privileges for role factor_owner grant execute on functions to public;
        alter default privileges for role factor_owner in schema risk
            revoke select, insert, update, delete on tables from factor_transformer;
        alter default privileges for role factor_owner
            in schema raw_edgar, raw_fred, raw_ibkr, raw_files
            revoke select on tables from factor_transformer;
        alter default privileges for role factor_owner
            in schema raw_edgar, raw_fred, raw_ibkr, raw_files
            revoke select, insert, update on tables from factor_loader;

        -- cascade: dbt builds its api views here, and it rebuilds them on its next run
        drop schema api cascade;
        drop schema risk;
        drop schema raw_files;
        drop schema raw_ibkr;
        drop schema raw_fred;
        drop schema raw_edgar;

        reset role;
        revoke usage on schema ops from factor_loader, factor_transformer;
    """)
