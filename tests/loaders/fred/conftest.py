"""FRED replay fixtures: a local FRED API over recorded releases, and a client for it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from fred_replay import TEST_POLICY, FredReplay, settings_for
from replay import ReplayServer

from factor_engine.loaders.fred.client import FredClient, fred_client

if TYPE_CHECKING:
    from collections.abc import Iterator

    from pytest_httpserver import HTTPServer


@pytest.fixture
def replay(httpserver: HTTPServer) -> ReplayServer:
    return ReplayServer(httpserver)


@pytest.fixture
def fred(replay: ReplayServer) -> FredReplay:
    return FredReplay(replay)


@pytest.fixture
def client(fred: FredReplay) -> Iterator[FredClient]:
    fred_api = fred_client(settings_for(fred), policy=TEST_POLICY)
    yield fred_api
    fred_api.close()
