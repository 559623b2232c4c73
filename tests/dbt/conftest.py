"""Databases holding the bundled sample data, landed by the real loaders and built by dbt."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from databases import throwaway_database

from factor_engine.core.demo import run_demo

if TYPE_CHECKING:
    from collections.abc import Iterator


@pytest.fixture(scope="session")
def demo_database_url(server_url: str) -> Iterator[str]:
    """`factor-engine demo` once per session: migrated, sample data landed, factor core built."""
    with throwaway_database(server_url, "demo") as url:
        run_demo(url, show_progress=False)
        yield url
