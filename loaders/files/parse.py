"""Pure reader of daily-bar files: CSV (optionally gzipped) or Parquet, one symbol per file or a
symbol column, into the columns of `raw_files.daily_bars`.

Recognised headers (case-insensitive): a date (`date`, `trade_date`, `timestamp`), `open`,
`high`, `low`, `close`, `volume`, optionally an adjusted close (`adj close`, `adj_close`,
`adjclose`, `adjusted_close`) and a symbol (`symbol`, `ticker`). Without a symbol column the
symbol is the file name up to its first dot, upper-cased (`aapl.us.txt.gz` is AAPL).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import polars as pl

from factor_engine.loaders._records import problem
from factor_engine.loaders._runlog import Rejected

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["BarFile", "BarFileError", "parse_bar_file"]

BAR_COLUMNS = [
    "symbol",
    "trade_date",
    "open_price",
    "high_price",
    "low_price",
    "close_price",
    "adjusted_close_price",
    "volume",
]
_HEADERS = {
    "date": "trade_date",
    "trade_date": "trade_date",
    "timestamp": "trade_date",
    "open": "open_price",
    "high": "high_price",
    "low": "low_price",
    "close": "close_price",
    "volume": "volume",
    "adj close": "adjusted_close_price",
    "adj_close": "adjusted_close_price",
    "adjclose": "adjusted_close_price",
    "adjusted_close": "adjusted_close_price",
    "symbol": "symbol",
    "ticker": "symbol",
}
_REQUIRED = {"trade_date": "date", "close_price": "close"}


class BarFileError(ValueError):
    """The file is not a daily-bar file this loader understands."""


@dataclass(frozen=True)
class BarFile:
    bars: pl.DataFrame
    rejected: list[Rejected] = field(default_factory=list)


def parse_bar_file(name: str, content: bytes) -> BarFile:
    """Bars from one file's bytes; `name` gives the format (.parquet, else CSV) and symbol.

    Examples
    --------
    >>> csv = b"Date,Open,High,Low,Close,Volume\\n2010-01-04,27.3,27.5,27.2,27.4,137045797\\n"
    >>> parse_bar_file("aapl.us.txt", csv).bars.row(0)
    ('AAPL', datetime.date(2010, 1, 4), 27.3, 27.5, 27.2, 27.4, None, 137045797.0)
    """
    frame = _read(name, content)
    renamed = frame.rename(
        {c: _HEADERS[c.strip().lower()] for c in frame.columns if c.strip().lower() in _HEADERS}
    )
    missing = [header for column, header in _REQUIRED.items() if column not in renamed.columns]
    if missing:
        raise BarFileError(
            f"{name}: no {' or '.join(missing)} column (headers: {', '.join(frame.columns)})"
        )
    symbol = name.rsplit("/", 1)[-1].split(".", 1)[0].upper()
    raw = renamed.select(
        [
            pl.col(column).cast(pl.String)
            if column in renamed.columns
            else pl.lit(symbol if column == "symbol" else None, dtype=pl.String).alias(column)
            for column in BAR_COLUMNS
        ]
    )
    typed = raw.with_columns(
        pl.col("symbol").str.strip_chars().str.to_uppercase(),
        pl.col("trade_date").str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False),
        *[pl.col(column).cast(pl.Float64, strict=False) for column in BAR_COLUMNS[2:]],
    )
    reasons = pl.concat_str(
        [
            problem(pl.col("symbol").is_null() | (pl.col("symbol") == ""), "symbol is missing"),
            problem(pl.col("trade_date").is_null(), "date is missing or not YYYY-MM-DD"),
            problem(
                pl.col("close_price").is_null() | (pl.col("close_price") <= 0),
                "close is missing or not positive",
            ),
            problem(pl.col("low_price") > pl.col("high_price"), "low is above high"),
            problem(pl.col("volume") < 0, "volume is negative"),
        ],
        separator="; ",
        ignore_nulls=True,
    )
    checked = typed.with_columns(
        pl.when(reasons == "").then(None).otherwise(reasons).alias("_problem")
    )
    bad = checked["_problem"].is_not_null()
    rejected = [
        Rejected(f"{name} {row['symbol']} {row['trade_date']}", reason, row)
        for row, reason in zip(
            raw.filter(bad).iter_rows(named=True), checked["_problem"].filter(bad), strict=True
        )
    ]
    good = checked.filter(~bad).select(BAR_COLUMNS)
    # A date twice in one file: identical rows are one bar; differing ones are rejected.
    distinct = good.unique(maintain_order=True)
    repeated = distinct.filter(pl.struct("symbol", "trade_date").is_duplicated())
    rejected += [
        Rejected(
            f"{name} {row['symbol']} {row['trade_date']}",
            "date appears twice with different values",
            {k: str(v) for k, v in row.items()},
        )
        for row in repeated.iter_rows(named=True)
    ]
    return BarFile(distinct.filter(~pl.struct("symbol", "trade_date").is_duplicated()), rejected)


def _read(name: str, content: bytes) -> pl.DataFrame:
    try:
        if name.endswith(".parquet"):
            return pl.read_parquet(io.BytesIO(content))
        return pl.read_csv(io.BytesIO(content), infer_schema=False)
    except (pl.exceptions.PolarsError, OSError) as error:
        raise BarFileError(f"{name}: not a readable CSV or Parquet file: {error}") from error


def display_name(path: Path) -> str:
    """How a file is named in keys and messages: its folder and name."""
    return f"{path.parent.name}/{path.name}"
