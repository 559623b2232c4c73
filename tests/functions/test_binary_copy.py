"""Binary COPY of a polars frame: what lands is what was sent, value for value."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any
from unittest.mock import patch

import polars as pl
import psycopg
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from factor_engine.functions import binary_copy
from factor_engine.functions.binary_copy import copy_binary

if TYPE_CHECKING:
    from collections.abc import Iterator

pytestmark = pytest.mark.db

# any text PostgreSQL and polars hold: no NUL, no lone surrogate
CHARACTERS = st.characters(exclude_categories=["Cs"], exclude_characters="\x00")

# every column type binary_copy encodes, with values up to each type's limits
COLUMNS: dict[str, tuple[str, pl.DataType, st.SearchStrategy[Any]]] = {
    "on_date": ("date", pl.Date(), st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31))),
    "wide_float": ("double precision", pl.Float64(), st.floats(allow_nan=True)),
    "narrow_float": ("real", pl.Float32(), st.floats(width=32, allow_nan=True)),
    "big": ("bigint", pl.Int64(), st.integers(-(2**63), 2**63 - 1)),
    "medium": ("integer", pl.Int32(), st.integers(-(2**31), 2**31 - 1)),
    "small": ("smallint", pl.Int16(), st.integers(-(2**15), 2**15 - 1)),
    "flag": ("boolean", pl.Boolean(), st.booleans()),
    "code": ("text", pl.String(), st.text(CHARACTERS, max_size=12)),
    "label": ("character varying(40)", pl.String(), st.sampled_from(["", "use4s", "é日本"])),
}


@pytest.fixture(scope="module")
def connection(database_url: str) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(database_url, autocommit=True) as connection:
        definitions = ", ".join(f"{name} {kind}" for name, (kind, _, _) in COLUMNS.items())
        connection.execute(f"create temp table landed (row_number bigint, {definitions})")
        yield connection


@st.composite
def frames(draw: st.DrawFn) -> pl.DataFrame:
    """A frame of some of the columns, in any order, with nulls anywhere."""
    names = draw(st.lists(st.sampled_from(list(COLUMNS)), min_size=1, unique=True))
    height = draw(st.integers(1, 30))
    data = {
        name: pl.Series(
            name,
            draw(st.lists(st.none() | COLUMNS[name][2], min_size=height, max_size=height)),
            dtype=COLUMNS[name][1],
        )
        for name in names
    }
    return pl.DataFrame({"row_number": range(height), **data})


@given(frame=frames())
@settings(max_examples=60, deadline=None)
def test_every_value_lands_as_sent(
    connection: psycopg.Connection[Any], frame: pl.DataFrame
) -> None:
    connection.execute("truncate landed")
    # chunks of 7 rows: a frame of up to 30 crosses several
    with patch.object(binary_copy, "_ROWS_PER_CHUNK", 7):
        assert copy_binary(connection, "landed", frame) == frame.height
    columns = ", ".join(frame.columns)
    rows = connection.execute(f"select {columns} from landed order by row_number").fetchall()
    assert_frame_equal(pl.DataFrame(rows, schema=frame.schema, orient="row"), frame)


def test_values_are_cast_to_the_column_types(connection: psycopg.Connection[Any]) -> None:
    connection.execute("truncate landed")
    frame = pl.DataFrame(
        {
            "row_number": [1],
            "medium": [7],  # Int64 into integer
            "on_date": [dt.datetime(2023, 11, 8)],  # a datetime into date
            "wide_float": [3],  # an integer into double precision
        }
    )
    copy_binary(connection, "landed", frame)
    assert connection.execute("select medium, on_date, wide_float from landed").fetchall() == [
        (7, dt.date(2023, 11, 8), 3.0)
    ]


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (pl.DataFrame({"medium": [2**40]}), "column medium does not fit integer"),
        (pl.DataFrame({"nowhere": [1]}), "the table has no column nowhere"),
        (pl.DataFrame({"remark": ['{"a": 1}']}), "column remark is jsonb, which binary COPY"),
    ],
)
def test_a_frame_the_table_cannot_take_is_refused_by_name(
    connection: psycopg.Connection[Any], frame: pl.DataFrame, message: str
) -> None:
    connection.execute("create temp table if not exists remarks (remark jsonb, medium integer)")
    table = "remarks" if "remark" in frame.columns else "landed"
    with pytest.raises(ValueError, match=f"COPY into {table}: {message}"):
        copy_binary(connection, table, frame)


def test_an_empty_frame_lands_nothing(connection: psycopg.Connection[Any]) -> None:
    connection.execute("truncate landed")
    assert (
        copy_binary(connection, "landed", pl.DataFrame({"big": []}, schema={"big": pl.Int64})) == 0
    )
    assert connection.execute("select count(*) from landed").fetchone() == (0,)
