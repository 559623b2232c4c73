"""The IBKR loader end to end: ib_async against a loopback gateway speaking the TWS protocol,
real PostgreSQL, real COPY. Bars replay the recorded daily files of tests/fixtures/prices."""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any

import psycopg
import pytest
from click.testing import CliRunner
from tws_gateway import Bar

from factor_engine.core.cli import main
from factor_engine.loaders.ibkr.load import load_symbols

if TYPE_CHECKING:
    from tws_gateway import TwsGateway

    from factor_engine.loaders.ibkr.client import IbkrGateway

pytestmark = pytest.mark.db

SYMBOLS = ["AAPL", "MSFT"]


def query(url: str, sql: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(url) as connection:
        return connection.execute(sql).fetchall()


def bars_in_window(tws: TwsGateway, symbol: str, first_excluded: dt.date) -> int:
    return sum(first_excluded < b.date <= tws.state.today for b in tws.state.bars[symbol])


def test_lands_contracts_and_both_bar_types_once(
    migrated_database_url: str, gateway: IbkrGateway, tws: TwsGateway
) -> None:
    first = load_symbols(migrated_database_url, gateway, SYMBOLS, years=3, show_progress=False)
    again = load_symbols(migrated_database_url, gateway, SYMBOLS, years=3, show_progress=False)

    assert first.succeeded, first.failures
    expected = {s: bars_in_window(tws, s, dt.date(2014, 11, 10)) for s in SYMBOLS}
    assert expected == {"AAPL": 757, "MSFT": 757}
    assert query(
        migrated_database_url,
        "select c.symbol, b.what_to_show, count(*), max(b.trade_date)::text"
        " from raw_ibkr.daily_bars b join raw_ibkr.contracts c using (ib_con_id)"
        " group by 1, 2 order by 1, 2",
    ) == [
        ("AAPL", "ADJUSTED_LAST", 757, "2017-11-10"),
        ("AAPL", "TRADES", 757, "2017-11-10"),
        ("MSFT", "ADJUSTED_LAST", 757, "2017-11-10"),
        ("MSFT", "TRADES", 757, "2017-11-10"),
    ]
    assert first.count_rows_landed == 4 * 757
    assert again.count_rows_landed == 0
    contract = query(
        migrated_database_url,
        "select ib_con_id, primary_exchange, industry, category, security_ids"
        " from raw_ibkr.contracts where symbol = 'AAPL'",
    )
    assert contract == [(265598, "NASDAQ", "Technology", "Computers", {"ISIN": "US0378331005"})]
    # The second run asked TRADES only from the last landed session on.
    trades = [r.duration for r in tws.state.historical_requests if r.what_to_show == "TRADES"]
    assert trades == ["3 Y", "3 Y", "1 D", "1 D"]
    bar = query(
        migrated_database_url,
        "select open_price, close_price, volume, average_price, count_trades"
        " from raw_ibkr.daily_bars where trade_date = '2017-11-10' and ib_con_id = 265598"
        " and what_to_show = 'TRADES'",
    )
    assert bar == [(175.11, 174.67, 25130494.0, None, None)]


def test_a_later_run_resumes_from_the_last_landed_session(
    migrated_database_url: str, gateway: IbkrGateway, tws: TwsGateway
) -> None:
    tws.state.today = dt.date(2017, 6, 30)
    load_symbols(migrated_database_url, gateway, ["AAPL"], years=1, show_progress=False)
    tws.state.today = dt.date(2017, 11, 10)

    later = load_symbols(migrated_database_url, gateway, ["AAPL"], years=1, show_progress=False)

    new_sessions = bars_in_window(tws, "AAPL", dt.date(2017, 6, 30))
    assert tws.state.historical_requests[-2].duration == "134 D"
    assert later.count_rows_landed == 2 * new_sessions  # TRADES resumed; ADJUSTED_LAST re-asked
    assert query(
        migrated_database_url,
        "select count(*) from raw_ibkr.daily_bars where what_to_show = 'TRADES'",
    ) == [(bars_in_window(tws, "AAPL", dt.date(2016, 6, 30)),)]


def test_a_re_adjustment_updates_adjusted_bars_and_leaves_trades(
    migrated_database_url: str, gateway: IbkrGateway, tws: TwsGateway
) -> None:
    load_symbols(migrated_database_url, gateway, ["MSFT"], years=1, show_progress=False)
    tws.state.adjustment = 0.5  # say, a 2-for-1 split re-adjusts the whole history

    after = load_symbols(migrated_database_url, gateway, ["MSFT"], years=1, show_progress=False)

    assert after.count_rows_landed == bars_in_window(tws, "MSFT", dt.date(2016, 11, 10))
    assert query(
        migrated_database_url,
        "select what_to_show, close_price from raw_ibkr.daily_bars"
        " where trade_date = '2017-11-10' order by 1",
    ) == [("ADJUSTED_LAST", 83.87 * 0.5), ("TRADES", 83.87)]


def test_pacing_violations_are_waited_out(
    migrated_database_url: str, gateway: IbkrGateway, tws: TwsGateway
) -> None:
    tws.state.pacing_violations = 2

    summary = load_symbols(migrated_database_url, gateway, ["AAPL"], years=1, show_progress=False)

    assert summary.succeeded, summary.failures
    assert len(tws.state.historical_requests) == 4  # TRADES asked 3 times, ADJUSTED_LAST once
    assert summary.count_rows_landed == 2 * bars_in_window(tws, "AAPL", dt.date(2016, 11, 10))


def test_a_dropped_connection_is_reconnected_and_nothing_lands_twice(
    migrated_database_url: str, gateway: IbkrGateway, tws: TwsGateway
) -> None:
    tws.state.drop_on_historical = 1

    summary = load_symbols(migrated_database_url, gateway, SYMBOLS, years=1, show_progress=False)

    assert summary.succeeded, summary.failures
    assert tws.state.connections == 2
    assert query(migrated_database_url, "select count(*) from raw_ibkr.daily_bars") == [
        (sum(2 * bars_in_window(tws, s, dt.date(2016, 11, 10)) for s in SYMBOLS),)
    ]


def test_an_unknown_symbol_is_quarantined_with_ib_s_reason_and_the_rest_lands(
    migrated_database_url: str, gateway: IbkrGateway, tws: TwsGateway
) -> None:
    summary = load_symbols(
        migrated_database_url, gateway, ["ZZZZ", "AAPL"], years=1, show_progress=False
    )

    assert summary.failures == [
        "ZZZZ: IB error 200: No security definition has been found for the request"
    ]
    assert summary.count_documents_landed == 1
    assert query(migrated_database_url, "select record_key, reason from ops.quarantine") == [
        ("ZZZZ", "could not load the symbol: " + summary.failures[0].removeprefix("ZZZZ: "))
    ]


def test_bad_bars_are_quarantined_and_the_rest_lands(
    migrated_database_url: str, gateway: IbkrGateway, tws: TwsGateway
) -> None:
    bars = tws.state.bars["AAPL"]
    last = bars[-1]
    bars[-1] = Bar(last.date, last.open, last.low, last.high, last.close, last.volume)  # swapped

    summary = load_symbols(migrated_database_url, gateway, ["AAPL"], years=1, show_progress=False)

    assert summary.count_rows_quarantined == 2  # the bar, in TRADES and ADJUSTED_LAST
    assert [r[0] for r in query(migrated_database_url, "select reason from ops.quarantine")] == [
        "low is above high",
        "low is above high",
    ]
    record = query(migrated_database_url, "select record from ops.quarantine limit 1")[0][0]
    assert json.loads(record)["trade_date"] == "2017-11-10"


def test_load_ibkr_command_prints_a_summary(migrated_database_url: str, tws: TwsGateway) -> None:
    env = {"DATABASE_URL": migrated_database_url, "IB_PORT": str(tws.port), "IB_CLIENT_ID": "23"}

    result = CliRunner().invoke(
        main, ["load", "ibkr", "--symbol", "AAPL", "--years", "1", "--no-progress"], env=env
    )

    assert result.exit_code == 0, result.output
    n = bars_in_window(tws, "AAPL", dt.date(2016, 11, 10))
    assert (
        f"ibkr load 1 succeeded: 1 symbols landed, 0 unchanged; rows: {2 * n} seen" in result.output
    )


def test_without_a_gateway_the_command_says_what_to_check(
    migrated_database_url: str, free_port: int
) -> None:
    env = {"DATABASE_URL": migrated_database_url, "IB_PORT": str(free_port)}

    result = CliRunner().invoke(main, ["load", "ibkr", "--symbol", "AAPL"], env=env)

    assert result.exit_code == 1
    assert f"could not connect to IB Gateway/TWS at 127.0.0.1:{free_port}" in result.output
    assert "Is it running, with the API enabled?" in result.output
