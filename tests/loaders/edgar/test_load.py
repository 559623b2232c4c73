"""The EDGAR loader end to end: replay server over loopback, real PostgreSQL, real COPY."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psycopg
import pytest
from edgar_replay import APPLE, FIXTURES, IMUNON, USER_AGENT, serve_edgar

from factor_engine.loaders.edgar.load import load_bulk, load_ciks, resolve_tickers

if TYPE_CHECKING:
    from replay import ReplayServer

    from factor_engine.loaders.edgar.client import EdgarClients

pytestmark = pytest.mark.db


def fixture_counts() -> dict[str, int]:
    facts = json.loads(
        gzip.decompress((FIXTURES / "companyfacts/CIK0000320193.json.gz").read_bytes())
    )
    recent = json.loads(
        gzip.decompress((FIXTURES / "submissions/CIK0000320193.json.gz").read_bytes())
    )
    imunon = json.loads(
        gzip.decompress((FIXTURES / "submissions/CIK0000749647.json.gz").read_bytes())
    )
    page = json.loads(
        gzip.decompress(
            (FIXTURES / "submissions/CIK0000749647-submissions-001.json.gz").read_bytes()
        )
    )
    return {
        "facts": sum(
            len(units)
            for concepts in facts["facts"].values()
            for body in concepts.values()
            for units in body["units"].values()
        ),
        "filings": len(recent["filings"]["recent"]["accessionNumber"])
        + len(imunon["filings"]["recent"]["accessionNumber"])
        + len(page["accessionNumber"]),
    }


def scalar(url: str, query: str, *params: Any) -> Any:
    with psycopg.connect(url) as connection:
        row = connection.execute(query, params or None).fetchone()
    return row[0] if row else None


def test_lands_every_record_once_with_knowledge_times(
    migrated_database_url: str, clients: EdgarClients, replay: ReplayServer
) -> None:
    summary = load_ciks(migrated_database_url, clients, [APPLE, IMUNON], show_progress=False)

    expected = fixture_counts()
    assert summary.succeeded, summary.failures
    assert (
        scalar(migrated_database_url, "select count(*) from raw_edgar.facts") == expected["facts"]
    )
    assert (
        scalar(migrated_database_url, "select count(*) from raw_edgar.filings")
        == expected["filings"]
    )
    assert scalar(migrated_database_url, "select count(*) from raw_edgar.companies") == 2
    # every fact links to the acceptance time of the filing that reported it
    assert (
        scalar(
            migrated_database_url,
            "select count(*) from raw_edgar.facts as facts where not exists ("
            " select from raw_edgar.filings as filings where filings.cik = facts.cik"
            " and filings.accession_number = facts.accession_number)",
        )
        == 0
    )
    assert (
        scalar(
            migrated_database_url,
            "select accepted_at from raw_edgar.filings where accession_number = %s",
            "0000320193-23-000106",
        ).isoformat()
        == "2023-11-02T22:08:27+00:00"
    )
    run = scalar(
        migrated_database_url,
        "select row_to_json(runs) from ops.load_runs as runs where load_id = %s",
        summary.load_id,
    )
    assert run["status"] == "succeeded"
    assert run["count_rows_landed"] == expected["facts"] + expected["filings"] + 2
    assert run["count_rows_quarantined"] == 0
    # every request named us to SEC
    assert {agent for _, agent, _ in replay.requests} == {USER_AGENT}


def test_a_second_run_changes_nothing_and_asks_conditionally(
    migrated_database_url: str, clients: EdgarClients, replay: ReplayServer
) -> None:
    load_ciks(migrated_database_url, clients, [APPLE, IMUNON], show_progress=False)
    before = scalar(migrated_database_url, "select count(*) from raw_edgar.facts")

    again = load_ciks(migrated_database_url, clients, [APPLE, IMUNON], show_progress=False)

    assert again.succeeded
    assert again.count_rows_landed == 0
    # 2 submissions and 1 companyfacts answer 304; an unchanged submissions file lists the same
    # continuation pages, which are history and are not fetched again
    assert again.count_documents_unchanged == 3
    assert replay.count("/submissions/CIK0000749647-submissions-001.json") == 1
    assert scalar(migrated_database_url, "select count(*) from raw_edgar.facts") == before
    apple_facts = "/api/xbrl/companyfacts/CIK0000320193.json"
    assert [status for path, _, status in replay.requests if path == apple_facts] == [200, 304]


def test_a_newer_retrieval_adds_only_the_new_facts_and_overwrites_nothing(
    migrated_database_url: str, clients: EdgarClients, replay: ReplayServer
) -> None:
    serve_edgar(
        replay, companyfacts=FIXTURES / "companyfacts_vintages/2026-01-30/CIK0000320193.json.gz"
    )
    load_ciks(migrated_database_url, clients, [APPLE], show_progress=False)
    older = scalar(migrated_database_url, "select count(*) from raw_edgar.facts")
    first_load = scalar(migrated_database_url, "select min(load_id) from raw_edgar.facts")

    serve_edgar(replay)  # the later retrieval
    summary = load_ciks(migrated_database_url, clients, [APPLE], show_progress=False)

    newer = scalar(migrated_database_url, "select count(*) from raw_edgar.facts")
    assert (older, newer) == (24579, 24852)
    assert summary.count_rows_landed == newer - older
    # the first retrieval's rows are still those of the first run
    assert (
        scalar(
            migrated_database_url,
            "select count(*) from raw_edgar.facts where load_id = %s",
            first_load,
        )
        == older
    )
    assert scalar(
        migrated_database_url,
        "select max(filed_date) > '2026-01-30' from raw_edgar.facts where load_id = %s",
        summary.load_id,
    )


def test_tickers_resolve_through_company_tickers(clients: EdgarClients) -> None:
    assert resolve_tickers(clients, ["aapl", "IMNN"]) == {"AAPL": APPLE, "IMNN": IMUNON}
    with pytest.raises(ValueError, match="does not know: ZZZZ"):
        resolve_tickers(clients, ["ZZZZ"])


def test_bulk_files_land_like_the_api(migrated_database_url: str, tmp_path: Path) -> None:
    import zipfile

    with zipfile.ZipFile(tmp_path / "submissions.zip", "w") as archive:
        for file in (FIXTURES / "submissions").glob("*.json.gz"):
            archive.writestr(file.name.removesuffix(".gz"), gzip.decompress(file.read_bytes()))
    extracted = tmp_path / "companyfacts"
    extracted.mkdir()
    (extracted / "CIK0000320193.json").write_bytes(
        gzip.decompress((FIXTURES / "companyfacts/CIK0000320193.json.gz").read_bytes())
    )

    summary = load_bulk(
        migrated_database_url, [tmp_path / "submissions.zip", extracted], show_progress=False
    )

    expected = fixture_counts()
    assert summary.succeeded, summary.failures
    assert summary.count_documents_landed == 4
    assert (
        scalar(migrated_database_url, "select count(*) from raw_edgar.facts") == expected["facts"]
    )
    assert (
        scalar(migrated_database_url, "select count(*) from raw_edgar.filings")
        == expected["filings"]
    )
    rerun = load_bulk(
        migrated_database_url, [tmp_path / "submissions.zip", extracted], show_progress=False
    )
    assert (rerun.count_documents_unchanged, rerun.count_rows_landed) == (4, 0)


def test_gzipped_documents_land_and_an_empty_folder_is_a_clear_error(
    migrated_database_url: str, tmp_path: Path
) -> None:
    from factor_engine.loaders.errors import BulkSourceError

    summary = load_bulk(
        migrated_database_url,
        [FIXTURES / "companyfacts", FIXTURES / "submissions"],
        show_progress=False,
    )

    assert summary.succeeded, summary.failures
    assert summary.count_documents_landed == 4
    assert (
        scalar(migrated_database_url, "select count(*) from raw_edgar.facts")
        == (fixture_counts()["facts"])
    )
    with pytest.raises(BulkSourceError, match=f"{tmp_path} holds no CIK"):
        load_bulk(migrated_database_url, [tmp_path], show_progress=False)


def test_a_fact_twice_in_one_document_lands_once(
    migrated_database_url: str, tmp_path: Path
) -> None:
    document = json.loads(
        gzip.decompress((FIXTURES / "companyfacts/CIK0000320193.json.gz").read_bytes())
    )
    units = document["facts"]["us-gaap"]["Assets"]["units"]["USD"]
    units.append(dict(units[0]))  # the same fact again: the first load's fast COPY must not fail
    (tmp_path / "CIK0000320193.json").write_text(json.dumps(document))

    summary = load_bulk(migrated_database_url, [tmp_path], show_progress=False)

    assert summary.succeeded, summary.failures
    assert summary.count_rows_landed == fixture_counts()["facts"]
    assert (
        scalar(migrated_database_url, "select count(*) from raw_edgar.facts")
        == (fixture_counts()["facts"])
    )
