"""create roles

Revision ID: 5d764d208c70
Revises:
Create Date: 2026-11-24 01:25:52.070367

Why: the database serves four kinds of client with different rights (DESIGN §4): the owner of
every object, the loaders, dbt and the risk jobs, and read-only clients. They are nologin group
roles; real logins are granted into them. Roles are cluster-wide, so they are created only when
missing, and on downgrade each is dropped only when no other database on the cluster still uses
it. `drop owned by` is never used here: it would also revoke what the roles hold in other
databases. The invoking user becomes a member of `factor_owner`, so later revisions can
`set local role factor_owner` and everything they create belongs to that role. The only
database-level grant (CREATE for dbt's schemas) tolerates PGlite, which cannot change database
ACLs; schemas are created by the invoking user with `authorization factor_owner` instead.
"""

from __future__ import annotations

from alembic import op

revision: str = "5d764d208c70"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.execute("""
        do $$
        declare
            role_name text;
        begin
            foreach role_name in array array[
                'factor_owner', 'factor_loader', 'factor_transformer', 'factor_reader'
            ] loop
                if not exists (select from pg_catalog.pg_roles where rolname = role_name) then
                    execute format('create role %I nologin', role_name);
                end if;
            end loop;
            if current_user <> 'factor_owner' then
                execute format('grant factor_owner to %I', current_user);
            end if;
            -- dbt creates its schemas (staging, marts, ...) when it runs as factor_transformer.
            -- CONNECT and TEMPORARY come with PUBLIC's defaults.
            begin
                execute format(
                    'grant create on database %I to factor_transformer', current_database()
                );
            exception when internal_error then
                -- PGlite (the TimescaleDB test server) cannot update pg_database in place
                raise warning 'could not grant create on database % to factor_transformer: %',
                    current_database(), sqlerrm;
            end;
        end
        $$;

        comment on role factor_owner is
            'factor-engine: owns every object the migrations create (nologin group role)';
        comment on role factor_loader is
            'factor-engine: loaders; insert into raw_* and the run log (nologin group role)';
        comment on role factor_transformer is
            'factor-engine: dbt and risk jobs; read raw_*, build staging to marts, api views';
        comment on role factor_reader is
            'factor-engine: read-only clients; the api schema only (nologin group role)';

        -- alembic writes its version row while later revisions run as factor_owner
        grant usage, create on schema ops to factor_owner;
        grant select, insert, update, delete on ops.alembic_version to factor_owner;
    """)


def downgrade() -> None:
    op.execute("""
        reset role;

        revoke select, insert, update, delete on ops.alembic_version from factor_owner;
        revoke usage, create on schema ops from factor_owner;

        do $$
        declare
            role_name text;
        begin
            begin
                execute format(
                    'revoke create on database %I from factor_transformer', current_database()
                );
            exception when internal_error then
                raise warning 'could not revoke create on database % from factor_transformer: %',
                    current_database(), sqlerrm;
            end;
            foreach role_name in array array[
                'factor_reader', 'factor_transformer', 'factor_loader', 'factor_owner'
            ] loop
                begin
                    execute format('drop role if exists %I', role_name);
                exception when dependent_objects_still_exist then
                    raise notice 'role % kept: another database on this cluster still uses it',
                        role_name;
                end;
            end loop;
        end
        $$;
    """)
