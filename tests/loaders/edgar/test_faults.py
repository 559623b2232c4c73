"""Faults at the source or in the loader's own process lose nothing and land nothing twice.

Every test serves real recorded documents over loopback and injects the fault at the HTTP level
(or kills the loader process); the loader's own functions are never mocked.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import TYPE_CHECKING, Any

import psycopg
import pytest
from edgar_replay import APPLE, IMUNON, edgar_environment
from replay import Fault

from factor_engine.loaders.edgar.load import load_ciks

if TYPE_CHECKING:
    from replay import ReplayServer

    from factor_engine.loaders.edgar.client import EdgarClients

pytestmark = pytest.mark.db

APPLE_FACTS = "/api/xbrl/companyfacts/CIK0000320193.json"
APPLE_SUBMISSIONS = "/submissions/CIK0000320193.json"
IMUNON_PAGE = "/submissions/CIK0000749647-submissions-001.json"
EXPECTED = {"facts": 24852, "filings": 2236 + 1000 + 395, "companies": 2}


def counts(url: str) -> dict[str, int]:
    with psycopg.connect(url) as connection:
        return {
            table: connection.execute(f"select count(*) from raw_edgar.{table}").fetchone()[0]  # type: ignore[index]
            for table in ("facts", "filings", "companies")
        }


def run_row(url: str, load_id: int) -> dict[str, Any]:
    with psycopg.connect(url) as connection:
        row = connection.execute(
            "select row_to_json(runs) from ops.load_runs as runs where load_id = %s", (load_id,)
        ).fetchone()
    assert row is not None
    return dict(row[0])


def test_429_waits_as_long_as_retry_after_says(
    migrated_database_url: str, clients: EdgarClients, replay: ReplayServer
) -> None:
    replay.fail(APPLE_FACTS, Fault(status=429, retry_after="1"))
    started = time.monotonic()
    summary = load_ciks(migrated_database_url, clients, [APPLE, IMUNON], show_progress=False)
    assert summary.succeeded
    assert time.monotonic() - started >= 1.0
    assert replay.count(APPLE_FACTS) == 2
    assert counts(migrated_database_url) == EXPECTED


@pytest.mark.parametrize(
    "faults",
    [
        (Fault(status=500), Fault(status=502), Fault(status=503)),
        (Fault(stall_seconds=1.5),),  # longer than the 1 s client timeout
        (Fault(truncate=True),),  # connection closed mid-body
    ],
    ids=["5xx", "timeout", "reset-mid-body"],
)
def test_transient_faults_are_retried_and_everything_lands_once(
    migrated_database_url: str,
    clients: EdgarClients,
    replay: ReplayServer,
    faults: tuple[Fault, ...],
) -> None:
    replay.fail(APPLE_FACTS, *faults)
    replay.fail(IMUNON_PAGE, *faults)
    summary = load_ciks(migrated_database_url, clients, [APPLE, IMUNON], show_progress=False)
    assert summary.succeeded, summary.failures
    assert counts(migrated_database_url) == EXPECTED
    assert run_row(migrated_database_url, summary.load_id)["status"] == "succeeded"


def test_a_malformed_document_is_quarantined_and_the_rest_lands(
    migrated_database_url: str, clients: EdgarClients, replay: ReplayServer
) -> None:
    replay.fail(APPLE_FACTS, Fault(body=b'{"cik": 320193, "facts": {"us-gaap": {"Rev'))
    summary = load_ciks(migrated_database_url, clients, [APPLE, IMUNON], show_progress=False)

    assert not summary.succeeded
    assert counts(migrated_database_url) == {**EXPECTED, "facts": 0}
    run = run_row(migrated_database_url, summary.load_id)
    assert run["status"] == "failed"
    assert "unreadable document" in run["error"]
    with psycopg.connect(migrated_database_url) as connection:
        quarantined = connection.execute(
            "select record_key, reason, record from ops.quarantine"
        ).fetchall()
    assert len(quarantined) == 1
    key, reason, record = quarantined[0]
    assert key.endswith(APPLE_FACTS)
    assert reason.startswith("unreadable document: unexpected end of data")
    assert record.startswith('{"cik": 320193')

    # the source recovers: the next run lands the document, and only it
    again = load_ciks(migrated_database_url, clients, [APPLE, IMUNON], show_progress=False)
    assert again.succeeded
    assert again.count_rows_landed == EXPECTED["facts"]
    assert counts(migrated_database_url) == EXPECTED


def test_a_page_that_keeps_failing_is_fetched_again_next_run(
    migrated_database_url: str, clients: EdgarClients, replay: ReplayServer
) -> None:
    replay.fail(IMUNON_PAGE, *[Fault(status=503)] * 4)  # every attempt of the first run
    first = load_ciks(migrated_database_url, clients, [APPLE, IMUNON], show_progress=False)
    assert not first.succeeded
    assert "HTTP 503 after 4 attempts" in first.failures[0]
    assert counts(migrated_database_url)["filings"] == EXPECTED["filings"] - 395

    second = load_ciks(migrated_database_url, clients, [APPLE, IMUNON], show_progress=False)
    assert second.succeeded
    assert counts(migrated_database_url) == EXPECTED


def test_bad_records_are_quarantined_once_across_runs(
    migrated_database_url: str, clients: EdgarClients, replay: ReplayServer
) -> None:
    import gzip
    import json

    from edgar_replay import FIXTURES

    document = json.loads(
        gzip.decompress((FIXTURES / "companyfacts/CIK0000320193.json.gz").read_bytes())
    )
    document["facts"]["us-gaap"]["Assets"]["units"]["USD"][0]["val"] = "n/a"
    replay.serve(APPLE_FACTS, json.dumps(document).encode())

    first = load_ciks(migrated_database_url, clients, [APPLE], show_progress=False)
    load_ciks(migrated_database_url, clients, [APPLE], show_progress=False)

    assert first.succeeded
    assert first.count_rows_quarantined == 1
    assert counts(migrated_database_url)["facts"] == EXPECTED["facts"] - 1
    with psycopg.connect(migrated_database_url) as connection:
        assert connection.execute("select count(*) from ops.quarantine").fetchone() == (1,)


@pytest.mark.slow
def test_a_killed_load_is_marked_abandoned_and_a_rerun_completes_it(
    migrated_database_url: str, replay: ReplayServer
) -> None:
    # Imunon's submissions stall, so the first process is killed with Apple landed and Imunon
    # in flight; the second run must finish the job without landing anything twice.
    replay.fail("/submissions/CIK0000749647.json", Fault(stall_seconds=30))
    env = {
        **os.environ,
        **edgar_environment(replay),
        "DATABASE_URL": migrated_database_url,
    }
    command = [
        sys.executable,
        "-m",
        "factor_engine.core.cli",
        "load",
        "edgar",
        "--cik",
        str(APPLE),
        "--cik",
        str(IMUNON),
        "--no-progress",
    ]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while counts(migrated_database_url)["facts"] < EXPECTED["facts"]:
            assert time.monotonic() < deadline, "the first process never landed Apple's facts"
            assert process.poll() is None, process.communicate()
            time.sleep(0.2)
        while replay.count("/submissions/CIK0000749647.json") == 0:
            time.sleep(0.1)
        process.send_signal(signal.SIGKILL)
    finally:
        replay.release()
        process.wait(timeout=30)
        if process.stdout:
            process.stdout.close()
        if process.stderr:
            process.stderr.close()

    rerun = subprocess.run(command, env=env, capture_output=True, text=True, check=False)

    assert rerun.returncode == 0, rerun.stderr
    assert "succeeded" in rerun.stdout
    assert counts(migrated_database_url) == EXPECTED
    with psycopg.connect(migrated_database_url) as connection:
        statuses = connection.execute(
            "select status from ops.load_runs order by load_id"
        ).fetchall()
    assert statuses == [("abandoned",), ("succeeded",)]
