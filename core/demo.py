"""`factor-engine demo`: the whole chain, offline, on the bundled sample data.

Migrates the database, lands sample_data/ (SEC EDGAR companyfacts and submissions of ten
companies, their 2010-2017 daily prices, five recorded FRED releases of two series) through
the real loaders, builds the factor core, estimates the risk model, and says what was built
and where to look.

Ten companies cannot carry eleven styles and industry factors in one regression (more
factors than stocks), so the demo's risk model is the country factor and the three styles
that Fama and French's SMB, HML and UMD also describe: size, book-to-price and momentum.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from factor_engine.core.build import BuildSummary, build
from factor_engine.core.migrate import migrate
from factor_engine.core.pipeline import run_risk
from factor_engine.core.settings import project_root
from factor_engine.functions.model_config import preset
from factor_engine.loaders.edgar.load import load_bulk
from factor_engine.loaders.files.load import load_bar_files
from factor_engine.loaders.fred.load import load_observation_files

if TYPE_CHECKING:
    from factor_engine.functions.jobs import RiskRunSummary
    from factor_engine.loaders._runlog import LoadSummary

__all__ = ["DemoResult", "run_demo"]

SAMPLE_DATASET = "sample"
DEMO_STYLES = ("size", "book_to_price", "momentum")
DEMO_MODEL = preset("use4s").with_factors(DEMO_STYLES, "none")

WHERE_TO_LOOK = """\
Where to look (psql, or any SQL client on the same database):
  select * from marts.factors;                                   -- the factor catalog
  select s.ticker, e.factor_code, e.exposure_z
    from marts.factor_exposures as e join marts.securities as s using (security_id)
   where e.trade_date = (select max(trade_date) from marts.estimation_universe)
   order by e.factor_code, e.exposure_z;                         -- today's exposures
  select * from marts.fundamentals_pit where cik = 320193 and item_code = 'revenue';
                                                                 -- Apple's TTM revenue, PIT
  select * from raw_fred.observations where fred_series_id = 'PAYEMS'
   and observation_date = '2026-03-01';                          -- a value and its revisions
  select * from risk.factor_returns order by trade_date desc, factor_code limit 8;
                                                                 -- the latest factor returns
  select * from risk.validation_summaries
   where model_run_id = (select max(model_run_id) from risk.model_runs);  -- bias statistics"""


@dataclass(frozen=True)
class DemoResult:
    loads: list[LoadSummary]
    build: BuildSummary
    risk: RiskRunSummary


def run_demo(database_url: str, *, show_progress: bool = True) -> DemoResult:
    sample = project_root() / "sample_data"
    migrate(database_url)
    loads = [
        load_bulk(database_url, [sample / "edgar"], show_progress=show_progress),
        load_bar_files(
            database_url,
            [sample / "prices"],
            dataset=SAMPLE_DATASET,
            show_progress=show_progress,
        ),
        load_observation_files(
            database_url, sorted((sample / "fred").glob("*.json.gz")), show_progress=show_progress
        ),
    ]
    built = build(database_url)
    risk = run_risk(database_url, DEMO_MODEL, since=None, show_progress=show_progress)
    return DemoResult(loads, built, risk)
