"""A throwaway, migrated database for one benchmark run."""

from __future__ import annotations

import os
import uuid
from contextlib import contextmanager
from typing import TYPE_CHECKING

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

from factor_engine.core.migrate import migrate

if TYPE_CHECKING:
    from collections.abc import Iterator


@contextmanager
def throwaway_database(prefix: str, *, keep: bool = False) -> Iterator[str]:
    """Create `<prefix>_<random>` on DATABASE_URL's server (default 127.0.0.1:5432), migrate it,
    yield its URL, and drop it afterwards unless `keep`."""
    server = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    try:
        migrate(url)
        yield url
    finally:
        if not keep:
            with psycopg.connect(server, autocommit=True) as admin:
                admin.execute(
                    sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name))
                )
