"""Login roles for tests that check what each group role may do, by really logging in."""

from __future__ import annotations

import uuid

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url


class LoginRoleFactory:
    def __init__(self, database_url: str) -> None:
        self._database_url = database_url
        self._created: list[str] = []

    def __call__(self, group_role: str) -> str:
        """A URL that logs in as a new role that is a member of `group_role`."""
        name = f"fe_test_login_{uuid.uuid4().hex[:8]}"
        password = uuid.uuid4().hex
        with psycopg.connect(self._database_url, autocommit=True) as admin:
            admin.execute(
                sql.SQL("create role {} login password {} in role {}").format(
                    sql.Identifier(name), sql.Literal(password), sql.Identifier(group_role)
                )
            )
        self._created.append(name)
        url = make_url(self._database_url).set(username=name, password=password)
        return url.render_as_string(hide_password=False)

    def drop_all(self) -> None:
        """Drop the logins, and what they created in the test's database (a dbt run's schemas)."""
        with psycopg.connect(self._database_url, autocommit=True) as admin:
            for name in self._created:
                admin.execute(sql.SQL("drop owned by {}").format(sql.Identifier(name)))
                admin.execute(sql.SQL("drop role if exists {}").format(sql.Identifier(name)))
