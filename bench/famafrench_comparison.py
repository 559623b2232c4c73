"""Our factor returns beside Fama-French's: correlations for docs/validation.md.

Usage (from the checkout, after `factor-engine demo` or `factor-engine risk`):
    .venv/bin/python bench/famafrench_comparison.py [--famafrench ../shared/data/famafrench]
        [--model use4s]

Ken French's files are not bundled (no open licence): point --famafrench at a folder holding
F-F_Research_Data_Factors_daily_CSV.zip and F-F_Momentum_Factor_daily_CSV.zip as downloaded.
Daily and monthly (sums of daily returns) Pearson correlations over the common dates, for
country vs Mkt-RF, size vs SMB, book_to_price vs HML and momentum vs UMD (Mom).
"""

from __future__ import annotations

import argparse
import io
import os
import zipfile
from pathlib import Path

import polars as pl
import psycopg

PAIRS = (("country", "Mkt-RF"), ("size", "SMB"), ("book_to_price", "HML"), ("momentum", "Mom"))


def read_french_daily(path: Path) -> pl.DataFrame:
    """The daily block of one of Ken French's zipped CSVs, returns as fractions."""
    with zipfile.ZipFile(path) as archive:
        text = archive.read(archive.namelist()[0]).decode("latin-1")
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(","))
    block = [lines[start]]
    for line in lines[start + 1 :]:
        if not line.strip() or not line.strip()[0].isdigit():
            break
        block.append(line)
    frame = pl.read_csv(io.StringIO("\n".join(block)))
    frame = frame.rename({frame.columns[0]: "trade_date"}).rename(lambda c: c.strip())
    return frame.with_columns(
        pl.col("trade_date").cast(pl.String).str.to_date("%Y%m%d"),
        *(
            pl.col(c).cast(pl.String).str.strip_chars().cast(pl.Float64) / 100
            for c in frame.columns[1:]
        ),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    here = Path(__file__).resolve().parent.parent
    parser.add_argument("--famafrench", type=Path, default=here.parent / "shared/data/famafrench")
    parser.add_argument("--model", default="use4s")
    arguments = parser.parse_args()
    french = read_french_daily(
        arguments.famafrench / "F-F_Research_Data_Factors_daily_CSV.zip"
    ).join(
        read_french_daily(arguments.famafrench / "F-F_Momentum_Factor_daily_CSV.zip"),
        on="trade_date",
    )
    url = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
    with psycopg.connect(url) as connection:
        cursor = connection.execute(
            "select trade_date, factor_code, factor_return from risk.factor_returns"
            " where model_code = %s",
            (arguments.model,),
        )
        ours = pl.DataFrame(
            cursor.fetchall(), schema=["trade_date", "factor_code", "factor_return"], orient="row"
        ).pivot("factor_code", index="trade_date", values="factor_return")
    daily = ours.join(french, on="trade_date").drop_nulls()
    monthly = (
        daily.group_by(pl.col("trade_date").dt.truncate("1mo"))
        .agg(pl.exclude("trade_date").sum())
        .sort("trade_date")
    )
    print(f"common days {daily.height}, {daily['trade_date'].min()} .. {daily['trade_date'].max()}")
    print(f"{'ours':<15} {'French':<8} {'daily':>7} {'monthly':>8}")
    for code, column in PAIRS:
        if code not in daily.columns:
            continue
        print(
            f"{code:<15} {column:<8} {daily.select(pl.corr(code, column)).item():>7.2f} "
            f"{monthly.select(pl.corr(code, column)).item():>8.2f}"
        )


if __name__ == "__main__":
    main()
