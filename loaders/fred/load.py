"""Land FRED series: metadata in `raw_fred.series`, values with their realtime periods in
`raw_fred.observations`.

Without `vintages` a series is fetched as FRED publishes it today (realtime = today): each run
adds what is known on its day, and an unchanged value just extends its period. With `vintages`
the whole ALFRED history is fetched, in windows of at most 2,000 vintage dates (FRED refuses
more in one request), and the periods the windows cut are joined up again by the merge
(`merge_observations.sql`). Each window lands in one transaction; running again changes nothing
that is already known, so a run cut short is finished by the next one. Saved observations
responses land the same way from files (`load_observation_files`), without network or key.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import logging
from typing import TYPE_CHECKING, Any

import polars as pl
import psycopg

from factor_engine.loaders._http import SourceError
from factor_engine.loaders._landing import DocumentLog, land_frame, run_sql_file, stage_frame
from factor_engine.loaders._progress import progress_bar
from factor_engine.loaders._runlog import LoadRun, LoadSummary, Rejected, load_session
from factor_engine.loaders.fred.parse import (
    DocumentError,
    Page,
    parse_observations,
    parse_series,
    parse_vintage_dates,
    vintage_windows,
)

if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path

    from factor_engine.loaders.fred.client import FredClient

__all__ = ["MAX_VINTAGES_PER_REQUEST", "load_observation_files", "load_series"]

log = logging.getLogger(__name__)

MAX_VINTAGES_PER_REQUEST = 2_000  # FRED: "exceeds the maximum number of vintage dates allowed"
OBSERVATIONS_PER_PAGE = 100_000  # FRED's largest `limit`
VINTAGE_DATES_PER_PAGE = 10_000  # likewise for vintagedates

Window = tuple[dt.date, dt.date] | None  # None: FRED's default, today's publication


def load_series(
    database_url: str,
    client: FredClient,
    series_ids: Iterable[str],
    *,
    vintages: bool = False,
    show_progress: bool = True,
    vintages_per_request: int = MAX_VINTAGES_PER_REQUEST,
    observations_per_page: int = OBSERVATIONS_PER_PAGE,
) -> LoadSummary:
    """Fetch and land each series; one that fails is quarantined and the others go on."""
    wanted = list(dict.fromkeys(series_id.strip().upper() for series_id in series_ids))
    arguments = {"series": wanted, "vintages": vintages}
    with load_session(database_url, "fred", arguments, unit="series") as session:
        lander = _SeriesLander(session, client, observations_per_page)
        for series_id in progress_bar(wanted, "FRED series", enabled=show_progress):
            try:
                windows: list[Window] = [None]
                if vintages:
                    windows = [
                        *vintage_windows(lander.vintage_dates(series_id), vintages_per_request)
                    ]
                lander.land(series_id, windows)
            except (SourceError, DocumentError) as error:
                lander.fail(series_id, error)
    return lander.summary


def load_observation_files(
    database_url: str, paths: Iterable[Path], *, show_progress: bool = True
) -> LoadSummary:
    """Land saved `fred/series/observations` responses (JSON, optionally gzipped), e.g. from a
    mirror or a download: the series is the file name up to its first '_' or '.'
    (UNRATE.json, UNRATE_realtime_2026-08-07.json.gz). No network, no API key. A file landed
    before with the same content is skipped."""
    files = sorted(paths)
    arguments = {"files": [str(path) for path in files]}
    with load_session(database_url, "fred", arguments, unit="files") as session:
        lander = _ObservationLander(session)
        documents = DocumentLog(lander.connection, "fred")
        for path in progress_bar(files, "FRED files", enabled=show_progress):
            series_id = path.name.split(".")[0].split("_")[0].upper()
            content, location = path.read_bytes(), f"file:{path.resolve()}"
            if documents.is_landed(location, content):
                lander.summary.count_documents_unchanged += 1
                continue
            try:
                observations = parse_observations(series_id, _read_json(path.name, content))
                if observations.page.count > observations.page.size:
                    raise DocumentError(
                        f"one page of {observations.page.size} of {observations.page.count}"
                        " observations: save the whole series"
                    )
                lander.land_rows(observations.rows, observations.rejected)
                documents.record(location, content, load_id=lander.run.load_id)
                lander.summary.count_documents_landed += 1
            except (OSError, EOFError, ValueError) as error:  # bad gzip, bad JSON, bad document
                lander.fail(f"{series_id} ({path.name})", error)
    return lander.summary


def _read_json(name: str, content: bytes) -> dict[str, Any]:
    if name.endswith(".gz"):
        content = gzip.decompress(content)
    document = json.loads(content)
    if not isinstance(document, dict):
        raise DocumentError("not a JSON object")
    return document


class _ObservationLander:
    """Lands batches of observations into realtime periods, within one run."""

    def __init__(self, session: tuple[LoadRun, psycopg.Connection[Any], LoadSummary]) -> None:
        self.run, self.connection, self.summary = session

    def land_rows(self, rows: pl.DataFrame, rejected: list[Rejected]) -> None:
        """One batch in one transaction: staged, then merged into realtime periods."""
        with self.connection.transaction():
            stage_frame(self.connection, "raw_fred.observations", rows)
            counts = run_sql_file(
                self.connection,
                "factor_engine.loaders.fred",
                "merge_observations.sql",
                {"load_id": self.run.load_id},
            )
        # new periods: rows inserted (statement 2) less rows joined into a period (4)
        landed = counts[1] - counts[3]
        self.run.quarantine(rejected)
        self.summary.count_rows_seen += rows.height + len(rejected)
        self.summary.count_rows_landed += max(landed, 0)
        self.summary.count_rows_quarantined += len(rejected)

    def fail(self, series_id: str, error: Exception) -> None:
        self.run.give_up(self.summary, series_id, "could not load the series", error)


class _SeriesLander(_ObservationLander):
    """Fetches series from the FRED API and lands them."""

    def __init__(
        self,
        session: tuple[LoadRun, psycopg.Connection[Any], LoadSummary],
        client: FredClient,
        observations_per_page: int,
    ) -> None:
        super().__init__(session)
        self.client = client
        self.observations_per_page = observations_per_page

    def vintage_dates(self, series_id: str) -> list[dt.date]:
        dates: list[dt.date] = []
        offset: int | None = 0
        while offset is not None:
            document = self.client.get_json(
                "/fred/series/vintagedates",
                {"series_id": series_id, "limit": VINTAGE_DATES_PER_PAGE, "offset": offset},
            )
            page_dates, page = parse_vintage_dates(series_id, document)
            dates += page_dates
            offset = _next_offset(page, offset)
        return dates

    def land(self, series_id: str, windows: list[Window]) -> None:
        for window in windows:
            self.land_rows(*self._fetch_window(series_id, window))
        self._land_metadata(series_id)  # after the values: a refusal here loses none of them
        self.summary.count_documents_landed += 1
        log.info("fred: %s landed in %d window(s)", series_id, len(windows))

    def _land_metadata(self, series_id: str) -> None:
        try:
            document = self.client.get_json("/fred/series", {"series_id": series_id})
        except SourceError as error:
            if error.status != 404:
                raise
            # FRED itself answers 400 for an unknown series; a 404 is a mirror that keeps
            # observations only. The values are what matters: land them without metadata.
            log.warning("fred: %s: no series metadata at this server (%s)", series_id, error)
            return
        with self.connection.transaction():
            land_frame(
                self.connection,
                "raw_fred.series",
                parse_series(series_id, document),
                load_id=self.run.load_id,
            )

    def _fetch_window(self, series_id: str, window: Window) -> tuple[pl.DataFrame, list[Rejected]]:
        """Every page of the window's observations."""
        params: dict[str, Any] = {"series_id": series_id, "limit": self.observations_per_page}
        if window is not None:
            params |= {
                "realtime_start": window[0].isoformat(),
                "realtime_end": window[1].isoformat(),
            }
        frames, rejected = [], []
        offset: int | None = 0
        while offset is not None:
            document = self.client.get_json(
                "/fred/series/observations", params | {"offset": offset}
            )
            observations = parse_observations(series_id, document)
            frames.append(observations.rows)
            rejected += observations.rejected
            offset = _next_offset(observations.page, offset)
        return pl.concat(frames), rejected


def _next_offset(page: Page, asked: int) -> int | None:
    # A server that ignores `offset` would send the first page forever.
    if page.offset != asked:
        raise DocumentError(f"paging: asked for items from offset {asked}, got {page.offset}")
    return page.next_offset
