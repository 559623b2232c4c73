"""Land EDGAR documents in `raw_edgar.*`: from the API (by CIK) or from the nightly bulk files.

Each document (a submissions file, a continuation page, a companyfacts file) lands in its own
transaction together with its entry in `ops.source_documents`, so a crash never leaves half a
document, and a re-run skips what already landed: unchanged content (same SHA-256), or a 304
answer to the conditional request built from the last landed version's ETag/Last-Modified.
Bad records are quarantined and the rest of the document lands; a document that cannot be read
at all is quarantined whole and the run goes on with the next one.
"""

from __future__ import annotations

import gzip
import json
import logging
import queue
import zipfile
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
import polars as pl
import psycopg

from factor_engine.loaders._http import SourceError
from factor_engine.loaders._landing import DocumentLog, copy_frame, land_frame
from factor_engine.loaders._progress import progress_bar
from factor_engine.loaders._runlog import LoadRun, LoadSummary, Rejected
from factor_engine.loaders.edgar.parse import (
    DocumentError,
    cik_from,
    parse_companyfacts,
    parse_submissions,
    parse_submissions_page,
)
from factor_engine.loaders.errors import BulkSourceError, UnknownTickerError

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Mapping

    from factor_engine.loaders.edgar.client import EdgarClients

__all__ = [
    "LoadSummary",
    "UnknownTickerError",
    "all_ciks",
    "load_bulk",
    "load_ciks",
    "resolve_tickers",
]

log = logging.getLogger(__name__)

_QUARANTINED_DOCUMENT_CHARS = 100_000
_BULK_WORKERS = 2


def _land_facts(connection: psycopg.Connection[Any], facts: pl.DataFrame, load_id: int) -> int:
    """Land one company's facts: straight COPY when it has none yet (the bulk case, 2.5 times
    faster than insert-on-conflict, bench/RESULTS.md), else insert only the new ones."""
    if facts.is_empty():
        return 0
    cik = facts["cik"][0]
    row = connection.execute(
        "select exists (select from raw_edgar.facts where cik = %s)", (cik,)
    ).fetchone()
    if row is not None and not row[0]:
        try:
            with connection.transaction():  # a savepoint, for the rare case below
                return copy_frame(connection, "raw_edgar.facts", facts, load_id=load_id)
        except psycopg.errors.UniqueViolation:
            # a fact twice in one document, or another loader landing the company meanwhile
            log.info("edgar: CIK %s: facts already there; inserting only the new ones", cik)
    return land_frame(connection, "raw_edgar.facts", facts, load_id=load_id)


class _DocumentLander:
    """Parses and lands single EDGAR documents within one run."""

    def __init__(self, connection: psycopg.Connection[Any], run: LoadRun) -> None:
        self.connection = connection
        self.run = run
        self.documents = DocumentLog(connection, "edgar")
        self.summary = LoadSummary("edgar", load_id=run.load_id)

    def land(
        self,
        url: str,
        content: bytes,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        page_cik: int | None = None,
        record: bool = True,
    ) -> list[str] | None:
        """Land one document; return the continuation pages it lists (submissions only), or
        None when it could not be landed.

        With `record=False` the rows land but the document is not yet marked as landed: a
        submissions file counts as landed only once its continuation pages have (`record`).
        """
        if self.documents.is_landed(url, content):
            self.summary.count_documents_unchanged += 1
            return []
        try:
            document = orjson.loads(content)
            pages, rejected = self._land_parsed(
                url,
                document,
                page_cik,
                content,
                validators=(etag, last_modified) if record else None,
            )
        except (ValueError, DocumentError) as error:  # orjson.JSONDecodeError is a ValueError
            reason = f"unreadable document: {error}"
            text = content[:_QUARANTINED_DOCUMENT_CHARS].decode("utf-8", errors="replace")
            self._quarantine([Rejected(url, reason, text)])
            self.summary.failures.append(f"{url}: {reason}")
            return None
        self._quarantine(rejected)
        self.summary.count_documents_landed += 1
        return pages

    def record(
        self, url: str, content: bytes, *, etag: str | None, last_modified: str | None
    ) -> None:
        """Mark a document landed (after `land(..., record=False)` and its pages)."""
        self.documents.record(
            url, content, load_id=self.run.load_id, etag=etag, last_modified=last_modified
        )

    def _land_parsed(
        self,
        url: str,
        document: Any,
        page_cik: int | None,
        content: bytes,
        *,
        validators: tuple[str | None, str | None] | None,
    ) -> tuple[list[str], list[Rejected]]:
        load_id = self.run.load_id
        pages: list[str] = []
        with self.connection.transaction():
            if page_cik is not None:
                filings, rejected = parse_submissions_page(page_cik, document)
                landed = land_frame(self.connection, "raw_edgar.filings", filings, load_id=load_id)
                seen = filings.height
            elif isinstance(document, dict) and "facts" in document:
                facts = parse_companyfacts(document)
                rejected = facts.rejected
                landed = _land_facts(self.connection, facts.facts, load_id)
                seen = facts.facts.height
            elif isinstance(document, dict) and "filings" in document:
                submissions = parse_submissions(document)
                rejected = submissions.rejected
                landed = land_frame(
                    self.connection, "raw_edgar.companies", submissions.company, load_id=load_id
                )
                landed += land_frame(
                    self.connection, "raw_edgar.filings", submissions.filings, load_id=load_id
                )
                seen = submissions.company.height + submissions.filings.height
                pages = submissions.continuation_pages
            else:
                raise DocumentError("neither submissions nor companyfacts")
            if validators is not None:
                self.documents.record(
                    url, content, load_id=load_id, etag=validators[0], last_modified=validators[1]
                )
        self.summary.count_rows_seen += seen + len(rejected)
        self.summary.count_rows_landed += landed
        return pages, rejected

    def _quarantine(self, rejected: list[Rejected]) -> None:
        self.run.quarantine(rejected)
        self.summary.count_rows_quarantined += len(rejected)

    def fail(self, url: str, error: Exception) -> None:
        self.run.give_up(self.summary, url, "could not fetch", error)


def load_ciks(
    database_url: str,
    clients: EdgarClients,
    ciks: Iterable[int],
    *,
    arguments: Mapping[str, Any] | None = None,
    show_progress: bool = True,
) -> LoadSummary:
    """Fetch and land the submissions (with continuation pages) and companyfacts of each CIK."""
    wanted = list(dict.fromkeys(ciks))
    return _run(
        database_url,
        arguments or {"ciks": wanted},
        lambda lander: _fetch_and_land(lander, clients, wanted, show_progress=show_progress),
    )


def load_bulk(
    database_url: str,
    paths: Iterable[Path],
    *,
    arguments: Mapping[str, Any] | None = None,
    show_progress: bool = True,
) -> LoadSummary:
    """Land EDGAR's nightly bulk files: `companyfacts.zip`, `submissions.zip`, or their
    extracted `CIK*.json` files, from the given files or folders."""
    sources = list(paths)
    return _run(
        database_url,
        arguments or {"bulk": [str(path) for path in sources]},
        lambda lander: _land_bulk(
            lander, sources, database_url=database_url, show_progress=show_progress
        ),
    )


def _run(database_url: str, arguments: Mapping[str, Any], work: Any) -> LoadSummary:
    # autocommit: each document's `with connection.transaction()` is then a real transaction
    with (
        LoadRun(database_url, "edgar", arguments) as run,
        psycopg.connect(database_url, autocommit=True) as connection,
    ):
        lander = _DocumentLander(connection, run)
        work(lander)
        run.record(lander.summary)
        return lander.summary


def _fetch_and_land(
    lander: _DocumentLander, clients: EdgarClients, ciks: list[int], *, show_progress: bool
) -> None:
    for cik in progress_bar(ciks, "EDGAR companies", enabled=show_progress):
        _land_submissions(lander, clients, cik)
        facts = _fetch(
            lander, clients, f"/api/xbrl/companyfacts/CIK{cik:010d}.json", missing_is_normal=True
        )
        if facts is not None:
            lander.land(
                facts.url, facts.content, etag=facts.etag, last_modified=facts.last_modified
            )


def _land_submissions(lander: _DocumentLander, clients: EdgarClients, cik: int) -> None:
    submissions = _fetch(lander, clients, f"/submissions/CIK{cik:010d}.json")
    if submissions is None:
        return
    pages = lander.land(submissions.url, submissions.content, record=False)
    if pages is None:
        return
    complete = True
    for page in pages:
        fetched = _fetch(lander, clients, f"/submissions/{page}")
        if fetched is not None:
            complete &= (
                lander.land(
                    fetched.url,
                    fetched.content,
                    etag=fetched.etag,
                    last_modified=fetched.last_modified,
                    page_cik=cik,
                )
                is not None
            )
        else:
            complete &= _landed_before(lander, clients.data.url_for(f"/submissions/{page}"))
    if complete:
        lander.record(
            submissions.url,
            submissions.content,
            etag=submissions.etag,
            last_modified=submissions.last_modified,
        )


@dataclass(frozen=True)
class _Fetched:
    url: str
    content: bytes
    etag: str | None
    last_modified: str | None


def _fetch(
    lander: _DocumentLander,
    clients: EdgarClients,
    path: str,
    *,
    missing_is_normal: bool = False,
) -> _Fetched | None:
    """The document at `path`, or None when it is unchanged (304), missing, or failed."""
    url = clients.data.url_for(path)
    try:
        response = clients.data.get(path, headers=lander.documents.validators(url))
    except SourceError as error:
        if missing_is_normal and "HTTP 404" in error.reason:
            log.info("%s: no XBRL facts (404)", url)
        else:
            lander.fail(url, error)
        return None
    if response.status_code == 304:
        lander.summary.count_documents_unchanged += 1
        return None
    return _Fetched(
        url, response.content, response.headers.get("ETag"), response.headers.get("Last-Modified")
    )


def _landed_before(lander: _DocumentLander, url: str) -> bool:
    """Whether a document that did not come back as content was in fact landed before."""
    return not any(failure.startswith(f"{url}:") for failure in lander.summary.failures)


def _land_bulk(
    lander: _DocumentLander, sources: list[Path], *, database_url: str, show_progress: bool
) -> None:
    """Land every bulk document, on `_BULK_WORKERS` connections at once.

    Landing is bound by the server's insert-on-conflict, so a second connection nearly halves
    the wall time on two cores (bench/RESULTS.md). At most two documents per worker are read
    ahead, so memory stays flat whatever the archive's size.
    """
    total = sum(1 for _ in _bulk_names(sources))
    helpers = [
        _DocumentLander(psycopg.connect(database_url, autocommit=True), lander.run)
        for _ in range(_BULK_WORKERS - 1)
    ]
    idle: queue.Queue[_DocumentLander] = queue.Queue()
    for worker in (lander, *helpers):
        idle.put(worker)

    def land_one(name: str, content: bytes) -> None:
        worker = idle.get()
        try:
            worker.land(f"bulk:{name}", content, page_cik=_page_cik(Path(name).name))
        finally:
            idle.put(worker)

    try:
        with ThreadPoolExecutor(_BULK_WORKERS, thread_name_prefix="edgar-bulk") as pool:
            in_flight: deque[Future[None]] = deque()
            documents = _bulk_documents(sources)
            for name, content in progress_bar(
                documents, "EDGAR bulk files", total=total, enabled=show_progress
            ):
                in_flight.append(pool.submit(land_one, name, content))
                if len(in_flight) >= 2 * _BULK_WORKERS:
                    in_flight.popleft().result()
            for future in in_flight:
                future.result()
    finally:
        for helper in helpers:
            lander.summary.absorb(helper.summary)
            helper.connection.close()


def _bulk_names(sources: list[Path]) -> Iterator[str]:
    for source, member in _bulk_entries(sources):
        yield member or str(source)


def _bulk_documents(sources: list[Path]) -> Iterator[tuple[str, bytes]]:
    """(name, bytes) of every CIK*.json document, each zip opened once."""
    open_zip: tuple[Path, zipfile.ZipFile] | None = None
    try:
        for source, member in _bulk_entries(sources):
            if member is None:
                yield str(source), _read_document(source)
                continue
            if open_zip is None or open_zip[0] != source:
                if open_zip is not None:
                    open_zip[1].close()
                open_zip = (source, zipfile.ZipFile(source))
            yield f"{source.name}/{member}", open_zip[1].read(member)
    finally:
        if open_zip is not None:
            open_zip[1].close()


def _bulk_entries(sources: list[Path]) -> Iterator[tuple[Path, str | None]]:
    """(file, zip member or None) for every CIK*.json (or .json.gz) in the given zips, folders
    or files; a source that holds none is an error, not a quiet empty load."""
    for source in sources:
        if not source.exists():
            raise FileNotFoundError(f"EDGAR bulk: {source} does not exist")
        found = 0
        for entry in _source_entries(source):
            found += 1
            yield entry
        if not found:
            raise BulkSourceError(
                f"EDGAR bulk: {source} holds no CIK*.json or CIK*.json.gz files and no zip of "
                "them (companyfacts.zip, submissions.zip)"
            )


def _read_document(path: Path) -> bytes:
    content = path.read_bytes()
    if path.suffix != ".gz":
        return content
    try:
        return gzip.decompress(content)
    except (OSError, EOFError):
        return content  # lands as an unreadable document: quarantined, the load goes on


def _source_entries(source: Path) -> Iterator[tuple[Path, str | None]]:
    if source.is_dir():
        documents = [*source.rglob("CIK*.json"), *source.rglob("CIK*.json.gz")]
        for path in sorted(documents):
            yield path, None
        for path in sorted(source.glob("*.zip")):
            yield from _zip_entries(path)
    elif source.suffix == ".zip":
        yield from _zip_entries(source)
    else:
        yield source, None


def _zip_entries(path: Path) -> Iterator[tuple[Path, str | None]]:
    with zipfile.ZipFile(path) as archive:
        names = sorted(n for n in archive.namelist() if Path(n).name.upper().startswith("CIK"))
    for name in names:
        yield path, name


def _page_cik(file_name: str) -> int | None:
    # CIK0000749647-submissions-001.json is a continuation page of CIK 749647
    if "-submissions-" not in file_name:
        return None
    return cik_from(file_name.split("-", 1)[0])


def resolve_tickers(clients: EdgarClients, tickers: Iterable[str]) -> dict[str, int]:
    """Map tickers to CIKs through EDGAR's company_tickers.json; unknown tickers raise."""
    known = _company_tickers(clients)
    wanted = [ticker.upper() for ticker in tickers]
    unknown = [ticker for ticker in wanted if ticker not in known]
    if unknown:
        raise UnknownTickerError(f"EDGAR company_tickers.json does not know: {', '.join(unknown)}")
    return {ticker: known[ticker] for ticker in wanted}


def all_ciks(clients: EdgarClients) -> list[int]:
    """Every CIK company_tickers.json lists (operating companies with a ticker)."""
    return sorted(set(_company_tickers(clients).values()))


def _company_tickers(clients: EdgarClients) -> dict[str, int]:
    document = json.loads(clients.files.get("/files/company_tickers.json").content)
    return {str(entry["ticker"]).upper(): int(entry["cik_str"]) for entry in document.values()}
