"""The run log (`ops.load_runs`) and the quarantine (`ops.quarantine`) of one loader run.

They are written on a connection of their own, in autocommit, so a run's trace and its rejected
records survive whatever happens to the landing transactions.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib.metadata import version
from typing import TYPE_CHECKING, Any

import psycopg
from psycopg.types.json import Jsonb

from factor_engine.core.embedded import process_alive

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping
    from types import TracebackType

__all__ = ["LoadRun", "LoadSummary", "Rejected", "load_session"]

log = logging.getLogger(__name__)


@dataclass
class LoadSummary:
    """What a run did, for the summary line and the exit code."""

    source: str
    load_id: int = 0
    unit: str = "documents"  # what the source delivers: documents, files, series
    count_documents_landed: int = 0
    count_documents_unchanged: int = 0
    count_rows_seen: int = 0
    count_rows_landed: int = 0
    count_rows_quarantined: int = 0
    failures: list[str] = field(default_factory=list)

    def absorb(self, other: LoadSummary) -> None:
        """Add another worker's counts of the same run."""
        self.count_documents_landed += other.count_documents_landed
        self.count_documents_unchanged += other.count_documents_unchanged
        self.count_rows_seen += other.count_rows_seen
        self.count_rows_landed += other.count_rows_landed
        self.count_rows_quarantined += other.count_rows_quarantined
        self.failures.extend(other.failures)

    @property
    def succeeded(self) -> bool:
        return not self.failures

    def line(self) -> str:
        status = "succeeded" if self.succeeded else f"FAILED ({len(self.failures)} {self.unit})"
        return (
            f"{self.source} load {self.load_id} {status}: "
            f"{self.count_documents_landed} {self.unit} landed, "
            f"{self.count_documents_unchanged} unchanged; rows: {self.count_rows_seen} seen, "
            f"{self.count_rows_landed} new, {self.count_rows_quarantined} quarantined"
        )


class Rejected:
    """A record that failed validation: which one, why, and the record as received."""

    __slots__ = ("reason", "record", "record_key")

    def __init__(self, record_key: str, reason: str, record: object) -> None:
        self.record_key = record_key
        self.reason = reason
        self.record = record if isinstance(record, str) else json.dumps(record, default=str)

    def __repr__(self) -> str:
        return f"Rejected({self.record_key!r}, {self.reason!r})"


class LoadRun:
    """One row of `ops.load_runs`, from `running` to `succeeded` or `failed`.

    Use as a context manager: an exception that escapes marks the run failed with its message
    (and is re-raised); a clean exit marks it succeeded, unless `fail()` said why it did not.
    """

    def __init__(self, database_url: str, source: str, arguments: Mapping[str, Any]) -> None:
        self.source = source
        self._database_url = database_url
        self.count_rows_seen = 0
        self.count_rows_landed = 0
        self.count_rows_quarantined = 0
        self._connection = psycopg.connect(database_url, autocommit=True)
        self._lock = threading.Lock()  # bulk loads quarantine from several threads
        self._mark_abandoned_runs()
        row = self._connection.execute(
            "insert into ops.load_runs (source, arguments, engine_version, hostname, process_id)"
            " values (%s, %s, %s, %s, %s) returning load_id",
            (
                source,
                Jsonb(dict(arguments)),
                version("factor-engine"),
                socket.gethostname(),
                os.getpid(),
            ),
        ).fetchone()
        assert row is not None
        self.load_id: int = row[0]
        self.status = "running"
        self._failure: str | None = None

    def __enter__(self) -> LoadRun:
        return self

    def __exit__(
        self,
        error_type: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            if error is None:
                self._finish("failed" if self._failure else "succeeded", self._failure)
            else:
                self._finish("failed", f"{error_type.__name__ if error_type else 'error'}: {error}")
        finally:
            self._connection.close()

    def fail(self, reason: str) -> None:
        """Mark the run failed when it ends, though the work that could be done was done."""
        self._failure = reason

    def record(self, summary: LoadSummary) -> None:
        """Take a summary's counts, and fail the run if any of its documents failed."""
        self.count_rows_seen = summary.count_rows_seen
        self.count_rows_landed = summary.count_rows_landed
        if summary.failures:
            self.fail(
                f"{len(summary.failures)} {summary.unit} could not be landed;"
                f" first: {summary.failures[0]}"
            )

    def give_up(
        self, summary: LoadSummary, key: str, reason: str, error: object, record: object = ""
    ) -> None:
        """A whole document, series or symbol could not be landed: quarantine it as
        `reason: error` and count it as a failure of the run (`key: error`)."""
        self.quarantine([Rejected(key, f"{reason}: {error}", record)])
        summary.count_rows_quarantined += 1
        summary.failures.append(f"{key}: {error}")

    def quarantine(self, rejected: list[Rejected]) -> None:
        """Keep rejected records with their reasons; a record already quarantined stays once."""
        if not rejected:
            return
        with self._lock, self._connection.cursor() as cursor:
            cursor.executemany(
                "insert into ops.quarantine (load_id, source, record_key, reason, record)"
                " values (%s, %s, %s, %s, %s) on conflict do nothing",
                [(self.load_id, self.source, r.record_key, r.reason, r.record) for r in rejected],
            )
            self.count_rows_quarantined += len(rejected)
        for record in rejected[:5]:
            log.warning("%s: quarantined %s: %s", self.source, record.record_key, record.reason)
        if len(rejected) > 5:
            log.warning("%s: quarantined %d more records", self.source, len(rejected) - 5)

    def _finish(self, status: str, error: str | None) -> None:
        self.status = status
        update = (
            "update ops.load_runs set status = %s, error = %s, finished_at = now(),"
            " count_rows_seen = %s, count_rows_landed = %s, count_rows_quarantined = %s"
            " where load_id = %s"
        )
        values = (
            status,
            error,
            self.count_rows_seen,
            self.count_rows_landed,
            self.count_rows_quarantined,
            self.load_id,
        )
        try:
            self._connection.execute(update, values)
        except psycopg.OperationalError:
            # The server restarted or the network dropped mid-run: record the end regardless.
            self._connection.close()
            self._connection = psycopg.connect(self._database_url, autocommit=True)
            self._connection.execute(update, values)

    def _mark_abandoned_runs(self) -> None:
        # A run on this host whose process is gone was killed mid-load: say so in the log.
        rows = self._connection.execute(
            "select load_id, process_id from ops.load_runs"
            " where status = 'running' and hostname = %s",
            (socket.gethostname(),),
        ).fetchall()
        for load_id, process_id in rows:
            if process_id is None or not process_alive(process_id):
                self._connection.execute(
                    "update ops.load_runs set status = 'abandoned', finished_at = now(),"
                    " error = 'the loader process ended before the run finished'"
                    " where load_id = %s and status = 'running'",
                    (load_id,),
                )
                log.warning("load run %d was abandoned by a process that died", load_id)


@contextmanager
def load_session(
    database_url: str, source: str, arguments: Mapping[str, Any], *, unit: str
) -> Iterator[tuple[LoadRun, psycopg.Connection[Any], LoadSummary]]:
    """A loader run: its log row, a landing connection in autocommit (each batch's
    `with connection.transaction()` is then a real transaction) and the summary, whose counts
    the log row takes when the work ends without an exception."""
    with (
        LoadRun(database_url, source, arguments) as run,
        psycopg.connect(database_url, autocommit=True) as connection,
    ):
        summary = LoadSummary(source, load_id=run.load_id, unit=unit)
        yield run, connection, summary
        run.record(summary)
