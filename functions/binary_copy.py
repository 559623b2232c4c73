"""COPY a polars frame into a table in PostgreSQL's binary format, encoded by numpy.

In the text formats the server parses every value back from text, which for millions of floats
is most of a COPY's cost: a risk model's 3.4 M specific risks took 17-19 s as CSV and 12-13 s
in binary, primary key included (bench/RESULTS.md). psycopg's binary COPY encodes row by row
in Python; this encodes column by column, a chunk of rows at a time, for the column types the
risk tables use. A text column is encoded once per distinct value: it suits codes, not free
text.

The binary format (PostgreSQL's COPY documentation): a header, then per row the number of
fields (int16) and per field its length in bytes (int32, -1 for null) and its bytes, all
big-endian; then -1 (int16).
"""

from __future__ import annotations

from importlib.resources import files
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl
from psycopg import sql

if TYPE_CHECKING:
    import psycopg

    from factor_engine.functions._arrays import BoolArray, IntArray

_HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)  # signature, flags 0, no header extension
_TRAILER = b"\xff\xff"
_DAYS_FROM_1970_TO_2000 = 10_957
_ROWS_PER_CHUNK = 200_000

# each type's wire form: the polars type its values are cast to, and their big-endian dtype
_FIXED_WIDTH: dict[str, tuple[pl.DataType, str]] = {
    "double precision": (pl.Float64(), ">f8"),
    "real": (pl.Float32(), ">f4"),
    "bigint": (pl.Int64(), ">i8"),
    "integer": (pl.Int32(), ">i4"),
    "smallint": (pl.Int16(), ">i2"),
    "boolean": (pl.Boolean(), "u1"),
    "date": (pl.Date(), ">i4"),
}
_TEXT_TYPES = ("text", "character varying")


def copy_binary(connection: psycopg.Connection[Any], table: str, frame: pl.DataFrame) -> int:
    """COPY the frame's rows into `schema.table` (its columns by name); return the row count.

    Values are cast to the table's column types first: a value that does not fit its column
    fails here, naming the column, where the server would say only "incorrect binary data
    format". Raises ValueError for that, for a column the table lacks, and for a column type
    this module does not encode."""
    if frame.is_empty():
        return 0
    types = _column_types(connection, table, frame.columns)
    fields = [_Field.of(frame[name], types[name], table) for name in frame.columns]
    statement = sql.SQL("copy {} ({}) from stdin (format binary)").format(
        sql.Identifier(*table.split(".")),
        sql.SQL(", ").join(sql.Identifier(name) for name in frame.columns),
    )
    with connection.cursor() as cursor, cursor.copy(statement) as copy:
        copy.write(_HEADER)
        for start in range(0, frame.height, _ROWS_PER_CHUNK):
            rows = slice(start, min(start + _ROWS_PER_CHUNK, frame.height))
            copy.write(_encode_rows([field[rows] for field in fields]))
        copy.write(_TRAILER)
    return frame.height


def _column_types(
    connection: psycopg.Connection[Any], table: str, columns: list[str]
) -> dict[str, str]:
    query = files(__package__).joinpath("table_column_types.sql").read_text()
    quoted = sql.Identifier(*table.split(".")).as_string(connection)
    rows = connection.execute(query, {"table": quoted}).fetchall()
    types = dict(rows)
    missing = [name for name in columns if name not in types]
    if missing:
        raise ValueError(f"COPY into {table}: the table has no column {', '.join(missing)}")
    return {name: types[name] for name in columns}


class _Field:
    """One column's values in wire form: their bytes per row (a 2-D uint8 array for a fixed
    width, or a code per row into `texts`), and which rows are null."""

    def __init__(
        self,
        is_null: BoolArray,
        fixed: np.ndarray[Any, Any] | None = None,
        codes: IntArray | None = None,
        texts: list[bytes] | None = None,
    ) -> None:
        self.is_null = is_null
        self.fixed = fixed
        self.codes = codes
        self.texts = texts or []

    @classmethod
    def of(cls, values: pl.Series, column_type: str, table: str) -> _Field:
        is_null = values.is_null().to_numpy()
        if column_type in _FIXED_WIDTH:
            polars_type, wire = _FIXED_WIDTH[column_type]
            try:
                cast = values.cast(polars_type, strict=True)
            except pl.exceptions.InvalidOperationError as error:
                raise ValueError(
                    f"COPY into {table}: column {values.name} does not fit {column_type}: {error}"
                ) from None
            as_numpy = cast.to_physical().fill_null(0).to_numpy()
            if column_type == "date":  # polars counts days from 1970, PostgreSQL from 2000
                as_numpy = as_numpy - _DAYS_FROM_1970_TO_2000
            wire_values = np.ascontiguousarray(as_numpy.astype(wire))
            return cls(is_null, fixed=wire_values.view(np.uint8).reshape(len(values), -1))
        if column_type.startswith(_TEXT_TYPES):
            text = values.cast(pl.String)
            # dense ranks number the distinct values in sorted order, from 1
            distinct = text.drop_nulls().unique().sort()
            codes = (text.rank("dense").fill_null(1) - 1).to_numpy().astype(np.int64)
            return cls(is_null, codes=codes, texts=[value.encode() for value in distinct])
        raise ValueError(
            f"COPY into {table}: column {values.name} is {column_type}, which binary COPY here "
            f"does not encode"
        )

    def __getitem__(self, rows: slice) -> _Field:
        return _Field(
            self.is_null[rows],
            fixed=None if self.fixed is None else self.fixed[rows],
            codes=None if self.codes is None else self.codes[rows],
            texts=self.texts,
        )

    @property
    def width(self) -> int:
        """The most bytes a value takes."""
        if self.fixed is not None:
            return int(self.fixed.shape[1])
        return max((len(text) for text in self.texts), default=0)

    def data_lengths(self) -> IntArray:
        """Each row's bytes: 0 when null."""
        if self.fixed is not None:
            lengths = np.full(self.is_null.size, self.fixed.shape[1], dtype=np.int64)
        else:
            assert self.codes is not None
            text_lengths = np.array([len(text) for text in self.texts] or [0], dtype=np.int64)
            lengths = text_lengths[self.codes]
        return np.where(self.is_null, 0, lengths)

    def write(self, target: np.ndarray[Any, Any]) -> None:
        """Write each row's bytes at the start of its row of `target` (rows x width)."""
        if self.fixed is not None:
            target[:] = self.fixed
            return
        assert self.codes is not None
        for code, text in enumerate(self.texts):
            rows = ~self.is_null & (self.codes == code)
            if text and rows.any():
                target[rows, : len(text)] = np.frombuffer(text, dtype=np.uint8)


def _encode_rows(fields: list[_Field]) -> memoryview:
    """The rows in wire form. Each row is laid out at its widest (every field at its width)
    in a 2-D array, filled column by column; where a value is null or a text shorter, the
    bytes it leaves unused are dropped at the end, in one pass."""
    count = fields[0].is_null.size
    widths = [field.width for field in fields]
    rows = np.empty((count, 2 + sum(4 + width for width in widths)), dtype=np.uint8)
    rows[:, :2] = np.frombuffer(len(fields).to_bytes(2, "big"), dtype=np.uint8)
    used: BoolArray | None = None  # the bytes sent, once some are not
    at = 2
    for field, width in zip(fields, widths, strict=True):
        lengths = field.data_lengths()
        header = np.where(field.is_null, -1, lengths).astype(">i4")
        rows[:, at : at + 4] = header.view(np.uint8).reshape(count, 4)
        field.write(rows[:, at + 4 : at + 4 + width])
        if (lengths != width).any():
            if used is None:
                used = np.ones(rows.shape, dtype=bool)
            used[:, at + 4 : at + 4 + width] = np.arange(width) < lengths[:, np.newaxis]
        at += 4 + width
    return (rows if used is None else rows[used]).data
