"""Which database a command uses, and how URLs are shown and converted."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from factor_engine.core.database import (
    DatabaseNotAvailableError,
    describe_url,
    resolve_database_url,
    sqlalchemy_url,
)
from factor_engine.core.settings import Settings, SettingsError

if TYPE_CHECKING:
    from pathlib import Path


def test_database_url_wins_over_the_embedded_cluster(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {"DATABASE_URL": "postgresql://a@b/c", "FACTOR_ENGINE_HOME": str(tmp_path)}
    )
    assert resolve_database_url(settings) == "postgresql://a@b/c"


def test_without_database_url_a_stopped_embedded_cluster_is_a_clear_error(tmp_path: Path) -> None:
    settings = Settings.from_env({"FACTOR_ENGINE_HOME": str(tmp_path)})
    with pytest.raises(DatabaseNotAvailableError, match="factor-engine db start"):
        resolve_database_url(settings)


def test_passwords_never_reach_messages() -> None:
    assert describe_url("postgresql://me:pw@db.example:6432/prod") == (
        "postgresql://me:***@db.example:6432/prod"
    )
    assert "pw" not in describe_url("host=db user=me password=pw dbname=prod")


def test_sqlalchemy_url_uses_psycopg_3() -> None:
    assert sqlalchemy_url("postgresql://me@h/db?sslmode=disable") == (
        "postgresql+psycopg://me@h/db?sslmode=disable"
    )
    with pytest.raises(DatabaseNotAvailableError, match="postgresql:// URL"):
        sqlalchemy_url("mysql://me@h/db")


@pytest.mark.parametrize("port", ["0", "65536", "five", "-1"])
def test_embedded_port_must_be_a_port(port: str) -> None:
    with pytest.raises(SettingsError, match="FACTOR_ENGINE_DB_PORT"):
        Settings.from_env({"FACTOR_ENGINE_DB_PORT": port})
