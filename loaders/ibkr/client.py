"""The TWS API side of the IBKR loader: the only module that imports the client library.

ib_async (the maintained fork of ib_insync, ADR 0007) does the wire protocol; this module adds
what a loader needs around it: a read-only connection that skips the trading start-up
requests, pacing of historical requests, retries after IB's pacing violations, reconnection
after a dropped connection, and IB's errors turned into one exception with code and text.

Pacing (METHODOLOGY §3.3): IB's hard limits apply to bars of 30 seconds or less (≤ 60
historical requests per 10 minutes); daily bars are only softly throttled, so the loader keeps
to one historical request a second by default and, should IB still answer 162 "pacing
violation", waits (a minute, then longer) and asks again.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ib_async import IB, Contract, Stock
from ib_async.ib import StartupFetch
from ib_async.wrapper import RequestError
from pyrate_limiter import Duration, Limiter, Rate

from factor_engine.loaders.errors import IbkrConnectionError

if TYPE_CHECKING:
    from factor_engine.core.settings import Settings

__all__ = ["IbkrConnectionError", "IbkrError", "IbkrGateway", "IbkrPacing", "ibkr_gateway"]

log = logging.getLogger(__name__)

_NO_DATA = "HMDS query returned no data"
_PACING = "pacing violation"


class IbkrError(RuntimeError):
    """IB refused a request: its error code and message."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"IB error {code}: {message}")
        self.code = code


@dataclass(frozen=True)
class IbkrPacing:
    """How hard the loader pushes the gateway, and how long it keeps trying."""

    historical_requests_per_minute: int = 60
    pacing_wait_seconds: float = 60.0
    max_attempts: int = 4
    connect_timeout_seconds: float = 10.0
    request_timeout_seconds: float = 120.0


class IbkrGateway:
    """A read-only API session with IB Gateway or TWS."""

    def __init__(self, host: str, port: int, client_id: int, pacing: IbkrPacing) -> None:
        self.host, self.port, self.client_id = host, port, client_id
        self.pacing = pacing
        self._ib = IB()
        self._ib.RaiseRequestErrors = True  # a refused request raises instead of returning []
        self._contracts: dict[int, Contract] = {}
        self._limiter = Limiter(Rate(pacing.historical_requests_per_minute, Duration.MINUTE))

    def connect(self) -> IbkrGateway:
        try:
            self._ib.connect(
                self.host,
                self.port,
                clientId=self.client_id,
                timeout=self.pacing.connect_timeout_seconds,
                readonly=True,
                fetchFields=StartupFetch(0),  # no orders, executions or account updates
            )
        except (OSError, TimeoutError) as error:
            raise IbkrConnectionError(
                f"could not connect to IB Gateway/TWS at {self.host}:{self.port} "
                f"(IB_HOST, IB_PORT) as client {self.client_id} (IB_CLIENT_ID): "
                f"{type(error).__name__}: {error}. Is it running, with the API enabled?"
            ) from error
        return self

    def close(self) -> None:
        self._ib.disconnect()

    def current_date(self) -> dt.date:
        """The gateway's date (UTC): bars are asked relative to its clock, not ours."""
        now: dt.datetime = self._call(lambda: self._ib.reqCurrentTime())
        return now.astimezone(dt.UTC).date()

    def contract_details(self, symbol: str) -> list[dict[str, Any]]:
        """IB's details of a US stock symbol routed through SMART, as plain dicts."""
        found = self._call(lambda: self._ib.reqContractDetails(Stock(symbol, "SMART", "USD")))
        details = []
        for item in found:
            contract = item.contract
            if contract is None:
                continue
            self._contracts[contract.conId] = contract
            details.append(
                {
                    "ib_con_id": contract.conId,
                    "symbol": contract.symbol,
                    "security_type": contract.secType,
                    "primary_exchange": contract.primaryExchange or None,
                    "exchange": contract.exchange or None,
                    "currency": contract.currency,
                    "local_symbol": contract.localSymbol or None,
                    "trading_class": contract.tradingClass or None,
                    "long_name": item.longName or None,
                    "industry": item.industry or None,
                    "category": item.category or None,
                    "subcategory": item.subcategory or None,
                    "stock_type": item.stockType or None,
                    "time_zone_id": item.timeZoneId or None,
                    "min_tick": item.minTick,
                    "valid_exchanges": item.validExchanges or None,
                    "security_ids": {tag.tag: tag.value for tag in item.secIdList or []},
                }
            )
        return details

    def daily_bars(self, con_id: int, duration: str, what_to_show: str) -> list[dict[str, Any]]:
        """Daily bars up to now over `duration` ("5 Y", "30 D"); [] when IB has none."""
        contract = self._contracts.get(con_id) or Contract(conId=con_id, exchange="SMART")

        def request() -> list[Any]:
            self._limiter.try_acquire("historical")
            return list(
                self._ib.reqHistoricalData(
                    contract,
                    endDateTime="",
                    durationStr=duration,
                    barSizeSetting="1 day",
                    whatToShow=what_to_show,
                    useRTH=True,
                    formatDate=1,
                    timeout=self.pacing.request_timeout_seconds,
                )
            )

        try:
            bars = self._call(request)
        except IbkrError as error:
            if error.code == 162 and _NO_DATA in str(error):
                return []
            raise
        return [
            {
                "trade_date": bar.date,
                "open_price": bar.open,
                "high_price": bar.high,
                "low_price": bar.low,
                "close_price": bar.close,
                "volume": bar.volume,
                "average_price": bar.average,
                "count_trades": bar.barCount,
            }
            for bar in bars
        ]

    def _call(self, request: Any) -> Any:
        """Run a request: wait out pacing violations, reconnect after a dropped connection."""
        for attempt in range(1, self.pacing.max_attempts + 1):
            last = attempt == self.pacing.max_attempts
            try:
                if not self._ib.isConnected():
                    self.connect()
                return request()
            except RequestError as error:
                if not (error.code == 162 and _PACING in error.message) or last:
                    raise IbkrError(error.code, error.message) from error
                wait = self.pacing.pacing_wait_seconds * attempt
                log.warning("ibkr: pacing violation; waiting %.0f s (attempt %d)", wait, attempt)
                time.sleep(wait)
            except ConnectionError as error:
                if last:
                    raise IbkrConnectionError(
                        f"the connection to IB Gateway/TWS at {self.host}:{self.port} kept "
                        f"dropping ({error}); gave up after {attempt} attempts"
                    ) from error
                log.warning("ibkr: connection lost (%s); reconnecting (attempt %d)", error, attempt)
                self._ib.disconnect()
        raise AssertionError("unreachable")


def ibkr_gateway(settings: Settings, pacing: IbkrPacing | None = None) -> IbkrGateway:
    """A connected gateway session from IB_HOST, IB_PORT and IB_CLIENT_ID."""
    return IbkrGateway(
        settings.ib_host, settings.ib_port, settings.ib_client_id, pacing or IbkrPacing()
    ).connect()
