"""EDGAR replay fixtures: a local server holding the recorded documents, and clients for it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from edgar_replay import TEST_POLICY, serve_edgar, settings_for
from replay import ReplayServer

from factor_engine.loaders.edgar.client import EdgarClients, edgar_clients

if TYPE_CHECKING:
    from collections.abc import Iterator

    from pytest_httpserver import HTTPServer


@pytest.fixture
def replay(httpserver: HTTPServer) -> ReplayServer:
    server = ReplayServer(httpserver)
    serve_edgar(server)
    return server


@pytest.fixture
def clients(replay: ReplayServer) -> Iterator[EdgarClients]:
    edgar = edgar_clients(settings_for(replay), policy=TEST_POLICY)
    yield edgar
    edgar.close()
