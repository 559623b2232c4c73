"""A FRED/ALFRED API on loopback, answering from recorded releases.

The fixtures are real `fred/series/observations` responses of two series, each recorded on the
day of a monthly release (`snapshots/<SERIES>/<SERIES>_realtime_<day>.json.gz`). From them the
server derives what ALFRED knows: every value with the realtime period in which it was the
published one, starting on the release that first showed it. It then answers as FRED does:

- `fred/series/observations` for any realtime window, periods clipped to the window, paged by
  `offset`/`limit`, refusing windows with more vintage dates than `max_vintage_dates`; asked
  for the day a document was recorded, it sends the recorded bytes unchanged;
- `fred/series/vintagedates`, paged; `fred/series` (metadata: `series.json`, written in FRED's
  documented format, as no recorded metadata response is at hand);
- 400 with FRED's `error_message` for a missing or wrong `api_key` or an unknown series.

Faults (429, 5xx, stalls, cut bodies, bad JSON) come from `ReplayServer.fail` as for EDGAR.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from replay import FAST_RETRIES
from werkzeug import Request, Response

from factor_engine.core.settings import Settings

if TYPE_CHECKING:
    from replay import ReplayServer

FIXTURES = Path(__file__).parents[1] / "fixtures" / "fred"
API_KEY = "0123456789abcdef0123456789abcdef"
OPEN_END = dt.date(9999, 12, 31)

TEST_POLICY = FAST_RETRIES


@dataclass(frozen=True)
class Period:
    date: str
    start: dt.date
    end: dt.date
    value: str


@dataclass
class RecordedSeries:
    series_id: str
    releases: dict[dt.date, bytes]  # release day -> the recorded response
    periods: list[Period] = field(default_factory=list)

    @classmethod
    def from_fixtures(cls, series_id: str) -> RecordedSeries:
        releases = {}
        for file in sorted((FIXTURES / "snapshots" / series_id).glob("*.json.gz")):
            day = dt.date.fromisoformat(file.name.removesuffix(".json.gz").rsplit("_", 1)[1])
            releases[day] = gzip.decompress(file.read_bytes())
        series = cls(series_id, dict(sorted(releases.items())))
        series.periods = series._derive_periods()
        return series

    def values_on(self, day: dt.date) -> dict[str, str]:
        """What FRED published on `day`: the periods that contain it."""
        return {p.date: p.value for p in self.periods if p.start <= day <= p.end}

    def _derive_periods(self) -> list[Period]:
        open_periods: dict[str, Period] = {}
        closed: list[Period] = []
        for day, body in self.releases.items():
            for item in json.loads(body)["observations"]:
                current = open_periods.get(item["date"])
                if current is not None and current.value == item["value"]:
                    continue
                if current is not None:
                    closed.append(
                        Period(
                            current.date, current.start, day - dt.timedelta(days=1), current.value
                        )
                    )
                open_periods[item["date"]] = Period(item["date"], day, OPEN_END, item["value"])
        return sorted([*closed, *open_periods.values()], key=lambda p: (p.date, p.start))


class FredReplay:
    """The FRED API over recorded releases; `today` is the day FRED's default realtime is."""

    def __init__(
        self, server: ReplayServer, series_ids: tuple[str, ...] = ("UNRATE", "PAYEMS")
    ) -> None:
        self.server = server
        self.series = {
            series_id: RecordedSeries.from_fixtures(series_id) for series_id in series_ids
        }
        self.metadata = json.loads((FIXTURES / "series.json").read_text())
        self.today = max(max(s.releases) for s in self.series.values())
        self.max_vintage_dates = 2000
        self.observation_requests: list[dict[str, str]] = []
        server.route("/fred/series", self._series)
        server.route("/fred/series/vintagedates", self._vintage_dates)
        server.route("/fred/series/observations", self._observations)

    @property
    def url(self) -> str:
        return self.server.url

    def _series(self, request: Request) -> Response:
        series, refusal = self._check(request)
        if refusal:
            return refusal
        return _json(
            {"realtime_start": self.today.isoformat(), "seriess": [self.metadata[series.series_id]]}
        )

    def _vintage_dates(self, request: Request) -> Response:
        series, refusal = self._check(request)
        if refusal:
            return refusal
        dates = [day.isoformat() for day in series.releases]
        offset, limit = _paging(request, 10_000)
        return _json(
            {
                "realtime_start": "1776-07-04",
                "realtime_end": "9999-12-31",
                "order_by": "vintage_date",
                "sort_order": "asc",
                "count": len(dates),
                "offset": offset,
                "limit": limit,
                "vintage_dates": dates[offset : offset + limit],
            }
        )

    def _observations(self, request: Request) -> Response:
        series, refusal = self._check(request)
        if refusal:
            return refusal
        self.observation_requests.append(dict(request.args))
        start = _day(request.args.get("realtime_start")) or self.today
        end = _day(request.args.get("realtime_end")) or self.today
        offset, limit = _paging(request, 100_000)
        vintages = [day for day in series.releases if start <= day <= end]
        if len(vintages) > self.max_vintage_dates:
            return _refuse(
                "Bad Request.  This exceeds the maximum number of vintage dates allowed "
                f"({self.max_vintage_dates})."
            )
        if start == end and start in series.releases and offset == 0 and limit >= 100_000:
            return Response(series.releases[start], content_type="application/json")
        rows = [
            {
                "realtime_start": max(p.start, start).isoformat(),
                "realtime_end": min(p.end, end).isoformat(),
                "date": p.date,
                "value": p.value,
            }
            for p in series.periods
            if p.start <= end and p.end >= start
        ]
        return _json(
            {
                "realtime_start": start.isoformat(),
                "realtime_end": end.isoformat(),
                "observation_start": "1600-01-01",
                "observation_end": "9999-12-31",
                "units": "lin",
                "output_type": 1,
                "file_type": "json",
                "order_by": "observation_date",
                "sort_order": "asc",
                "count": len(rows),
                "offset": offset,
                "limit": limit,
                "observations": rows[offset : offset + limit],
            }
        )

    def _check(self, request: Request) -> tuple[Any, Response | None]:
        key = request.args.get("api_key")
        if not key:
            return None, _refuse("Bad Request.  Variable api_key is not set.")
        if key != API_KEY:
            return None, _refuse("Bad Request.  The value for variable api_key is not registered.")
        if request.args.get("file_type") != "json":
            return None, _refuse("Bad Request.  This replay answers file_type=json only.")
        series = self.series.get(request.args.get("series_id", ""))
        if series is None:
            return None, _refuse("Bad Request.  The series does not exist.")
        return series, None


def fred_environment(replay: FredReplay | ReplayServer) -> dict[str, str]:
    return {"FRED_API_KEY": API_KEY, "FRED_BASE_URL": replay.url}


def settings_for(replay: FredReplay) -> Settings:
    return settings_for_url(replay.url)


def settings_for_url(url: str) -> Settings:
    return Settings.from_env({"FRED_API_KEY": API_KEY, "FRED_BASE_URL": url})


def _paging(request: Request, default_limit: int) -> tuple[int, int]:
    return int(request.args.get("offset", 0)), int(request.args.get("limit", default_limit))


def _day(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def _json(document: dict[str, Any]) -> Response:
    return Response(json.dumps(document, separators=(",", ":")), content_type="application/json")


def _refuse(message: str) -> Response:
    return Response(
        json.dumps({"error_code": 400, "error_message": message}),
        status=400,
        content_type="application/json",
    )
