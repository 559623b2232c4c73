"""Pure shaping of what the gateway returned into the columns of `raw_ibkr.*`."""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import TYPE_CHECKING, Any

import polars as pl

from factor_engine.loaders._records import problem, split_rejected, version_hash
from factor_engine.loaders._runlog import Rejected

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

__all__ = ["BAR_TYPES", "bars_frame", "contracts_frame", "duration_since"]

BAR_TYPES = ("TRADES", "ADJUSTED_LAST")

_CONTRACT_SCHEMA: dict[str, Any] = {
    "ib_con_id": pl.Int64,
    "symbol": pl.String,
    "security_type": pl.String,
    "primary_exchange": pl.String,
    "exchange": pl.String,
    "currency": pl.String,
    "local_symbol": pl.String,
    "trading_class": pl.String,
    "long_name": pl.String,
    "industry": pl.String,
    "category": pl.String,
    "subcategory": pl.String,
    "stock_type": pl.String,
    "time_zone_id": pl.String,
    "min_tick": pl.Float64,
    "valid_exchanges": pl.String,
    "security_ids": pl.String,
    "record_hash": pl.String,
}
_BAR_SCHEMA: dict[str, Any] = {
    "trade_date": pl.Date,
    "open_price": pl.Float64,
    "high_price": pl.Float64,
    "low_price": pl.Float64,
    "close_price": pl.Float64,
    "volume": pl.Float64,
    "average_price": pl.Float64,
    "count_trades": pl.Int64,
}


def contracts_frame(details: Sequence[Mapping[str, Any]]) -> pl.DataFrame:
    """One row per contract version; the hash covers everything IB said about it."""
    rows = []
    for detail in details:
        row = dict(detail) | {"security_ids": json.dumps(detail["security_ids"], sort_keys=True)}
        row["record_hash"] = version_hash(row)
        rows.append(row)
    return pl.DataFrame(rows, schema=_CONTRACT_SCHEMA)


def bars_frame(
    symbol: str, con_id: int, what_to_show: str, bars: Sequence[Mapping[str, Any]]
) -> tuple[pl.DataFrame, list[Rejected]]:
    """The bars as rows of `raw_ibkr.daily_bars`; IB's -1 (no value) becomes NULL, and bars
    that break a price rule are rejected with the reason."""
    frame = pl.DataFrame(list(bars), schema=_BAR_SCHEMA).with_columns(
        pl.when(pl.col("average_price") >= 0).then(pl.col("average_price")),
        pl.when(pl.col("count_trades") >= 0).then(pl.col("count_trades")),
    )
    prices = ["open_price", "high_price", "low_price", "close_price"]
    first_problem = pl.coalesce(
        problem(
            pl.any_horizontal(pl.col(prices).is_null() | ~pl.col(prices).is_finite()),
            "a price is missing",
        ),
        problem(pl.any_horizontal(pl.col(prices) <= 0), "a price is not positive"),
        problem(pl.col("low_price") > pl.col("high_price"), "low is above high"),
        problem(
            pl.col("volume").is_null() | (pl.col("volume") < 0), "volume is missing or negative"
        ),
    )
    checked, rejected = split_rejected(
        frame, first_problem, lambda row: f"{symbol} {con_id} {what_to_show} {row['trade_date']}"
    )
    good = checked.with_columns(
        pl.lit(con_id, dtype=pl.Int64).alias("ib_con_id"),
        pl.lit(what_to_show).alias("what_to_show"),
    )
    return good, rejected


def duration_since(last_landed: dt.date | None, today: dt.date, years: int) -> str:
    """The `durationStr` that reaches back to the last landed bar (included: it may have been
    a partial session), or `years` back when nothing has landed.

    Examples
    --------
    >>> duration_since(None, dt.date(2026, 11, 24), 5)
    '5 Y'
    >>> duration_since(dt.date(2026, 11, 20), dt.date(2026, 11, 24), 5)
    '5 D'
    >>> duration_since(dt.date(2024, 1, 2), dt.date(2026, 11, 24), 5)
    '3 Y'
    """
    if last_landed is None:
        return f"{years} Y"
    days = (today - last_landed).days + 1
    return f"{max(days, 1)} D" if days <= 365 else f"{math.ceil(days / 365)} Y"
