"""Land a polars frame in a raw table: COPY into a temporary table, then one insert-on-conflict.

The caller owns the transaction, so a batch lands whole or not at all, and the same rows landed
twice add nothing (the raw tables' natural keys decide what "the same" is).
"""

from __future__ import annotations

import hashlib
import io
from importlib import resources
from typing import TYPE_CHECKING, Any

import polars as pl
from psycopg import sql

if TYPE_CHECKING:
    import psycopg

__all__ = ["DocumentLog", "copy_frame", "land_frame", "run_sql_file", "stage_frame"]

_NULL = r"\N"


def land_frame(
    connection: psycopg.Connection[Any],
    table: str,
    frame: pl.DataFrame,
    *,
    load_id: int,
    on_conflict: sql.Composable | None = None,
) -> int:
    """Insert the frame's rows into `schema.table` with `load_id`; return how many were new.

    `on_conflict` is the clause after `on conflict` (default: `do nothing`).
    """
    if frame.is_empty():
        return 0
    target = sql.Identifier(*table.split("."))
    columns = sql.SQL(", ").join(sql.Identifier(column) for column in frame.columns)
    conflict = on_conflict if on_conflict is not None else sql.SQL("do nothing")
    staging = stage_frame(connection, table, frame)
    with connection.cursor() as cursor:
        cursor.execute(
            sql.SQL("insert into {} ({}, load_id) select {}, {} from {} on conflict {}").format(
                target, columns, columns, sql.Literal(load_id), staging, conflict
            )
        )
        landed = cursor.rowcount
        cursor.execute(sql.SQL("drop table {}").format(staging))
    return max(landed, 0)


def copy_frame(
    connection: psycopg.Connection[Any], table: str, frame: pl.DataFrame, *, load_id: int
) -> int:
    """COPY the frame's rows straight into `schema.table` with `load_id`: the fast path for
    rows known to be new (a duplicate key fails the statement). Returns the row count."""
    if frame.is_empty():
        return 0
    with_load_id = frame.with_columns(pl.lit(load_id, dtype=pl.Int64).alias("load_id"))
    columns = sql.SQL(", ").join(sql.Identifier(column) for column in with_load_id.columns)
    with (
        connection.cursor() as cursor,
        cursor.copy(
            sql.SQL("copy {} ({}) from stdin (format csv, null {})").format(
                sql.Identifier(*table.split(".")), columns, sql.Literal(_NULL)
            )
        ) as copy,
    ):
        copy.write(_csv_bytes(with_load_id))
    return with_load_id.height


def stage_frame(
    connection: psycopg.Connection[Any], table: str, frame: pl.DataFrame
) -> sql.Identifier:
    """COPY the frame into `_landing_<table>`, a temporary table with the target's column types
    that lives until the caller's transaction ends; return its name."""
    schema, name = table.split(".")
    columns = sql.SQL(", ").join(sql.Identifier(column) for column in frame.columns)
    staging = sql.Identifier(f"_landing_{name}")
    with connection.cursor() as cursor:
        cursor.execute(
            sql.SQL("create temp table {} on commit drop as select {} from {} with no data").format(
                staging, columns, sql.Identifier(schema, name)
            )
        )
        with cursor.copy(
            sql.SQL("copy {} ({}) from stdin (format csv, null {})").format(
                staging, columns, sql.Literal(_NULL)
            )
        ) as copy:
            copy.write(_csv_bytes(frame))
    return staging


def _csv_bytes(frame: pl.DataFrame) -> bytes:
    """The frame as CSV in the text forms PostgreSQL reads: arrays, UTC instants, \\N nulls."""
    converted = frame.with_columns(
        [
            _array_literal(name)
            for name, dtype in frame.schema.items()
            if dtype == pl.List(pl.String)
        ]
        + [
            pl.col(name).dt.convert_time_zone("UTC").dt.strftime("%Y-%m-%d %H:%M:%S%.6f+00")
            for name, dtype in frame.schema.items()
            if isinstance(dtype, pl.Datetime)
        ]
    )
    buffer = io.BytesIO()
    converted.write_csv(buffer, include_header=False, null_value=_NULL)
    return buffer.getvalue()


def _array_literal(name: str) -> pl.Expr:
    # ["NYSE", "Nasdaq"] -> {"NYSE","Nasdaq"}, each element quoted with \ and " escaped.
    quoted = pl.col(name).list.eval(
        pl.lit('"')
        + pl.element()
        .str.replace_all("\\", "\\\\", literal=True)
        .str.replace_all('"', '\\"', literal=True)
        + pl.lit('"')
    )
    return (pl.lit("{") + quoted.list.join(",") + pl.lit("}")).alias(name)


class DocumentLog:
    """`ops.source_documents`: which documents were landed, by content hash and HTTP validators.

    `record` runs on the landing connection, inside the batch's transaction, so a document counts
    as landed only when its rows are.
    """

    def __init__(self, connection: psycopg.Connection[Any], source: str) -> None:
        self._connection = connection
        self._source = source

    def validators(self, url: str) -> dict[str, str]:
        """Conditional-request headers from the last landed version of `url` (may be empty)."""
        row = self._connection.execute(
            "select etag, last_modified from ops.source_documents"
            " where source = %s and document_url = %s order by fetched_at desc limit 1",
            (self._source, url),
        ).fetchone()
        headers: dict[str, str] = {}
        if row and row[0]:
            headers["If-None-Match"] = row[0]
        if row and row[1]:
            headers["If-Modified-Since"] = row[1]
        return headers

    def is_landed(self, url: str, content: bytes) -> bool:
        row = self._connection.execute(
            "select 1 from ops.source_documents"
            " where source = %s and document_url = %s and content_sha256 = %s",
            (self._source, url, sha256(content)),
        ).fetchone()
        return row is not None

    def record(
        self,
        url: str,
        content: bytes,
        *,
        load_id: int,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> None:
        self._connection.execute(
            "insert into ops.source_documents (source, document_url, content_sha256, etag,"
            " last_modified, count_bytes, load_id) values (%s, %s, %s, %s, %s, %s, %s)"
            " on conflict do nothing",
            (self._source, url, sha256(content), etag, last_modified, len(content), load_id),
        )


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def run_sql_file(
    connection: psycopg.Connection[Any], package: str, name: str, params: dict[str, Any]
) -> list[int]:
    """Run the statements of a `.sql` file shipped in `package`, in order, each with the
    `params` it names (`%(name)s`); return their row counts.

    Statements end with `;` at the end of a line; `--` lines are comments.
    """
    text = resources.files(package).joinpath(name).read_text(encoding="utf-8")
    counts = []
    with connection.cursor() as cursor:
        for statement in _statements(text):
            used = {key: value for key, value in params.items() if f"%({key})s" in statement}
            # bytes: the query comes from a file, not a literal (psycopg's typing asks for one)
            cursor.execute(statement.encode(), used or None)
            counts.append(cursor.rowcount)
    return counts


def _statements(text: str) -> list[str]:
    parts = (part.strip() for part in text.split(";\n"))
    return [
        part
        for part in parts
        if any(line.strip() and not line.lstrip().startswith("--") for line in part.splitlines())
    ]
