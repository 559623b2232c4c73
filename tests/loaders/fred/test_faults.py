"""FRED faults at the source lose nothing, land nothing twice, and never show the API key."""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

import psycopg
import pytest
from fred_replay import API_KEY
from replay import Fault

from factor_engine.loaders.fred.load import load_series

if TYPE_CHECKING:
    from fred_replay import FredReplay
    from replay import ReplayServer

    from factor_engine.loaders.fred.client import FredClient

pytestmark = pytest.mark.db

OBSERVATIONS = "/fred/series/observations"
SERIES = ["UNRATE", "PAYEMS"]


def landed(url: str) -> int:
    with psycopg.connect(url) as connection:
        row = connection.execute("select count(*) from raw_fred.observations").fetchone()
    assert row is not None
    return int(row[0])


def everything_the_loader_wrote(url: str) -> str:
    with psycopg.connect(url) as connection:
        rows = connection.execute(
            "select (select coalesce(json_agg(r), '[]') from ops.load_runs r)::text"
            " || (select coalesce(json_agg(q), '[]') from ops.quarantine q)::text"
        ).fetchone()
    assert rows is not None
    return str(rows[0])


def test_429_waits_as_long_as_retry_after_says(
    migrated_database_url: str, client: FredClient, fred: FredReplay, replay: ReplayServer
) -> None:
    replay.fail(OBSERVATIONS, Fault(status=429, retry_after="1"))
    started = time.monotonic()

    summary = load_series(migrated_database_url, client, SERIES, vintages=True, show_progress=False)

    assert summary.succeeded, summary.failures
    assert time.monotonic() - started >= 1.0
    assert landed(migrated_database_url) == sum(len(fred.series[s].periods) for s in SERIES)


@pytest.mark.parametrize(
    "faults",
    [
        (Fault(status=500), Fault(status=503)),
        (Fault(stall_seconds=1.5),),
        (Fault(truncate=True),),
    ],
    ids=["5xx", "timeout", "reset-mid-body"],
)
def test_transient_faults_are_retried_and_everything_lands_once(
    migrated_database_url: str,
    client: FredClient,
    fred: FredReplay,
    replay: ReplayServer,
    faults: tuple[Fault, ...],
) -> None:
    replay.fail(OBSERVATIONS, *faults)

    summary = load_series(migrated_database_url, client, SERIES, vintages=True, show_progress=False)

    replay.release()
    assert summary.succeeded, summary.failures
    assert landed(migrated_database_url) == sum(len(fred.series[s].periods) for s in SERIES)


def test_malformed_json_fails_that_series_only_and_the_next_run_lands_it(
    migrated_database_url: str, client: FredClient, fred: FredReplay, replay: ReplayServer
) -> None:
    replay.fail(OBSERVATIONS, Fault(body=b'{"count": 319, "observations": [{"date": "20'))

    first = load_series(migrated_database_url, client, SERIES, show_progress=False)

    assert first.count_documents_landed == 1
    assert len(first.failures) == 1
    assert first.failures[0].startswith("UNRATE: fred: ")
    assert "not JSON: " in first.failures[0]
    assert landed(migrated_database_url) == 319  # PAYEMS
    with psycopg.connect(migrated_database_url) as connection:
        quarantined = connection.execute("select record_key, reason from ops.quarantine").fetchall()
        run = connection.execute("select status, error from ops.load_runs").fetchone()
    assert [key for key, _ in quarantined] == ["UNRATE"]
    assert run is not None
    assert run[0] == "failed"
    assert run[1].startswith("1 series could not be landed; first: UNRATE: fred:")

    second = load_series(migrated_database_url, client, SERIES, show_progress=False)
    assert second.succeeded
    assert second.count_rows_landed == 319
    assert landed(migrated_database_url) == 2 * 319


def test_an_unknown_series_is_named_with_fred_s_reason_and_the_rest_lands(
    migrated_database_url: str, client: FredClient
) -> None:
    summary = load_series(
        migrated_database_url, client, ["NOSUCHSERIES", "UNRATE"], show_progress=False
    )

    assert len(summary.failures) == 1
    assert summary.failures[0].startswith("NOSUCHSERIES: fred: ")
    assert summary.failures[0].endswith("HTTP 400: Bad Request.  The series does not exist.")
    assert landed(migrated_database_url) == 319


def test_the_api_key_never_reaches_logs_errors_or_the_database(
    migrated_database_url: str,
    client: FredClient,
    replay: ReplayServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    replay.fail(OBSERVATIONS, Fault(status=503), *[Fault(status=500)] * 4)
    caplog.set_level(logging.DEBUG, logger="factor_engine")

    summary = load_series(migrated_database_url, client, ["UNRATE"], show_progress=False)

    assert not summary.succeeded
    ours = [r.getMessage() for r in caplog.records if r.name.startswith("factor_engine")]
    assert any("api_key=%2A%2A%2A" in message or "api_key=***" in message for message in ours)
    text = (
        "\n".join(ours)
        + "\n".join(summary.failures)
        + everything_the_loader_wrote(migrated_database_url)
    )
    assert API_KEY not in text
