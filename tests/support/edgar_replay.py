"""EDGAR replay helpers: the recorded documents served at SEC's paths, and a fast test policy."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from replay import FAST_RETRIES

from factor_engine.core.settings import Settings

if TYPE_CHECKING:
    from replay import ReplayServer

FIXTURES = Path(__file__).parents[1] / "fixtures" / "edgar"
APPLE, IMUNON = 320193, 749647
USER_AGENT = "factor-engine tests tests@factor-engine.example"

TEST_POLICY = FAST_RETRIES


def serve_edgar(replay: ReplayServer, *, companyfacts: Path | None = None) -> None:
    """Serve the fixtures where data.sec.gov and www.sec.gov have them."""
    submissions = FIXTURES / "submissions"
    for file in sorted(submissions.glob("CIK*.json.gz")):
        replay.serve_file(f"/submissions/{file.name.removesuffix('.gz')}", file)
    replay.serve_file(
        "/api/xbrl/companyfacts/CIK0000320193.json",
        companyfacts or FIXTURES / "companyfacts" / "CIK0000320193.json.gz",
    )
    replay.serve_file("/files/company_tickers.json", FIXTURES / "company_tickers.json")


def edgar_environment(replay: ReplayServer) -> dict[str, str]:
    return {
        "SEC_USER_AGENT": USER_AGENT,
        "EDGAR_BASE_URL": replay.url,
        "EDGAR_FILES_URL": replay.url,
    }


def settings_for(replay: ReplayServer) -> Settings:
    return Settings.from_env(edgar_environment(replay))
