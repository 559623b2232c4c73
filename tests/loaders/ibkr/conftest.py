"""IBKR fixtures: a loopback gateway speaking the TWS wire protocol, and a session with it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from tws_gateway import TwsGateway

from factor_engine.loaders.ibkr.client import IbkrGateway, IbkrPacing

if TYPE_CHECKING:
    from collections.abc import Iterator

# Fast pacing so fault tests take seconds; the real defaults are IbkrPacing().
TEST_PACING = IbkrPacing(
    historical_requests_per_minute=6000,
    pacing_wait_seconds=0.05,
    max_attempts=4,
    connect_timeout_seconds=5,
    request_timeout_seconds=10,
)


@pytest.fixture
def tws() -> Iterator[TwsGateway]:
    server = TwsGateway().start()
    yield server
    server.stop()


@pytest.fixture
def gateway(tws: TwsGateway) -> Iterator[IbkrGateway]:
    session = IbkrGateway("127.0.0.1", tws.port, 17, TEST_PACING).connect()
    yield session
    session.close()
