"""Which database a command talks to, and how to connect to it.

One rule (DESIGN §9): `DATABASE_URL` when it is set, otherwise the embedded cluster, which must be
running (`factor-engine db start`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from factor_engine.core.embedded import EmbeddedCluster
from factor_engine.core.errors import DatabaseNotAvailableError

if TYPE_CHECKING:
    from factor_engine.core.settings import Settings

__all__ = [
    "DatabaseNotAvailableError",
    "connect",
    "describe_url",
    "resolve_database_url",
    "sqlalchemy_url",
]

_CONNECT_TIMEOUT_SECONDS = 10


def resolve_database_url(settings: Settings) -> str:
    """`DATABASE_URL`, or the embedded cluster's URL when it is running."""
    if settings.database_url:
        return settings.database_url
    status = EmbeddedCluster.from_settings(settings).status()
    if not status.is_running:
        raise DatabaseNotAvailableError(
            "DATABASE_URL is not set and the embedded database is not running: "
            "start it with `factor-engine db start`, or set DATABASE_URL to a PostgreSQL server"
        )
    return status.url


def connect(url: str, **kwargs: Any) -> psycopg.Connection[Any]:
    """Open a psycopg connection with a connect timeout and a clear error when it fails."""
    kwargs.setdefault("connect_timeout", _CONNECT_TIMEOUT_SECONDS)
    try:
        return psycopg.connect(url, **kwargs)
    except psycopg.OperationalError as error:
        raise DatabaseNotAvailableError(
            f"cannot connect to {describe_url(url)}: {str(error).strip()}"
        ) from error


def sqlalchemy_url(url: str) -> str:
    """The same URL for SQLAlchemy (alembic) with the psycopg 3 driver."""
    scheme, _, rest = url.partition("://")
    if scheme not in {"postgres", "postgresql", "postgresql+psycopg"}:
        raise DatabaseNotAvailableError(
            f"DATABASE_URL must be a postgresql:// URL, not {describe_url(url)}"
        )
    return f"postgresql+psycopg://{rest}"


def describe_url(url: str) -> str:
    """The URL with any password masked, fit for logs and error messages."""
    try:
        params = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "<an unparsable database URL>"
    if "password" in params:
        params["password"] = "***"
    if "://" not in url:
        return make_conninfo("", **params)
    user = params.get("user")
    password = ":***" if "password" in params else ""
    auth = f"{user}{password}@" if user else ""
    port = f":{params['port']}" if params.get("port") else ""
    return f"postgresql://{auth}{params.get('host', '')}{port}/{params.get('dbname', '')}"
