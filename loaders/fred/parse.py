"""Pure readers of FRED API documents (`fred/series`, `fred/series/observations`,
`fred/series/vintagedates`) into the columns of `raw_fred.*`, and the ALFRED request windows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import polars as pl

from factor_engine.loaders._records import problem, split_rejected, version_hash
from factor_engine.loaders._runlog import Rejected

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

__all__ = [
    "OPEN_END",
    "DocumentError",
    "Observations",
    "Page",
    "parse_observations",
    "parse_series",
    "parse_vintage_dates",
    "vintage_windows",
]

OPEN_END = dt.date(9999, 12, 31)  # FRED's realtime_end of a value that is still current
MISSING = "."  # FRED's missing value

_SERIES_TEXT = (
    "title",
    "frequency",
    "frequency_short",
    "units",
    "units_short",
    "seasonal_adjustment",
    "seasonal_adjustment_short",
    "notes",
)
_OBSERVATION_FIELDS = ("realtime_start", "realtime_end", "date", "value")


class DocumentError(ValueError):
    """A FRED document without the structure the API documents."""


@dataclass(frozen=True)
class Page:
    """Where a paged response stands: `count` items in all, this page from `offset`."""

    count: int
    offset: int
    size: int

    @property
    def next_offset(self) -> int | None:
        following = self.offset + self.size
        return following if self.size and following < self.count else None


@dataclass(frozen=True)
class Observations:
    rows: pl.DataFrame
    page: Page
    rejected: list[Rejected] = field(default_factory=list)


def parse_series(series_id: str, document: Mapping[str, Any]) -> pl.DataFrame:
    """The one row of `raw_fred.series` a `fred/series` document describes.

    The realtime fields say when FRED answered, not what changed, so they are kept out of the
    version hash: the same metadata fetched on two days is one version.
    """
    found = [s for s in _list(document, "seriess") if isinstance(s, dict) and s.get("id")]
    matching = [s for s in found if str(s["id"]).upper() == series_id.upper()]
    if not matching:
        raise DocumentError(f"fred/series for {series_id}: the document describes no such series")
    raw = matching[0]
    if not raw.get("title"):
        raise DocumentError(f"fred/series for {series_id}: the series has no title")
    version: dict[str, Any] = {name: _text(raw.get(name)) for name in _SERIES_TEXT}
    version |= {
        "popularity": _integer(raw.get("popularity")),
        "observation_start_date": _date(raw.get("observation_start")),
        "observation_end_date": _date(raw.get("observation_end")),
        "last_updated_at": _timestamp(raw.get("last_updated")),
    }
    version |= {
        "fred_series_id": str(raw["id"]),
        "realtime_start_date": _date(raw.get("realtime_start")),
        "realtime_end_date": _date(raw.get("realtime_end")),
        "record_hash": version_hash(version),
    }
    return pl.DataFrame(
        [version],
        schema={
            "fred_series_id": pl.String,
            **dict.fromkeys(_SERIES_TEXT, pl.String),
            "popularity": pl.Int32,
            "observation_start_date": pl.Date,
            "observation_end_date": pl.Date,
            "realtime_start_date": pl.Date,
            "realtime_end_date": pl.Date,
            "last_updated_at": pl.Datetime("us", "UTC"),
            "record_hash": pl.String,
        },
    )


def parse_observations(series_id: str, document: Mapping[str, Any]) -> Observations:
    """The rows of one `fred/series/observations` page; "." becomes NULL, bad rows are rejected.

    Examples
    --------
    >>> page = {"count": 1, "offset": 0, "limit": 100000, "observations": [
    ...     {"realtime_start": "2026-08-07", "realtime_end": "2026-08-07",
    ...      "date": "2025-10-01", "value": "."}]}
    >>> parse_observations("UNRATE", page).rows["observed_value"].to_list()
    [None]
    """
    items = _list(document, "observations")
    try:
        raw = pl.from_dicts(items, schema=dict.fromkeys(_OBSERVATION_FIELDS, pl.String))
    except (TypeError, ValueError, pl.exceptions.PolarsError) as error:
        raise DocumentError(
            f"observations of {series_id}: not a list of objects: {error}"
        ) from error
    typed = raw.select(
        pl.lit(series_id).alias("fred_series_id"),
        pl.col("date").str.to_date("%Y-%m-%d", strict=False).alias("observation_date"),
        pl.col("realtime_start").str.to_date("%Y-%m-%d", strict=False).alias("realtime_start_date"),
        pl.col("realtime_end").str.to_date("%Y-%m-%d", strict=False).alias("realtime_end_date"),
        pl.when(pl.col("value") == MISSING)
        .then(None)
        .otherwise(pl.col("value").str.strip_chars().cast(pl.Float64, strict=False))
        .alias("observed_value"),
    )
    first_problem = pl.coalesce(
        problem(pl.col("observation_date").is_null(), "date is missing or not YYYY-MM-DD"),
        problem(
            pl.col("realtime_start_date").is_null() | pl.col("realtime_end_date").is_null(),
            "realtime_start or realtime_end is missing or not YYYY-MM-DD",
        ),
        problem(
            pl.col("realtime_start_date") > pl.col("realtime_end_date"),
            "realtime_start is after realtime_end",
        ),
        problem(
            (raw["value"] != MISSING).fill_null(True)
            & (pl.col("observed_value").is_null() | ~pl.col("observed_value").is_finite()),
            "value is neither a finite number nor FRED's '.' for missing",
        ),
    )
    rows, rejected = split_rejected(
        typed,
        first_problem,
        lambda item: f"{series_id} {item['date']} realtime {item['realtime_start']}",
        as_received=raw,
    )
    page = Page(
        count=_integer(document.get("count")) or len(items),
        offset=_integer(document.get("offset")) or 0,
        size=len(items),
    )
    return Observations(rows, page, rejected)


def parse_vintage_dates(series_id: str, document: Mapping[str, Any]) -> tuple[list[dt.date], Page]:
    """The release dates of one `fred/series/vintagedates` page."""
    items = _list(document, "vintage_dates")
    dates = [_date(item) for item in items]
    if any(date is None for date in dates):
        raise DocumentError(
            f"fred/series/vintagedates for {series_id}: a vintage date is not a date"
        )
    page = Page(
        count=_integer(document.get("count")) or len(items),
        offset=_integer(document.get("offset")) or 0,
        size=len(items),
    )
    return [date for date in dates if date is not None], page


def vintage_windows(
    vintage_dates: Sequence[dt.date], per_request: int
) -> list[tuple[dt.date, dt.date]]:
    """Realtime windows of at most `per_request` vintage dates that cover every vintage.

    Each window ends the day before the next one starts (no vintage date falls between), and
    the last stays open, so the periods the windows return join up without gaps.

    Examples
    --------
    >>> d = [dt.date(2020, 1, day) for day in (2, 9, 16, 23, 30)]
    >>> [(a.isoformat(), b.isoformat()) for a, b in vintage_windows(d, 2)]
    [('2020-01-02', '2020-01-15'), ('2020-01-16', '2020-01-29'), ('2020-01-30', '9999-12-31')]
    """
    if per_request < 1:
        raise ValueError("per_request must be at least 1")
    ordered = sorted(set(vintage_dates))
    starts = ordered[::per_request]
    ends = [start - dt.timedelta(days=1) for start in starts[1:]] + [OPEN_END]
    return list(zip(starts, ends, strict=True))


def _list(document: Mapping[str, Any], key: str) -> list[Any]:
    value = document.get(key)
    if not isinstance(value, list):
        raise DocumentError(f"the document has no {key!r} list")
    return value


def _text(value: object) -> str | None:
    return str(value).strip() or None if value is not None else None


def _integer(value: object) -> int | None:
    try:
        return int(str(value)) if value is not None and str(value).strip() else None
    except ValueError:
        return None


def _date(value: object) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _timestamp(value: object) -> dt.datetime | None:
    # FRED writes last_updated as "2026-08-01 07:46:02-05" (US Central, offset in hours).
    if not value:
        return None
    text = str(value)
    if len(text) >= 3 and text[-3] in "+-" and text[-2:].isdigit():
        text += ":00"
    try:
        stamp = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return stamp.astimezone(dt.UTC) if stamp.tzinfo else stamp.replace(tzinfo=dt.UTC)
