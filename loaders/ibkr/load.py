"""Land IBKR contract details in `raw_ibkr.contracts` and daily bars in `raw_ibkr.daily_bars`.

Per symbol: its contract details, then TRADES bars from the last landed session on (the whole
`years` the first time) and ADJUSTED_LAST bars over the whole `years` every time, because IB
re-adjusts that history after each split or dividend (it also refuses an end date for them).
A bar landed before is updated only when IB now says something else (the last session may have
been partial). Each symbol's bar type lands in one transaction, so a run cut short resumes
where it stopped.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import psycopg
from psycopg import sql

from factor_engine.loaders._landing import land_frame
from factor_engine.loaders._progress import progress_bar
from factor_engine.loaders._runlog import LoadRun, LoadSummary, load_session
from factor_engine.loaders.ibkr.client import IbkrError
from factor_engine.loaders.ibkr.parse import BAR_TYPES, bars_frame, contracts_frame, duration_since

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Iterable

    from factor_engine.loaders.ibkr.client import IbkrGateway

__all__ = ["AmbiguousSymbolError", "load_symbols"]

log = logging.getLogger(__name__)

_BARS_CHANGED = sql.SQL(
    "(ib_con_id, what_to_show, trade_date) do update set"
    " open_price = excluded.open_price, high_price = excluded.high_price,"
    " low_price = excluded.low_price, close_price = excluded.close_price,"
    " volume = excluded.volume, average_price = excluded.average_price,"
    " count_trades = excluded.count_trades, load_id = excluded.load_id, loaded_at = now()"
    " where (daily_bars.open_price, daily_bars.high_price, daily_bars.low_price,"
    " daily_bars.close_price, daily_bars.volume, daily_bars.average_price,"
    " daily_bars.count_trades) is distinct from (excluded.open_price, excluded.high_price,"
    " excluded.low_price, excluded.close_price, excluded.volume, excluded.average_price,"
    " excluded.count_trades)"
)


class AmbiguousSymbolError(IbkrError):
    """IB knows several US stocks by this symbol."""


def load_symbols(
    database_url: str,
    gateway: IbkrGateway,
    symbols: Iterable[str],
    *,
    years: int,
    show_progress: bool = True,
) -> LoadSummary:
    """Land each symbol's contract and bars; a symbol IB refuses is quarantined, others go on."""
    wanted = list(dict.fromkeys(symbol.strip().upper() for symbol in symbols))
    arguments = {"symbols": wanted, "years": years}
    with load_session(database_url, "ibkr", arguments, unit="symbols") as (
        run,
        connection,
        summary,
    ):
        today = gateway.current_date()
        for symbol in progress_bar(wanted, "IBKR symbols", enabled=show_progress):
            try:
                _land_symbol(connection, gateway, run, summary, symbol, today, years)
                summary.count_documents_landed += 1
            except IbkrError as error:
                run.give_up(summary, symbol, "could not load the symbol", error)
    return summary


def _land_symbol(
    connection: psycopg.Connection[Any],
    gateway: IbkrGateway,
    run: LoadRun,
    summary: LoadSummary,
    symbol: str,
    today: dt.date,
    years: int,
) -> None:
    details = [d for d in gateway.contract_details(symbol) if d["symbol"] == symbol]
    if len(details) != 1:
        names = ", ".join(f"{d['ib_con_id']} on {d['primary_exchange']}" for d in details)
        raise AmbiguousSymbolError(0, f"{len(details)} US stocks are called {symbol}: {names}")
    con_id = int(details[0]["ib_con_id"])
    with connection.transaction():
        land_frame(connection, "raw_ibkr.contracts", contracts_frame(details), load_id=run.load_id)
    for what_to_show in BAR_TYPES:
        last = _last_landed(connection, con_id, what_to_show) if what_to_show == "TRADES" else None
        bars = gateway.daily_bars(con_id, duration_since(last, today, years), what_to_show)
        frame, rejected = bars_frame(symbol, con_id, what_to_show, bars)
        with connection.transaction():
            landed = land_frame(
                connection,
                "raw_ibkr.daily_bars",
                frame,
                load_id=run.load_id,
                on_conflict=_BARS_CHANGED,
            )
        run.quarantine(rejected)
        summary.count_rows_seen += len(bars)
        summary.count_rows_landed += landed
        summary.count_rows_quarantined += len(rejected)
        log.info("ibkr: %s %s: %d bars, %d new or changed", symbol, what_to_show, len(bars), landed)


def _last_landed(
    connection: psycopg.Connection[Any], con_id: int, what_to_show: str
) -> dt.date | None:
    row = connection.execute(
        "select max(trade_date) from raw_ibkr.daily_bars"
        " where ib_con_id = %s and what_to_show = %s",
        (con_id, what_to_show),
    ).fetchone()
    return row[0] if row else None
