"""The FRED loader end to end: a FRED API on loopback over recorded releases, real PostgreSQL.

The proof of point-in-time landing: asked "what was published on day d?", the landed table
answers exactly what FRED's recorded response of day d says, for every recorded release.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
from typing import TYPE_CHECKING, Any

import psycopg
import pytest
from fred_replay import FIXTURES, FredReplay

from factor_engine.loaders.fred.load import load_series

if TYPE_CHECKING:
    from replay import ReplayServer

    from factor_engine.loaders.fred.client import FredClient

pytestmark = pytest.mark.db

SERIES = ["UNRATE", "PAYEMS"]


def release_days(series_id: str) -> list[dt.date]:
    files = sorted((FIXTURES / "snapshots" / series_id).glob("*.json.gz"))
    return [dt.date.fromisoformat(f.name.removesuffix(".json.gz").rsplit("_", 1)[1]) for f in files]


def recorded_release(series_id: str, day: dt.date) -> dict[dt.date, float | None]:
    path = FIXTURES / "snapshots" / series_id / f"{series_id}_realtime_{day}.json.gz"
    document = json.loads(gzip.decompress(path.read_bytes()))
    return {
        dt.date.fromisoformat(o["date"]): None if o["value"] == "." else float(o["value"])
        for o in document["observations"]
    }


def published_on(url: str, series_id: str, day: dt.date) -> dict[dt.date, float | None]:
    with psycopg.connect(url) as connection:
        rows = connection.execute(
            "select observation_date, observed_value::float8 from raw_fred.observations"
            " where fred_series_id = %s and %s between realtime_start_date and realtime_end_date",
            (series_id, day),
        ).fetchall()
    return dict(rows)


def table(url: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(url) as connection:
        return connection.execute(
            "select fred_series_id, observation_date, realtime_start_date, realtime_end_date,"
            " observed_value from raw_fred.observations order by 1, 2, 3"
        ).fetchall()


def assert_every_release_is_reproduced(url: str) -> None:
    for series_id in SERIES:
        for day in release_days(series_id):
            assert published_on(url, series_id, day) == recorded_release(series_id, day), (
                series_id,
                day,
            )


def test_vintages_land_every_realtime_period_once(
    migrated_database_url: str, client: FredClient, fred: FredReplay
) -> None:
    first = load_series(migrated_database_url, client, SERIES, vintages=True, show_progress=False)
    again = load_series(migrated_database_url, client, SERIES, vintages=True, show_progress=False)

    assert first.succeeded, first.failures
    assert_every_release_is_reproduced(migrated_database_url)
    periods = sum(len(fred.series[s].periods) for s in SERIES)
    assert first.count_rows_landed == len(table(migrated_database_url)) == periods
    assert again.count_rows_landed == 0
    assert len(table(migrated_database_url)) == periods
    # PAYEMS revises the two months before each release: 4 releases x 2 revisions.
    revised = [
        r
        for r in table(migrated_database_url)
        if r[0] == "PAYEMS" and r[3] != dt.date(9999, 12, 31)
    ]
    assert len(revised) == 8


def test_windows_of_at_most_the_vintage_limit_give_the_same_table(
    migrated_database_url: str,
    empty_database_url: str,
    client: FredClient,
    fred: FredReplay,
) -> None:
    from factor_engine.core.migrate import migrate

    migrate(empty_database_url)
    load_series(migrated_database_url, client, SERIES, vintages=True, show_progress=False)
    fred.max_vintage_dates = 2
    fred.observation_requests.clear()

    chunked = load_series(
        empty_database_url,
        client,
        SERIES,
        vintages=True,
        show_progress=False,
        vintages_per_request=2,
    )

    assert chunked.succeeded, chunked.failures
    assert table(empty_database_url) == table(migrated_database_url)
    windows = [
        (r["realtime_start"], r["realtime_end"])
        for r in fred.observation_requests
        if r["series_id"] == "PAYEMS"
    ]
    assert windows == [
        ("2026-04-03", "2026-06-04"),
        ("2026-06-05", "2026-08-06"),
        ("2026-08-07", "9999-12-31"),
    ]


def test_a_window_over_the_limit_fails_the_series_with_fred_s_own_words(
    migrated_database_url: str, client: FredClient, fred: FredReplay
) -> None:
    fred.max_vintage_dates = 2

    summary = load_series(
        migrated_database_url, client, ["PAYEMS"], vintages=True, show_progress=False
    )

    assert summary.failures == [
        "PAYEMS: fred: "
        + client.url_for(
            "/fred/series/observations",
            {
                "series_id": "PAYEMS",
                "limit": 100000,
                "realtime_start": "2026-04-03",
                "realtime_end": "9999-12-31",
                "offset": 0,
            },
        )
        + ": HTTP 400: Bad Request.  This exceeds the maximum number of vintage dates allowed (2)."
    ]


def test_daily_snapshots_build_the_same_history_as_alfred(
    migrated_database_url: str, client: FredClient, fred: FredReplay
) -> None:
    for day in release_days("PAYEMS"):
        fred.today = day
        summary = load_series(migrated_database_url, client, SERIES, show_progress=False)
        assert summary.succeeded, summary.failures
    fred.today = release_days("PAYEMS")[-1] + dt.timedelta(days=3)  # a day without a release
    load_series(migrated_database_url, client, SERIES, show_progress=False)

    assert_every_release_is_reproduced(migrated_database_url)
    # The same periods as ALFRED's, except that snapshots know a value up to the last day they
    # were asked (2026-08-10), not that it is still current (9999-12-31).
    last_asked = dt.date(2026, 8, 10)
    alfred = {
        (s, dt.date.fromisoformat(p.date), p.start, p.end if p.end.year < 9999 else last_asked)
        for s in SERIES
        for p in fred.series[s].periods
    }
    landed = {row[:4] for row in table(migrated_database_url)}
    assert landed == alfred


def test_vintages_after_snapshots_complete_the_same_history(
    migrated_database_url: str, client: FredClient, fred: FredReplay
) -> None:
    load_series(migrated_database_url, client, SERIES, show_progress=False)

    load_series(migrated_database_url, client, SERIES, vintages=True, show_progress=False)

    assert_every_release_is_reproduced(migrated_database_url)
    assert len(table(migrated_database_url)) == sum(len(fred.series[s].periods) for s in SERIES)


def test_pages_are_followed_to_the_end(
    migrated_database_url: str, client: FredClient, fred: FredReplay
) -> None:
    summary = load_series(
        migrated_database_url,
        client,
        ["PAYEMS"],
        vintages=True,
        show_progress=False,
        observations_per_page=100,
    )

    assert summary.count_rows_landed == len(fred.series["PAYEMS"].periods) == 327
    assert [r["offset"] for r in fred.observation_requests] == ["0", "100", "200", "300"]


def test_series_metadata_lands_one_version(migrated_database_url: str, client: FredClient) -> None:
    load_series(migrated_database_url, client, SERIES, show_progress=False)
    load_series(migrated_database_url, client, SERIES, show_progress=False)

    with psycopg.connect(migrated_database_url) as connection:
        rows = connection.execute(
            "select fred_series_id, title, units, last_updated_at from raw_fred.series order by 1"
        ).fetchall()
    assert [(r[0], r[1], r[2]) for r in rows] == [
        ("PAYEMS", "All Employees, Total Nonfarm", "Thousands of Persons"),
        ("UNRATE", "Unemployment Rate", "Percent"),
    ]
    assert rows[1][3] == dt.datetime(2026, 8, 7, 12, 46, 2, tzinfo=dt.UTC)


def test_a_mirror_with_observations_only_still_lands_every_value(
    migrated_database_url: str, replay: ReplayServer
) -> None:
    from fred_replay import TEST_POLICY, settings_for_url

    from factor_engine.loaders.fred.client import fred_client

    release = FIXTURES / "snapshots" / "UNRATE" / "UNRATE_realtime_2026-08-07.json.gz"
    replay.serve_file("/fred/series/observations", release)  # the recorded bytes, nothing else
    client = fred_client(settings_for_url(replay.url), policy=TEST_POLICY)

    summary = load_series(migrated_database_url, client, ["UNRATE"], show_progress=False)

    client.close()
    assert summary.succeeded, summary.failures
    assert published_on(migrated_database_url, "UNRATE", dt.date(2026, 8, 7)) == (
        recorded_release("UNRATE", dt.date(2026, 8, 7))
    )
    assert table(migrated_database_url)[0][2:4] == (dt.date(2026, 8, 7), dt.date(2026, 8, 7))


def test_a_server_that_ignores_paging_fails_the_series_instead_of_looping(
    migrated_database_url: str, replay: ReplayServer
) -> None:
    from fred_replay import TEST_POLICY, settings_for_url

    from factor_engine.loaders.fred.client import fred_client

    # One recorded page of 36 observations out of 13,104, served whatever the offset asked.
    replay.serve_file("/fred/series/observations", FIXTURES / "T10Y2Y_desc_limit36.json")
    client = fred_client(settings_for_url(replay.url), policy=TEST_POLICY)

    summary = load_series(migrated_database_url, client, ["T10Y2Y"], show_progress=False)

    client.close()
    assert summary.failures == ["T10Y2Y: paging: asked for items from offset 36, got 0"]
    assert table(migrated_database_url) == []


def test_saved_responses_land_offline_like_daily_snapshots(
    migrated_database_url: str, fred: FredReplay
) -> None:
    from factor_engine.loaders.fred.load import load_observation_files

    files = sorted((FIXTURES / "snapshots").rglob("*.json.gz"))
    files.append(FIXTURES / "T10Y2Y_desc_limit36.json")  # one page of a paged response

    summary = load_observation_files(migrated_database_url, files, show_progress=False)

    assert summary.count_documents_landed == 10
    assert summary.failures == [
        "T10Y2Y (T10Y2Y_desc_limit36.json): one page of 36 of 13104 observations:"
        " save the whole series"
    ]
    assert_every_release_is_reproduced(migrated_database_url)
    last_release = dt.date(2026, 8, 7)
    assert {row[:4] for row in table(migrated_database_url)} == {
        (s, dt.date.fromisoformat(p.date), p.start, min(p.end, last_release))
        for s in SERIES
        for p in fred.series[s].periods
    }
