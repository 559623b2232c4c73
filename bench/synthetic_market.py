"""A deterministic synthetic US equity market, written into the raw tables in their own format.

`generate(database_url, securities=3000, years=5, seed=7)` lands, for each security: a company
(raw_edgar.companies: CIK, SIC, ticker), its quarterly 10-Qs and annual 10-Ks with acceptance
times (raw_edgar.filings) and the XBRL facts they carry, as EDGAR reports them (year-to-date
flows with prior-year comparatives, balance-sheet instants, cover-page share counts), landed as
daily loads would have landed them (an hour after each acceptance), and its daily bars
(raw_files.daily_bars, dataset 'synthetic'). Returns follow a market, sector and
idiosyncratic structure, so factor models have something to find. Russell-3000-sized by default.

It is the input of bench/factor_build.py; it writes with COPY and is not part of the package.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl
import psycopg

from factor_engine.loaders._landing import copy_frame

# SIC codes spread over the Fama-French 12 industries
SIC_CODES = [2011, 3711, 3550, 1311, 2810, 3571, 4813, 4911, 5331, 2834, 6022, 7011, 7372, 5812]
FLOW_CONCEPTS = {
    "revenue": "Revenues",
    "net_income": "NetIncomeLoss",
    "operating_cash_flow": "NetCashProvidedByUsedInOperatingActivities",
    "capital_expenditure": "PaymentsToAcquirePropertyPlantAndEquipment",
    "dividends_paid": "PaymentsOfDividends",
}
# Filings and facts carry the loaded_at of a daily EDGAR load an hour after each acceptance, and
# land in that order, as years of daily loads would have left them (a --since build finds the
# new facts by loaded_at: int_fundamental_facts_known)
LANDING_DELAY = dt.timedelta(hours=1)
STOCK_CONCEPTS = {
    "total_assets": "Assets",
    "book_equity": "StockholdersEquity",
    "long_term_debt": "LongTermDebtNoncurrent",
    "cash": "CashAndCashEquivalentsAtCarryingValue",
}


@dataclass(frozen=True)
class Market:
    sessions: list[dt.date]
    securities: int
    bars: int
    facts: int
    filings: int


def sessions_between(first: dt.date, count: int) -> list[dt.date]:
    days = np.busday_offset(np.datetime64(first), np.arange(count), roll="forward")
    return [d.astype(object) for d in days]


def generate(
    database_url: str,
    *,
    securities: int = 3000,
    years: int = 5,
    first_session: dt.date = dt.date(2019, 1, 2),
    seed: int = 7,
) -> Market:
    """Land the synthetic market; the same arguments always give the same rows."""
    rng = np.random.default_rng(seed)
    sessions = sessions_between(first_session, 252 * years)
    # one sector per company: its SIC code in EDGAR and the sector return in its bars
    sectors = rng.integers(0, len(SIC_CODES), securities)
    bars = _bars(rng, sectors, sessions)
    companies, filings, facts = _edgar(rng, sectors, sessions[0], sessions[-1])
    with psycopg.connect(database_url) as connection:
        load_id = _load_run(connection)
        for table, frame in (
            ("raw_edgar.companies", companies),
            ("raw_edgar.filings", filings),
            ("raw_edgar.facts", facts),
            ("raw_files.daily_bars", bars),
        ):
            copy_frame(connection, table, frame, load_id=load_id)
    return Market(sessions, securities, bars.height, facts.height, filings.height)


def append_session(database_url: str, market: Market, *, seed: int = 11) -> dt.date:
    """One more session of bars for every security (the day an incremental build adds)."""
    rng = np.random.default_rng(seed)
    day = sessions_between(market.sessions[-1] + dt.timedelta(days=1), 1)[0]
    with psycopg.connect(database_url) as connection:
        last = connection.execute(
            "select symbol, close_price from raw_files.daily_bars where trade_date = %s",
            (market.sessions[-1],),
        ).fetchall()
        symbols = [symbol for symbol, _ in last]
        closes = np.array([close for _, close in last]) * (1 + rng.normal(0, 0.01, len(last)))
        frame = pl.DataFrame(
            {
                "dataset": "synthetic",
                "symbol": symbols,
                "trade_date": [day] * len(symbols),
                "open_price": closes,
                "high_price": closes * 1.01,
                "low_price": closes * 0.99,
                "close_price": closes,
                "volume": rng.lognormal(13, 1, len(symbols)).round(),
                "source_file": "synthetic",
            }
        )
        copy_frame(connection, "raw_files.daily_bars", frame, load_id=_load_run(connection))
    return day


def _bars(
    rng: np.random.Generator, sectors: npt.NDArray[np.int64], sessions: list[dt.date]
) -> pl.DataFrame:
    days = len(sessions)
    securities = sectors.size
    market = rng.normal(0.0004, 0.01, days)
    sector_returns = rng.normal(0, 0.006, (len(SIC_CODES), days))
    betas = rng.normal(1.0, 0.3, securities)
    idio = rng.normal(0, 1, (securities, days)) * rng.uniform(0.008, 0.03, (securities, 1))
    returns = betas[:, None] * market[None, :] + sector_returns[sectors] + idio
    closes = rng.uniform(10, 300, (securities, 1)) * np.cumprod(1 + returns, axis=1)
    spread = np.abs(rng.normal(0, 0.006, (securities, days)))
    volume = rng.lognormal(13, 1, (securities, 1)) * rng.lognormal(0, 0.4, (securities, days))
    return pl.DataFrame(
        {
            "dataset": "synthetic",
            "symbol": np.repeat([f"SYN{i:04d}" for i in range(securities)], days),
            "trade_date": np.tile(np.array(sessions, dtype="datetime64[D]"), securities),
            "open_price": (closes * (1 + rng.normal(0, 0.003, (securities, days)))).ravel(),
            "high_price": (closes * (1 + spread)).ravel(),
            "low_price": (closes * (1 - spread)).ravel(),
            "close_price": closes.ravel(),
            "volume": volume.round().ravel(),
            "source_file": "synthetic",
        }
    ).with_columns(
        pl.max_horizontal("open_price", "close_price", "high_price").alias("high_price"),
        pl.min_horizontal("open_price", "close_price", "low_price").alias("low_price"),
    )


def _edgar(
    rng: np.random.Generator, sectors: npt.NDArray[np.int64], first: dt.date, last: dt.date
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    securities = sectors.size
    companies, filings, facts = [], [], []
    years = range(first.year - 2, last.year + 1)
    for i in range(securities):
        cik = 9_000_000 + i
        companies.append(
            (
                cik,
                f"Synthetic Company {i:04d}",
                SIC_CODES[int(sectors[i])],
                [f"SYN{i:04d}"],
                f"{cik:032x}",
            )
        )
        size = math.exp(rng.normal(21, 1.5))  # annual revenue, USD
        growth = rng.normal(0.05, 0.08)
        margin = rng.normal(0.10, 0.06)
        shares = size / rng.uniform(5, 60)
        quarters: dict[tuple[int, int], float] = {}
        for year in years:
            for quarter in range(1, 5):
                scale = (1 + growth) ** (year - first.year + quarter / 4)
                quarters[year, quarter] = size / 4 * scale * rng.lognormal(0, 0.05)
        sequence = 0
        for year in years[2:]:
            for quarter in range(1, 5):
                sequence += 1
                end = _quarter_end(year, quarter)
                lag = 60 if quarter == 4 else 40
                accepted = dt.datetime.combine(
                    end + dt.timedelta(days=lag + int(rng.integers(0, 10))),
                    dt.time(16, int(rng.integers(0, 60))),
                ) + dt.timedelta(hours=5)  # New York afternoon, in UTC
                if accepted.date() > last:
                    continue
                accession = f"{cik:010d}-{year % 100:02d}-{sequence:06d}"
                form = "10-K" if quarter == 4 else "10-Q"
                landed = accepted + LANDING_DELAY
                filings.append((cik, accession, form, accepted.date(), end, accepted, landed))
                for prior in (0, 1):  # the period and its prior-year comparative
                    y = year - prior
                    start = dt.date(y, 1, 1)
                    period_end = _quarter_end(y, quarter)
                    revenue = sum(quarters[y, q] for q in range(1, quarter + 1))
                    values = {
                        "revenue": revenue,
                        "net_income": revenue * margin,
                        "operating_cash_flow": revenue * margin * 1.2,
                        "capital_expenditure": revenue * 0.05,
                        "dividends_paid": max(revenue * margin * 0.3, 0),
                    }
                    for item, concept in FLOW_CONCEPTS.items():
                        facts.append(
                            (
                                cik,
                                "us-gaap",
                                concept,
                                "USD",
                                start,
                                period_end,
                                round(values[item]),
                                accession,
                                year,
                                form,
                                accepted.date(),
                                landed,
                            )
                        )
                book = size * rng.uniform(0.3, 1.2)
                balances = {
                    "total_assets": book * 2.5,
                    "book_equity": book,
                    "long_term_debt": book * rng.uniform(0, 1),
                    "cash": book * 0.2,
                }
                for item, concept in STOCK_CONCEPTS.items():
                    facts.append(
                        (
                            cik,
                            "us-gaap",
                            concept,
                            "USD",
                            None,
                            end,
                            round(balances[item]),
                            accession,
                            year,
                            form,
                            accepted.date(),
                            landed,
                        )
                    )
                shares *= 1 + rng.normal(0, 0.005)
                facts.append(
                    (
                        cik,
                        "dei",
                        "EntityCommonStockSharesOutstanding",
                        "shares",
                        None,
                        accepted.date() - dt.timedelta(days=10),
                        round(shares),
                        accession,
                        year,
                        form,
                        accepted.date(),
                        landed,
                    )
                )
    return (
        pl.DataFrame(
            companies,
            schema={
                "cik": pl.Int64,
                "entity_name": pl.String,
                "sic_code": pl.Int32,
                "tickers": pl.List(pl.String),
                "record_hash": pl.String,
            },
            orient="row",
        ),
        pl.DataFrame(
            filings,
            schema={
                "cik": pl.Int64,
                "accession_number": pl.String,
                "form": pl.String,
                "filed_date": pl.Date,
                "report_date": pl.Date,
                "accepted_at": pl.Datetime("us", "UTC"),
                "loaded_at": pl.Datetime("us", "UTC"),
            },
            orient="row",
        ).sort("loaded_at", maintain_order=True),
        pl.DataFrame(
            facts,
            schema={
                "cik": pl.Int64,
                "taxonomy": pl.String,
                "concept": pl.String,
                "unit": pl.String,
                "period_start_date": pl.Date,
                "period_end_date": pl.Date,
                "reported_value": pl.Int64,
                "accession_number": pl.String,
                "fiscal_year": pl.Int32,
                "form": pl.String,
                "filed_date": pl.Date,
                "loaded_at": pl.Datetime("us", "UTC"),
            },
            orient="row",
        ).sort("loaded_at", maintain_order=True),
    )


def _quarter_end(year: int, quarter: int) -> dt.date:
    month = quarter * 3
    return dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)


def _load_run(connection: psycopg.Connection) -> int:  # type: ignore[type-arg]
    row = connection.execute(
        "insert into ops.load_runs (source, arguments, engine_version, status, finished_at)"
        " values ('files', '{\"synthetic\": true}', 'bench', 'succeeded', now())"
        " returning load_id"
    ).fetchone()
    assert row is not None
    return int(row[0])
