"""`factor-engine risk` and `factor-engine run`: the risk model, and load -> build -> risk.

`run` is what a scheduler calls every evening. Its load step refreshes what the database
already tracks (EDGAR companies, FRED series, IBKR symbols landed before) from the sources that
are configured here; its build and risk steps then recompute from `since` on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from factor_engine.core.build import BuildSummary, build
from factor_engine.core.database import connect
from factor_engine.functions.jobs import RiskRunSummary, run_risk_model
from factor_engine.loaders._progress import progress_bar

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Iterable

    from factor_engine.core.settings import Settings
    from factor_engine.functions.model_config import ModelConfig
    from factor_engine.loaders._runlog import LoadSummary

__all__ = ["SOURCES", "PipelineResult", "run_pipeline", "run_risk", "tracked"]

SOURCES = ("edgar", "fred", "ibkr")

_TRACKED = {
    "edgar": "select cik from raw_edgar.companies order by cik",
    "fred": "select distinct fred_series_id from raw_fred.observations order by fred_series_id",
    "ibkr": "select distinct symbol from raw_ibkr.contracts order by symbol",
}


@dataclass(frozen=True)
class PipelineResult:
    loads: list[LoadSummary]
    skipped: list[str]
    build: BuildSummary
    risk: RiskRunSummary


def run_risk(
    database_url: str,
    config: ModelConfig,
    *,
    since: dt.date | None,
    show_progress: bool = False,
) -> RiskRunSummary:
    """Estimate the risk model on the marts and store it in risk.*."""

    def track(items: Iterable[int], description: str, total: int) -> Iterable[int]:
        return progress_bar(items, description, total=total, enabled=show_progress)

    with connect(database_url) as connection:
        return run_risk_model(connection, config, since=since, track=track)


def tracked(database_url: str, source: str) -> list[str]:
    """What the database already holds of a source: CIKs, FRED series ids or IBKR symbols."""
    with connect(database_url) as connection:
        return [str(row[0]) for row in connection.execute(_TRACKED[source])]


def run_pipeline(
    database_url: str,
    settings: Settings,
    config: ModelConfig,
    *,
    sources: tuple[str, ...],
    since: dt.date | None,
    show_progress: bool,
) -> PipelineResult:
    """Refresh ``sources``, rebuild the factor core and re-estimate the risk model from since."""
    loads, skipped = [], []
    for source in sources:
        entities = tracked(database_url, source)
        if entities:
            loads.append(_refresh(database_url, settings, source, entities, show_progress))
        else:
            skipped.append(f"{source}: nothing tracked yet (load some first)")
    built = build(database_url, since=since)
    risk = run_risk(database_url, config, since=since, show_progress=show_progress)
    return PipelineResult(loads, skipped, built, risk)


def _refresh(
    database_url: str,
    settings: Settings,
    source: str,
    entities: list[str],
    show_progress: bool,  # noqa: FBT001
) -> LoadSummary:
    if source == "edgar":
        from factor_engine.loaders.edgar.client import edgar_clients
        from factor_engine.loaders.edgar.load import load_ciks

        clients = edgar_clients(settings)
        try:
            ciks = [int(cik) for cik in entities]
            return load_ciks(
                database_url,
                clients,
                ciks,
                arguments={"refresh": ciks},
                show_progress=show_progress,
            )
        finally:
            clients.close()
    if source == "fred":
        from factor_engine.loaders.fred.client import fred_client
        from factor_engine.loaders.fred.load import load_series

        client = fred_client(settings)
        try:
            return load_series(
                database_url, client, entities, vintages=False, show_progress=show_progress
            )
        finally:
            client.close()
    from factor_engine.loaders.ibkr.client import ibkr_gateway
    from factor_engine.loaders.ibkr.load import load_symbols

    gateway = ibkr_gateway(settings)
    try:
        return load_symbols(database_url, gateway, entities, years=5, show_progress=show_progress)
    finally:
        gateway.close()
