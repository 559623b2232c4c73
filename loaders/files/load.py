"""Land daily-bar files in `raw_files.daily_bars`, one transaction per file.

A file whose content already landed (same path, same SHA-256 in `ops.source_documents`) is
skipped; a changed file lands its new bars (existing bars of the dataset are never overwritten).
Rejected rows go to the quarantine; an unreadable file is quarantined as its path, size and hash
(the file itself stays where it is).
"""

from __future__ import annotations

import gzip
from typing import TYPE_CHECKING, Any

import polars as pl
import psycopg

from factor_engine.loaders._landing import DocumentLog, land_frame, sha256
from factor_engine.loaders._progress import progress_bar
from factor_engine.loaders._runlog import LoadRun, LoadSummary, load_session
from factor_engine.loaders.files.parse import BarFileError, display_name, parse_bar_file

if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path

__all__ = ["bar_files", "load_bar_files"]

BAR_SUFFIXES = (".csv", ".csv.gz", ".txt", ".txt.gz", ".parquet")


def bar_files(paths: Iterable[Path]) -> list[Path]:
    """The bar files among `paths`, folders searched (sorted, so runs are reproducible)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.name.lower().endswith(BAR_SUFFIXES))
        elif path.is_file():
            found.append(path)
        else:
            raise FileNotFoundError(f"bar files: {path} does not exist")
    return found


def load_bar_files(
    database_url: str,
    paths: Iterable[Path],
    *,
    dataset: str | None = None,
    show_progress: bool = True,
) -> LoadSummary:
    """Land every bar file; `dataset` defaults to each file's folder name."""
    files = bar_files(paths)
    arguments = {"paths": [str(path) for path in files], "dataset": dataset}
    with load_session(database_url, "files", arguments, unit="files") as (
        run,
        connection,
        summary,
    ):
        documents = DocumentLog(connection, "files")
        for path in progress_bar(files, "bar files", enabled=show_progress):
            _land_file(connection, run, documents, summary, path, dataset or path.parent.name)
    return summary


def _land_file(
    connection: psycopg.Connection[Any],
    run: LoadRun,
    documents: DocumentLog,
    summary: LoadSummary,
    path: Path,
    dataset: str,
) -> None:
    raw = path.read_bytes()
    name = display_name(path)
    location = str(path.resolve())
    if documents.is_landed(location, raw):
        summary.count_documents_unchanged += 1
        return
    try:
        parsed = parse_bar_file(name, _decompressed(name, raw))
    except BarFileError as error:
        record = {"path": location, "bytes": len(raw), "sha256": sha256(raw)}
        reason = str(error).removeprefix(f"{name}: ")
        run.give_up(summary, name, "unreadable file", reason, record)
        return
    bars = parsed.bars.with_columns(
        pl.lit(dataset).alias("dataset"), pl.lit(name).alias("source_file")
    )
    with connection.transaction():
        landed = land_frame(connection, "raw_files.daily_bars", bars, load_id=run.load_id)
        documents.record(location, raw, load_id=run.load_id)
    run.quarantine(parsed.rejected)
    summary.count_documents_landed += 1
    summary.count_rows_seen += bars.height + len(parsed.rejected)
    summary.count_rows_landed += landed
    summary.count_rows_quarantined += len(parsed.rejected)


def _decompressed(name: str, raw: bytes) -> bytes:
    if not name.endswith(".gz"):
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError) as error:
        raise BarFileError(f"{name}: not a readable gzip file: {error}") from error
