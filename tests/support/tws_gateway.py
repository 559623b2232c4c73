"""A small IB gateway on loopback that speaks the TWS API wire protocol (server version 176).

The real client library (ib_async) connects to it exactly as to IB Gateway: the `API\\0`
handshake with version negotiation, `startApi`, then length-prefixed messages of NUL-separated
fields. It answers what the IBKR loader asks: current time, positions (empty), contract
details and historical daily bars, plus IB's error messages (200: no such contract, 162: a
pacing violation) and, on demand, a dropped connection.

Bars come from the recorded daily OHLCV files in `tests/fixtures/prices/` (IB market data may
not be redistributed, so no recording in IB's own schema exists; these files stand in for it,
for TRADES and ADJUSTED_LAST alike); `average` and `barCount`, which the files lack, are sent as
-1, as IB does when it has no value. Contract details are written by hand in the fields IB
returns (`tests/fixtures/ibkr/contracts.json`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gzip
import json
import socket
import socketserver
import struct
import threading
from dataclasses import dataclass, field
from pathlib import Path

FIXTURES = Path(__file__).parents[1] / "fixtures"
SERVER_VERSION = 176
ACCOUNT = "DU0000001"

# Incoming message ids (client -> gateway) and outgoing ones (gateway -> client).
REQ_CONTRACT_DETAILS, REQ_HISTORICAL_DATA, CANCEL_HISTORICAL_DATA = 9, 20, 25
REQ_CURRENT_TIME, REQ_POSITIONS, START_API = 49, 61, 71
ERROR, NEXT_VALID_ID, CONTRACT_DATA, MANAGED_ACCOUNTS, HISTORICAL_DATA = 4, 9, 10, 15, 17
CURRENT_TIME, CONTRACT_DATA_END, POSITION_END = 49, 52, 62


@dataclass(frozen=True)
class Bar:
    date: dt.date
    open: str
    high: str
    low: str
    close: str
    volume: str


@dataclass
class HistoricalRequest:
    symbol: str
    end: str
    duration: str
    bar_size: str
    what_to_show: str
    use_rth: str


@dataclass
class GatewayState:
    """What the gateway knows and does; tests change it between runs."""

    today: dt.date
    contracts: dict[str, dict[str, object]]
    bars: dict[str, list[Bar]]
    adjustment: float = 1.0  # ADJUSTED_LAST prices = file prices x this (a split re-adjusts)
    pacing_violations: int = 0  # the next N historical requests are refused for pacing
    drop_on_historical: int = 0  # the next N historical requests drop the connection instead
    historical_requests: list[HistoricalRequest] = field(default_factory=list)
    connections: int = 0


class TwsGateway:
    """Start with `start()`; `port` is where clients connect; `stop()` closes everything."""

    def __init__(self, symbols: tuple[str, ...] = ("AAPL", "MSFT")) -> None:
        contracts = json.loads((FIXTURES / "ibkr" / "contracts.json").read_text())
        bars = {symbol: _read_bars(symbol) for symbol in symbols}
        self.state = GatewayState(
            today=max(b[-1].date for b in bars.values()),
            contracts={s: contracts[s] for s in symbols},
            bars=bars,
        )
        self._server = _Server(("127.0.0.1", 0), _Connection)
        self._server.state = self.state
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def start(self) -> TwsGateway:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.close_all()
        self._server.server_close()


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    state: GatewayState

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.open_sockets: set[socket.socket] = set()

    def close_all(self) -> None:
        for sock in list(self.open_sockets):
            _close(sock)


class _Connection(socketserver.BaseRequestHandler):
    server: _Server

    def handle(self) -> None:
        sock: socket.socket = self.request
        self.server.open_sockets.add(sock)
        self.state = self.server.state
        self.state.connections += 1
        self.buffer = b""
        try:
            if self._receive_exact(4) != b"API\0":
                return
            self._read_message()  # "v157..178": any range reaching 176 is fine here
            self._send(str(SERVER_VERSION), dt.datetime.now(dt.UTC).strftime("%Y%m%d %H:%M:%S UTC"))
            while True:
                fields = self._read_message()
                if fields is None or not self._answer(fields):
                    return
        except OSError:
            return
        finally:
            self.server.open_sockets.discard(sock)
            _close(sock)

    # -- protocol -------------------------------------------------------------------------

    def _answer(self, fields: list[str]) -> bool:
        """Reply to one message; False drops the connection."""
        message_id = int(fields[0])
        if message_id == START_API:
            self._send(NEXT_VALID_ID, 1, 1)
            self._send(MANAGED_ACCOUNTS, 1, ACCOUNT)
        elif message_id == REQ_POSITIONS:
            self._send(POSITION_END, 1)
        elif message_id == REQ_CURRENT_TIME:
            noon = dt.datetime.combine(self.state.today, dt.time(21, 0), dt.UTC)
            self._send(CURRENT_TIME, 1, int(noon.timestamp()))
        elif message_id == REQ_CONTRACT_DETAILS:
            self._contract_details(fields)
        elif message_id == REQ_HISTORICAL_DATA:
            return self._historical_data(fields)
        return True

    def _contract_details(self, fields: list[str]) -> None:
        # 9, version, reqId, conId, symbol, secType, lastTrade, strike, right, multiplier,
        # exchange, primaryExchange, currency, localSymbol, tradingClass, includeExpired, ...
        request_id, symbol = fields[2], fields[4]
        contract = self.state.contracts.get(symbol)
        if contract is None:
            self._error(request_id, 200, "No security definition has been found for the request")
            return
        ids = contract["secIdList"]
        assert isinstance(ids, dict)
        self._send(
            CONTRACT_DATA, request_id, contract["symbol"], contract["secType"], "", "0", "",
            contract["exchange"], contract["currency"], contract["localSymbol"],
            contract["marketName"], contract["tradingClass"], contract["conId"],
            contract["minTick"], "", "ACTIVETIM,AD,ADJUST,ALERT,LMT,MKT",
            contract["validExchanges"], "1", "0", contract["longName"],
            contract["primaryExchange"], "", contract["industry"], contract["category"],
            contract["subcategory"], contract["timeZoneId"], "", "", "", "", len(ids),
            *[part for tag, value in ids.items() for part in (tag, value)],
            "1", "", "", "26,14,13", "", contract["stockType"], "0.0001", "0.0001", "100",
        )  # fmt: skip
        self._send(CONTRACT_DATA_END, 1, request_id)

    def _historical_data(self, fields: list[str]) -> bool:
        # 20, reqId, conId, symbol, secType, lastTrade, strike, right, multiplier, exchange,
        # primaryExchange, currency, localSymbol, tradingClass, includeExpired, endDateTime,
        # barSize, duration, useRTH, whatToShow, formatDate, keepUpToDate, chartOptions
        request_id, symbol = fields[1], fields[3]
        end, bar_size, duration, use_rth, what_to_show = fields[15:20]
        self.state.historical_requests.append(
            HistoricalRequest(symbol, end, duration, bar_size, what_to_show, use_rth)
        )
        if self.state.drop_on_historical:
            self.state.drop_on_historical -= 1
            return False
        if self.state.pacing_violations:
            self.state.pacing_violations -= 1
            self._error(
                request_id, 162, "Historical Market Data Service error message:"
                "Historical data request pacing violation"
            )  # fmt: skip
            return True
        if what_to_show == "ADJUSTED_LAST" and end:
            self._error(request_id, 10141, "Adjusted last data requires an empty end date")
            return True
        first = _window_start(self.state.today, duration)
        bars = [b for b in self.state.bars.get(symbol, []) if first < b.date <= self.state.today]
        if not bars:
            self._error(
                request_id, 162, "Historical Market Data Service error message:"
                "HMDS query returned no data"
            )  # fmt: skip
            return True
        self._send(
            HISTORICAL_DATA, request_id,
            bars[0].date.strftime("%Y%m%d"), self.state.today.strftime("%Y%m%d"), len(bars),
            *[
                part
                for b in bars
                for part in (b.date.strftime("%Y%m%d"), *self._prices(b, what_to_show),
                             b.volume, "-1", "-1")
            ],
        )  # fmt: skip
        return True

    def _prices(self, bar: Bar, what_to_show: str) -> list[str]:
        prices = [bar.open, bar.high, bar.low, bar.close]
        if what_to_show != "ADJUSTED_LAST" or self.state.adjustment == 1.0:
            return prices
        return [repr(float(price) * self.state.adjustment) for price in prices]

    def _error(self, request_id: str | int, code: int, message: str) -> None:
        self._send(ERROR, 2, request_id, code, message, "")

    # -- framing ----------------------------------------------------------------------------

    def _send(self, *fields: object) -> None:
        payload = b"".join(str(f).encode() + b"\0" for f in fields)
        self.request.sendall(struct.pack(">I", len(payload)) + payload)

    def _read_message(self) -> list[str] | None:
        header = self._receive_exact(4)
        if header is None:
            return None
        body = self._receive_exact(struct.unpack(">I", header)[0])
        if body is None:
            return None
        return body.decode().split("\0")[:-1]

    def _receive_exact(self, size: int) -> bytes | None:
        while len(self.buffer) < size:
            chunk = self.request.recv(65536)
            if not chunk:
                return None
            self.buffer += chunk
        data, self.buffer = self.buffer[:size], self.buffer[size:]
        return data


def _window_start(today: dt.date, duration: str) -> dt.date:
    """The day before the first bar a `durationStr` such as "3 Y" or "20 D" covers."""
    count, unit = duration.split()
    if unit == "Y":
        return today.replace(year=today.year - int(count))
    if unit == "D":
        return today - dt.timedelta(days=int(count))
    raise ValueError(f"this gateway knows durations in D and Y only, not {duration!r}")


def _read_bars(symbol: str) -> list[Bar]:
    text = gzip.decompress((FIXTURES / "prices" / f"{symbol.lower()}.us.txt.gz").read_bytes())
    bars = []
    for line in text.decode().splitlines()[1:]:
        date, open_, high, low, close, volume, _ = line.split(",")
        bars.append(Bar(dt.date.fromisoformat(date), open_, high, low, close, volume))
    return bars


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()
