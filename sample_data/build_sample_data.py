"""Rebuild the bundled sample data from the recorded public data in ../shared/data.

Run from the checkout with ../shared beside it: `.venv/bin/python sample_data/build_sample_data.py`.
It writes small, faithful subsets (see README.md): for each sample company, the companyfacts
facts of the concepts the factor core maps (dbt_project/seeds/fundamental_concepts.csv), the
submissions header with the filings those facts cite, and the daily price file; and the FRED
releases of two series, as recorded.
"""

from __future__ import annotations

import csv
import gzip
import json
import shutil
from pathlib import Path

HERE = Path(__file__).resolve().parent
SHARED = HERE.parents[1] / "shared" / "data"
CONCEPTS = HERE.parent / "dbt_project" / "seeds" / "fundamental_concepts.csv"

# (CIK, price files): companies with companyfacts, submissions and 2010-2017 prices in shared/data
COMPANIES = {
    320193: ["aapl"],
    789019: ["msft"],
    63908: ["mcd"],
    104169: ["wmt"],
    320187: ["nke"],
    909832: ["cost"],
    1045810: ["nvda"],
    1336917: ["uaa"],
    1376339: ["mdxg"],
    1364479: ["hri"],
}


# FRED releases recorded on five release days in 2026 (BLS data, public domain)
FRED_SERIES = ["UNRATE", "PAYEMS"]


def main() -> None:
    wanted = _wanted_concepts()
    for cik, tickers in COMPANIES.items():
        accessions = _write_companyfacts(cik, wanted)
        _write_submissions(cik, accessions)
        for ticker in tickers:
            source = SHARED / "prices" / "huge_us_stocks_2010_2017" / f"{ticker}.us.txt.gz"
            shutil.copyfile(source, _folder("prices") / source.name)
    for series in FRED_SERIES:
        for source in sorted((SHARED / "fred" / "api_json_vintages" / series).glob("*.json")):
            target = _folder("fred") / f"{source.name}.gz"
            target.write_bytes(gzip.compress(source.read_bytes(), mtime=0))
    print(f"sample data written to {HERE}")


def _wanted_concepts() -> set[tuple[str, str]]:
    with CONCEPTS.open() as handle:
        return {(row["taxonomy"], row["concept"]) for row in csv.DictReader(handle)}


def _write_companyfacts(cik: int, wanted: set[tuple[str, str]]) -> set[str]:
    name = f"CIK{cik:010d}.json"
    document = _read(SHARED / "edgar" / "companyfacts" / f"{name}.gz")
    document["facts"] = {
        taxonomy: {
            concept: body for concept, body in concepts.items() if (taxonomy, concept) in wanted
        }
        for taxonomy, concepts in document["facts"].items()
    }
    _write(_folder("edgar/companyfacts") / f"{name}.gz", document)
    return {
        fact["accn"]
        for concepts in document["facts"].values()
        for body in concepts.values()
        for facts in body["units"].values()
        for fact in facts
    }


def _write_submissions(cik: int, accessions: set[str]) -> None:
    name = f"CIK{cik:010d}.json"
    document = _read(SHARED / "edgar" / "submissions" / f"{name}.gz")
    recent = document["filings"]["recent"]
    keep = [i for i, number in enumerate(recent["accessionNumber"]) if number in accessions]
    document["filings"]["recent"] = {
        field: [values[i] for i in keep] for field, values in recent.items()
    }
    document["filings"]["files"] = []  # continuation pages are not bundled
    _write(_folder("edgar/submissions") / f"{name}.gz", document)


def _read(path: Path) -> dict:
    return json.loads(gzip.decompress(path.read_bytes()))


def _write(path: Path, document: dict) -> None:
    path.write_bytes(gzip.compress(json.dumps(document, separators=(",", ":")).encode(), mtime=0))


def _folder(relative: str) -> Path:
    folder = HERE / relative
    folder.mkdir(parents=True, exist_ok=True)
    return folder


if __name__ == "__main__":
    main()
