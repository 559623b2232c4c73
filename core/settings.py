"""Settings, read once from environment variables (DESIGN §9: configuration only from there).

| variable | meaning | default |
|---|---|---|
| `DATABASE_URL` | the PostgreSQL to use (`postgresql://user@host:port/db`) | the embedded cluster |
| `FACTOR_ENGINE_HOME` | the embedded cluster's data and log | `<checkout>/.factor-engine` |
| `FACTOR_ENGINE_DB_PORT` | TCP port of the embedded cluster (127.0.0.1 only) | `55432` |
| `PG_BINDIR` | folder holding `initdb`/`pg_ctl`, when they are not found by themselves | searched |
| `SEC_USER_AGENT` | who asks SEC EDGAR: organisation and contact e-mail | required (EDGAR API) |
| `EDGAR_BASE_URL` | EDGAR's data API (submissions, companyfacts) | `https://data.sec.gov` |
| `EDGAR_FILES_URL` | EDGAR's file server (company_tickers.json) | `https://www.sec.gov` |
| `FRED_API_KEY` | your FRED API key (32 lower-case letters, digits); never logged | required |
| `FRED_BASE_URL` | the FRED/ALFRED API | `https://api.stlouisfed.org` |
| `IB_HOST` | host of IB Gateway or TWS (API enabled) | `127.0.0.1` |
| `IB_PORT` | its API port (Gateway 4001 live / 4002 paper; TWS 7496 / 7497) | `4001` |
| `IB_CLIENT_ID` | the API client id of the loader (unique per connection) | `17` |
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from factor_engine.core.errors import SettingsError

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["DEFAULT_EMBEDDED_PORT", "Settings", "SettingsError", "project_root"]

DEFAULT_EMBEDDED_PORT = 55432


def project_root() -> Path:
    """The checkout the engine runs from: it holds `migrations/` and `dbt_project/`.

    Those two folders are not packaged (docs/decisions/0003-namespace-packaging.md), so the
    engine locates them beside the installed `factor_engine.core` package, which an editable
    install links back to the checkout, or else in the current directory.
    """
    here = Path(__file__).resolve().parent.parent
    for candidate in (here, Path.cwd()):
        if (candidate / "migrations" / "env.py").is_file():
            return candidate
    raise SettingsError(
        "factor-engine runs from a checkout of its repository: no migrations/ folder was found "
        f"beside the package ({here}) or in the current directory ({Path.cwd()})"
    )


@dataclass(frozen=True)
class Settings:
    """Everything the engine reads from the environment, validated."""

    database_url: str | None
    home: Path
    embedded_port: int
    pg_bindir: Path | None
    sec_user_agent: str | None = None
    edgar_base_url: str = "https://data.sec.gov"
    edgar_files_url: str = "https://www.sec.gov"
    fred_api_key: str | None = field(default=None, repr=False)  # a secret: never shown
    fred_base_url: str = "https://api.stlouisfed.org"
    ib_host: str = "127.0.0.1"
    ib_port: int = 4001
    ib_client_id: int = 17

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        home = env.get("FACTOR_ENGINE_HOME") or str(project_root() / ".factor-engine")
        port_text = env.get("FACTOR_ENGINE_DB_PORT") or str(DEFAULT_EMBEDDED_PORT)
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise SettingsError(
                f"FACTOR_ENGINE_DB_PORT must be a TCP port number, not {port_text!r}"
            )
        bindir = env.get("PG_BINDIR")
        return cls(
            database_url=env.get("DATABASE_URL") or None,
            home=Path(home).expanduser().absolute(),
            embedded_port=int(port_text),
            pg_bindir=Path(bindir) if bindir else None,
            sec_user_agent=env.get("SEC_USER_AGENT") or None,
            edgar_base_url=env.get("EDGAR_BASE_URL") or "https://data.sec.gov",
            edgar_files_url=env.get("EDGAR_FILES_URL") or "https://www.sec.gov",
            fred_api_key=env.get("FRED_API_KEY") or None,
            fred_base_url=env.get("FRED_BASE_URL") or "https://api.stlouisfed.org",
            ib_host=env.get("IB_HOST") or "127.0.0.1",
            ib_port=_integer(env, "IB_PORT", 4001, upper=65535),
            ib_client_id=_integer(env, "IB_CLIENT_ID", 17, upper=2**31 - 1),
        )


def _integer(env: Mapping[str, str], name: str, default: int, *, upper: int) -> int:
    text = env.get(name) or str(default)
    if not text.isdigit() or not 0 < int(text) <= upper:
        raise SettingsError(f"{name} must be a whole number from 1 to {upper}, not {text!r}")
    return int(text)
