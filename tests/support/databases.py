"""Throwaway databases on the test server: one per session, module or test."""

from __future__ import annotations

import uuid
from contextlib import contextmanager
from typing import TYPE_CHECKING

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["throwaway_database", "url_for_database"]


def url_for_database(
    url: str, database: str, username: str | None = None, password: str | None = None
) -> str:
    """The same server, another database (and optionally another username and password)."""
    target = make_url(url).set(database=database)
    if username is not None:
        target = target.set(username=username, password=password)
    return target.render_as_string(hide_password=False)


@contextmanager
def throwaway_database(server_url: str, purpose: str) -> Iterator[str]:
    """Create an empty database on the server, yield its URL, drop it afterwards."""
    name = f"fe_test_{purpose}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
    try:
        yield url_for_database(server_url, name)
    finally:
        with psycopg.connect(server_url, autocommit=True) as admin:
            admin.execute(
                sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name))
            )
