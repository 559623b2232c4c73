"""The EDGAR parsers on real recorded documents, and on broken ones."""

from __future__ import annotations

import copy
import gzip
import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from factor_engine.loaders.edgar.parse import (
    DocumentError,
    cik_from,
    parse_companyfacts,
    parse_submissions,
    parse_submissions_page,
)

FIXTURES = Path(__file__).parents[2] / "fixtures" / "edgar"


def read(relative: str) -> Any:
    return json.loads(gzip.decompress((FIXTURES / relative).read_bytes()))


def count_facts(document: dict[str, Any]) -> int:
    return sum(
        len(facts)
        for concepts in document["facts"].values()
        for body in concepts.values()
        for facts in body["units"].values()
    )


def test_every_recorded_fact_is_parsed_once() -> None:
    document = read("companyfacts/CIK0000320193.json.gz")
    parsed = parse_companyfacts(document)
    assert parsed.rejected == []
    assert parsed.facts.height == count_facts(document) == 24852
    assert parsed.facts.select("taxonomy").unique().to_series().sort().to_list() == [
        "dei",
        "us-gaap",
    ]


def test_a_fact_keeps_its_period_value_and_filing() -> None:
    facts = parse_companyfacts(read("companyfacts/CIK0000320193.json.gz")).facts
    revenue = facts.filter(
        (facts["concept"] == "RevenueFromContractWithCustomerExcludingAssessedTax")
        & (facts["period_start_date"] == date(2022, 9, 25))
        & (facts["period_end_date"] == date(2023, 9, 30))
        & (facts["form"] == "10-K")
        & (facts["fiscal_year"] == 2023)
    )
    assert revenue.select("reported_value", "accession_number", "filed_date").rows() == [
        ("383285000000", "0000320193-23-000106", date(2023, 11, 3))
    ]


def test_bad_facts_are_rejected_with_a_reason_and_the_rest_kept() -> None:
    document = read("companyfacts/CIK0000320193.json.gz")
    broken = copy.deepcopy(document)
    units = broken["facts"]["us-gaap"]["Assets"]["units"]["USD"]
    units[0]["val"] = "a lot"
    units[1]["accn"] = "not-an-accession"
    units[2]["start"], units[2]["end"] = "2024-01-01", "2023-01-01"
    del units[3]["end"]
    parsed = parse_companyfacts(broken)
    reasons = sorted(rejected.reason for rejected in parsed.rejected)
    assert reasons == [
        "accession number is missing or malformed",
        "period end is missing or not a date",
        "period starts after it ends",
        "value is missing or not a finite number",
    ]
    assert parsed.facts.height == count_facts(document) - 4
    assert all(r.record_key.startswith("CIK0000320193 us-gaap:Assets USD") for r in parsed.rejected)
    assert '"val": "a lot"' in next(r.record for r in parsed.rejected if "value" in r.reason)


def test_values_beyond_64_bits_keep_every_digit_and_a_non_object_fact_is_rejected() -> None:
    document = read("companyfacts/CIK0000320193.json.gz")
    units = document["facts"]["us-gaap"]["Assets"]["units"]["USD"]
    units[0]["val"] = 123456789012345678901234567890
    units[1]["val"] = 0.1
    units.append(["not", "a", "fact"])

    parsed = parse_companyfacts(document)

    values = parsed.facts.filter(parsed.facts["concept"] == "Assets")["reported_value"]
    assert values[:2].to_list() == ["123456789012345678901234567890", "0.1"]
    assert [(r.reason, r.record) for r in parsed.rejected] == [
        (
            "period end is missing or not a date; value is missing or not a finite number; "
            "accession number is missing or malformed; form is missing; "
            "filing date is missing or not a date",
            '{"taxonomy": "us-gaap", "concept": "Assets", "unit": "USD", '
            '"fact": ["not", "a", "fact"]}',
        )
    ]


def test_submissions_give_the_company_and_filings_with_utc_acceptance_times() -> None:
    parsed = parse_submissions(read("submissions/CIK0000320193.json.gz"))
    company = parsed.company.row(0, named=True)
    assert (company["cik"], company["entity_name"], company["sic_code"]) == (
        320193,
        "Apple Inc.",
        3571,
    )
    assert company["tickers"] == ["AAPL"]
    assert company["fiscal_year_end"] == "0926"
    assert parsed.rejected == []
    assert parsed.filings.height == 2236
    ten_k = parsed.filings.filter(parsed.filings["accession_number"] == "0000320193-23-000106")
    assert ten_k.select("form", "filed_date", "accepted_at").row(0) == (
        "10-K",
        date(2023, 11, 3),
        datetime(2023, 11, 2, 22, 8, 27, tzinfo=UTC),
    )


def test_same_company_content_has_the_same_hash_and_a_change_a_new_one() -> None:
    document = read("submissions/CIK0000320193.json.gz")
    first = parse_submissions(document).company["record_hash"][0]
    assert parse_submissions(copy.deepcopy(document)).company["record_hash"][0] == first
    renamed = copy.deepcopy(document)
    renamed["tickers"] = ["AAPL", "APPL"]
    assert parse_submissions(renamed).company["record_hash"][0] != first


def test_continuation_pages_are_listed_and_parsed() -> None:
    parsed = parse_submissions(read("submissions/CIK0000749647.json.gz"))
    assert parsed.continuation_pages == ["CIK0000749647-submissions-001.json"]
    filings, rejected = parse_submissions_page(
        749647, read("submissions/CIK0000749647-submissions-001.json.gz")
    )
    assert rejected == []
    assert filings.height == 395
    assert filings["cik"].unique().to_list() == [749647]


def test_a_filing_without_acceptance_time_is_rejected() -> None:
    document = read("submissions/CIK0000749647.json.gz")
    document["filings"]["recent"]["acceptanceDateTime"][0] = ""
    parsed = parse_submissions(document)
    assert [r.reason for r in parsed.rejected] == ["acceptance time is missing or not an instant"]
    assert parsed.filings.height == 999


@pytest.mark.parametrize(
    ("parse", "document"),
    [
        (parse_companyfacts, {}),
        (parse_companyfacts, {"cik": "x", "facts": {}}),
        (parse_companyfacts, {"cik": 1, "facts": []}),
        (parse_submissions, {"cik": 1, "name": "n"}),
        (
            parse_submissions,
            {
                "cik": 1,
                "name": "n",
                "filings": {"recent": {"accessionNumber": ["0000000001-20-000001"], "form": []}},
            },
        ),
    ],
)
def test_unusable_documents_raise_document_error(parse: Any, document: dict[str, Any]) -> None:
    with pytest.raises(DocumentError):
        parse(document)


@pytest.mark.parametrize("value", [320193, "320193", "0000320193", "CIK0000320193", "cik320193"])
def test_cik_forms(value: object) -> None:
    assert cik_from(value) == 320193
