"""The bar-file reader: formats, header variants and the checks that quarantine a row."""

from __future__ import annotations

import datetime as dt
import gzip
import io
from pathlib import Path

import polars as pl
import pytest

from factor_engine.loaders.files.parse import BarFileError, parse_bar_file

PRICES = Path(__file__).parents[2] / "fixtures" / "prices"


def test_reads_every_row_of_a_recorded_stooq_style_file() -> None:
    content = gzip.decompress((PRICES / "aapl.us.txt.gz").read_bytes())

    parsed = parse_bar_file("aapl.us.txt", content)

    assert parsed.rejected == []
    assert parsed.bars.height == content.count(b"\n") - 1 == 1980
    first = parsed.bars.row(0, named=True)
    assert first["symbol"] == "AAPL"
    assert first["trade_date"] == dt.date(2010, 1, 4)
    assert first["close_price"] == pytest.approx(27.406)
    assert first["volume"] == 137045797
    assert first["adjusted_close_price"] is None


def test_reads_an_adjusted_close_and_a_symbol_column() -> None:
    content = (
        b"Ticker,Date,Open,High,Low,Close,Adj Close,Volume\n"
        b"msft,2018-01-02,86.13,86.31,85.50,85.95,80.94,22483800\n"
        b"aapl,2018-01-02 00:00:00,42.54,43.07,42.31,43.06,40.95,102223600\n"
    )

    bars = parse_bar_file("mixed.csv", content).bars

    assert bars["symbol"].to_list() == ["MSFT", "AAPL"]
    assert bars["adjusted_close_price"].to_list() == [80.94, 40.95]
    assert bars["trade_date"].to_list() == [dt.date(2018, 1, 2)] * 2


def test_reads_parquet() -> None:
    frame = pl.DataFrame(
        {
            "date": [dt.date(2018, 1, 2), dt.date(2018, 1, 3)],
            "open": [1.0, 2.0],
            "high": [1.5, 2.5],
            "low": [0.5, 1.5],
            "close": [1.2, 2.2],
            "volume": [100, 200],
        }
    )
    buffer = io.BytesIO()
    frame.write_parquet(buffer)

    bars = parse_bar_file("IBM.parquet", buffer.getvalue()).bars

    assert bars["symbol"].to_list() == ["IBM", "IBM"]
    assert bars["close_price"].to_list() == [1.2, 2.2]
    assert bars["trade_date"].to_list() == [dt.date(2018, 1, 2), dt.date(2018, 1, 3)]


def test_bad_rows_are_rejected_with_their_reason_and_the_rest_kept() -> None:
    content = (
        b"date,open,high,low,close,volume\n"
        b"2018-01-02,1,2,0.5,1.5,100\n"
        b"02/01/2018,1,2,0.5,1.5,100\n"
        b"2018-01-04,1,2,0.5,,100\n"
        b"2018-01-05,1,0.5,2,1.5,100\n"
        b"2018-01-08,1,2,0.5,1.5,-3\n"
        b"2018-01-09,1,2,0.5,1.5,100\n"
    )

    parsed = parse_bar_file("x.csv", content)

    assert parsed.bars["trade_date"].to_list() == [dt.date(2018, 1, 2), dt.date(2018, 1, 9)]
    assert [r.reason for r in parsed.rejected] == [
        "date is missing or not YYYY-MM-DD",
        "close is missing or not positive",
        "low is above high",
        "volume is negative",
    ]
    assert parsed.rejected[0].record_key == "x.csv X 02/01/2018"
    assert '"close_price": null' in parsed.rejected[1].record


def test_a_date_twice_lands_once_when_identical_and_not_at_all_when_it_differs() -> None:
    content = (
        b"date,open,high,low,close,volume\n"
        b"2018-01-02,1,2,0.5,1.5,100\n"
        b"2018-01-02,1,2,0.5,1.5,100\n"
        b"2018-01-03,1,2,0.5,1.5,100\n"
        b"2018-01-03,1,2,0.5,1.6,100\n"
    )

    parsed = parse_bar_file("x.csv", content)

    assert parsed.bars["trade_date"].to_list() == [dt.date(2018, 1, 2)]
    assert {r.reason for r in parsed.rejected} == {"date appears twice with different values"}
    assert len(parsed.rejected) == 2


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("x.csv", b"day,price\n2018-01-02,1\n", "x.csv: no date or close column"),
        ("x.parquet", b"not parquet at all", "x.parquet: not a readable CSV or Parquet file"),
    ],
)
def test_a_file_it_cannot_read_is_refused_whole(name: str, content: bytes, message: str) -> None:
    with pytest.raises(BarFileError, match=message):
        parse_bar_file(name, content)
