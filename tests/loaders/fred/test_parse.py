"""FRED document readers and the ALFRED request windows: pure functions, real documents."""

from __future__ import annotations

import datetime as dt
import gzip
import itertools
import json
from pathlib import Path
from typing import Any

import pytest

from factor_engine.loaders.fred.parse import (
    OPEN_END,
    DocumentError,
    parse_observations,
    parse_series,
    vintage_windows,
)

FIXTURES = Path(__file__).parents[2] / "fixtures" / "fred"


def recorded(series_id: str, day: str) -> dict[str, Any]:
    path = FIXTURES / "snapshots" / series_id / f"{series_id}_realtime_{day}.json.gz"
    document: dict[str, Any] = json.loads(gzip.decompress(path.read_bytes()))
    return document


def test_a_recorded_release_reads_whole_with_missing_as_null() -> None:
    document = recorded("UNRATE", "2026-08-07")

    observations = parse_observations("UNRATE", document)

    assert observations.rejected == []
    assert observations.rows.height == document["count"] == 319
    assert observations.page.next_offset is None
    missing = observations.rows.filter(observations.rows["observed_value"].is_null())
    assert missing["observation_date"].to_list() == [dt.date(2025, 10, 1)]  # the 2025 shutdown
    assert set(observations.rows["realtime_start_date"]) == {dt.date(2026, 8, 7)}


def test_bad_observations_are_rejected_with_their_reason() -> None:
    base = {"realtime_start": "2026-08-07", "realtime_end": "2026-08-07"}
    document = {
        "count": 4,
        "observations": [
            {**base, "date": "2026-01-01", "value": "4.3"},
            {**base, "date": "2026-02-30", "value": "4.3"},
            {**base, "date": "2026-03-01", "value": "n/a"},
            {
                "realtime_start": "2026-08-08",
                "realtime_end": "2026-08-07",
                "date": "2026-04-01",
                "value": "1",
            },
        ],
    }

    observations = parse_observations("UNRATE", document)

    assert observations.rows["observed_value"].to_list() == [4.3]
    assert [(r.record_key, r.reason) for r in observations.rejected] == [
        ("UNRATE 2026-02-30 realtime 2026-08-07", "date is missing or not YYYY-MM-DD"),
        (
            "UNRATE 2026-03-01 realtime 2026-08-07",
            "value is neither a finite number nor FRED's '.' for missing",
        ),
        ("UNRATE 2026-04-01 realtime 2026-08-08", "realtime_start is after realtime_end"),
    ]


def test_a_document_without_observations_is_refused() -> None:
    with pytest.raises(DocumentError, match="no 'observations' list"):
        parse_observations("UNRATE", {"error_message": "Bad Request."})


def test_paging_continues_until_count() -> None:
    document = json.loads((FIXTURES / "T10Y2Y_desc_limit36.json").read_text())

    page = parse_observations("T10Y2Y", document).page

    assert (page.count, page.offset, page.size, page.next_offset) == (13104, 0, 36, 36)


def test_series_metadata_version_ignores_when_it_was_asked() -> None:
    metadata = json.loads((FIXTURES / "series.json").read_text())["UNRATE"]
    asked_later = {**metadata, "realtime_start": "2026-09-01", "realtime_end": "2026-09-01"}

    first = parse_series("UNRATE", {"seriess": [metadata]})
    later = parse_series("UNRATE", {"seriess": [asked_later]})

    assert first["record_hash"].item() == later["record_hash"].item()
    assert first["last_updated_at"].item() == dt.datetime(2026, 8, 7, 12, 46, 2, tzinfo=dt.UTC)
    assert first["title"].item() == "Unemployment Rate"
    with pytest.raises(DocumentError, match="describes no such series"):
        parse_series("PAYEMS", {"seriess": [metadata]})


@pytest.mark.parametrize("per_request", [1, 2, 3, 2000])
def test_vintage_windows_cover_every_date_once_and_stay_within_the_limit(per_request: int) -> None:
    dates = [dt.date(2026, 1, 1) + dt.timedelta(days=7 * week) for week in range(7)]

    windows = vintage_windows(dates, per_request)

    covering = [[d for d in dates if start <= d <= end] for start, end in windows]
    assert sorted(d for chunk in covering for d in chunk) == dates
    assert all(1 <= len(chunk) <= per_request for chunk in covering)
    assert all(a[1] + dt.timedelta(days=1) == b[0] for a, b in itertools.pairwise(windows))
    assert windows[-1][1] == OPEN_END
