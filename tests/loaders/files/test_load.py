"""The bar-file loader end to end: real files, real PostgreSQL, real COPY."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path
from typing import Any

import polars as pl
import psycopg
import pytest
from click.testing import CliRunner

from factor_engine.core.cli import main
from factor_engine.loaders.files.load import load_bar_files

pytestmark = pytest.mark.db

PRICES = Path(__file__).parents[2] / "fixtures" / "prices"
ROWS_PER_FIXTURE = 1980


@pytest.fixture
def prices(tmp_path: Path) -> Path:
    folder = tmp_path / "stooq"
    shutil.copytree(PRICES, folder)
    return folder


def query(url: str, sql: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(url) as connection:
        return connection.execute(sql).fetchall()


def test_lands_every_bar_of_a_folder_once(migrated_database_url: str, prices: Path) -> None:
    first = load_bar_files(migrated_database_url, [prices], show_progress=False)
    again = load_bar_files(migrated_database_url, [prices], show_progress=False)

    assert first.succeeded
    assert (first.count_documents_landed, first.count_rows_landed) == (2, 2 * ROWS_PER_FIXTURE)
    assert (again.count_documents_unchanged, again.count_rows_landed) == (2, 0)
    assert query(
        migrated_database_url,
        "select dataset, symbol, count(*), min(trade_date)::text, max(trade_date)::text,"
        " count(distinct load_id) from raw_files.daily_bars group by 1, 2 order by 2",
    ) == [
        ("stooq", "AAPL", ROWS_PER_FIXTURE, "2010-01-04", "2017-11-10", 1),
        ("stooq", "MSFT", ROWS_PER_FIXTURE, "2010-01-04", "2017-11-10", 1),
    ]
    assert query(
        migrated_database_url,
        "select status, count_rows_seen, count_rows_landed from ops.load_runs order by load_id",
    ) == [("succeeded", 2 * ROWS_PER_FIXTURE, 2 * ROWS_PER_FIXTURE), ("succeeded", 0, 0)]


def test_a_file_that_grew_lands_only_its_new_bars(migrated_database_url: str, prices: Path) -> None:
    aapl = prices / "aapl.us.txt.gz"
    load_bar_files(migrated_database_url, [aapl], show_progress=False)
    grown = gzip.decompress(aapl.read_bytes()) + b"2017-11-13,173.5,174.5,173.4,173.97,16828025,0\n"
    aapl.write_bytes(gzip.compress(grown))

    summary = load_bar_files(migrated_database_url, [aapl], show_progress=False)

    assert (summary.count_rows_seen, summary.count_rows_landed) == (ROWS_PER_FIXTURE + 1, 1)
    assert query(
        migrated_database_url,
        "select count(*), max(trade_date)::text from raw_files.daily_bars",
    ) == [(ROWS_PER_FIXTURE + 1, "2017-11-13")]


def test_bad_rows_and_unreadable_files_are_quarantined_and_the_rest_lands(
    migrated_database_url: str, prices: Path
) -> None:
    (prices / "ibm.csv").write_text(
        "Date,Open,High,Low,Close,Volume\n"
        "2018-01-02,154.5,154.81,153.54,154.25,4202503\n"
        "2018-01-03,157.34,159.81,156.33,-1,9441567\n"
    )
    (prices / "broken.parquet").write_bytes(b"PAR1 this is not a parquet file")

    summary = load_bar_files(migrated_database_url, [prices], show_progress=False)

    assert not summary.succeeded
    assert summary.count_rows_landed == 2 * ROWS_PER_FIXTURE + 1
    assert query(
        migrated_database_url, "select record_key, reason from ops.quarantine order by 1"
    ) == [
        (
            "stooq/broken.parquet",
            "unreadable file: " + summary.failures[0].removeprefix("stooq/broken.parquet: "),
        ),
        ("stooq/ibm.csv IBM 2018-01-03", "close is missing or not positive"),
    ]
    assert query(migrated_database_url, "select status, error from ops.load_runs") == [
        ("failed", f"1 files could not be landed; first: {summary.failures[0]}")
    ]


def test_parquet_bars_land_under_the_dataset_named(
    migrated_database_url: str, tmp_path: Path
) -> None:
    bars = pl.read_csv(gzip.decompress((PRICES / "msft.us.txt.gz").read_bytes()))
    path = tmp_path / "MSFT.parquet"
    bars.with_columns(pl.col("Date").str.to_date()).write_parquet(path)

    summary = load_bar_files(migrated_database_url, [path], dataset="mine", show_progress=False)

    assert summary.count_rows_landed == ROWS_PER_FIXTURE
    assert query(
        migrated_database_url,
        "select dataset, symbol, source_file, count(*) from raw_files.daily_bars group by 1, 2, 3",
    ) == [("mine", "MSFT", f"{tmp_path.name}/MSFT.parquet", ROWS_PER_FIXTURE)]


def test_load_bars_command_prints_a_summary_and_fails_on_a_bad_file(
    migrated_database_url: str, prices: Path
) -> None:
    env = {"DATABASE_URL": migrated_database_url}
    good = CliRunner().invoke(main, ["load", "bars", str(prices), "--no-progress"], env=env)
    (prices / "empty.csv").write_text("")
    bad = CliRunner().invoke(main, ["load", "bars", str(prices), "--no-progress"], env=env)

    assert good.exit_code == 0, good.output
    assert "files load 1 succeeded: 2 files landed, 0 unchanged; rows: 3960 seen, 3960 new" in (
        good.output
    )
    assert bad.exit_code == 1, bad.output
    assert "files load 2 FAILED (1 files): 0 files landed, 2 unchanged" in bad.output


def test_a_truncated_gzip_is_quarantined_and_lands_whole_once_repaired(
    migrated_database_url: str, prices: Path
) -> None:
    aapl = prices / "aapl.us.txt.gz"
    whole = aapl.read_bytes()
    aapl.write_bytes(whole[: len(whole) // 2])

    cut = load_bar_files(migrated_database_url, [aapl], show_progress=False)
    aapl.write_bytes(whole)
    repaired = load_bar_files(migrated_database_url, [aapl], show_progress=False)

    assert cut.failures == [
        "stooq/aapl.us.txt.gz: not a readable gzip file:"
        " Compressed file ended before the end-of-stream marker was reached"
    ]
    assert (cut.count_rows_landed, repaired.count_rows_landed) == (0, ROWS_PER_FIXTURE)
    assert repaired.succeeded
