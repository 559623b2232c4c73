"""Benchmark: EDGAR companyfacts landing throughput from local files (facts/s, peak memory).

Usage (from the checkout, with ../shared beside it, or --source pointing at CIK*.json[.gz] files):

    .venv/bin/python bench/edgar_landing.py [--source DIR] [--repeat N]

It creates a throwaway database on DATABASE_URL's server (default: 127.0.0.1:5432), migrates it,
lands every companyfacts document with `load_bulk` (the same code path as
`factor-engine load edgar --bulk`), and prints wall time, facts per second and the process's
peak resident memory. Target (issue #3): >= 200,000 facts/s.
"""

from __future__ import annotations

import argparse
import gzip
import os
import resource
import shutil
import tempfile
import time
import uuid
from pathlib import Path

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

from factor_engine.core.migrate import migrate
from factor_engine.loaders.edgar.load import load_bulk

DEFAULT_SOURCE = Path(__file__).resolve().parents[2] / "shared" / "data" / "edgar" / "companyfacts"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--repeat", type=int, default=1, help="copies of each document (new CIKs)")
    arguments = parser.parse_args()

    server = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    name = f"fe_bench_{uuid.uuid4().hex[:8]}"
    folder = Path(tempfile.mkdtemp(prefix="fe-bench-"))
    try:
        documents = _prepare(arguments.source, folder, arguments.repeat)
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
        url = make_url(server).set(database=name).render_as_string(hide_password=False)
        migrate(url)

        started = time.perf_counter()
        summary = load_bulk(url, [folder], show_progress=False)
        elapsed = time.perf_counter() - started
        with psycopg.connect(url) as connection:
            facts = connection.execute("select count(*) from raw_edgar.facts").fetchone()[0]  # type: ignore[index]

        started = time.perf_counter()
        load_bulk(url, [folder], show_progress=False)
        rerun = time.perf_counter() - started

        peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"documents            {documents}")
        print(f"facts landed         {facts:,}")
        print(f"wall time            {elapsed:.2f} s")
        print(f"throughput           {facts / elapsed:,.0f} facts/s")
        print(f"re-run (unchanged)   {rerun:.2f} s")
        print(f"peak RSS (Python)    {peak_mib:,.0f} MiB")
        print(f"run status           {'succeeded' if summary.succeeded else summary.failures}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(
                sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name))
            )


def _prepare(source: Path, folder: Path, repeat: int) -> int:
    """Decompressed CIK*.json files; copies get new CIKs so every fact is new."""
    count = 0
    for file in sorted(source.glob("CIK*.json*")):
        data = gzip.decompress(file.read_bytes()) if file.suffix == ".gz" else file.read_bytes()
        for copy in range(repeat):
            cik = int(file.name[3:13])
            if copy:
                new_cik = cik + copy * 10_000_000
                data_copy = data.replace(
                    f'"cik":{cik}'.encode(), f'"cik":{new_cik}'.encode(), 1
                ).replace(f'"cik": {cik}'.encode(), f'"cik": {new_cik}'.encode(), 1)
            else:
                new_cik, data_copy = cik, data
            (folder / f"CIK{new_cik:010d}.json").write_bytes(data_copy)
            count += 1
    return count


if __name__ == "__main__":
    main()
