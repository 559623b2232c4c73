"""The failures of a load that a user is meant to read: a source that cannot be reached or
read, a missing credential, input that names nothing to load.

They live apart from the clients that raise them so that the CLI can name them without
importing httpx or ib_insync.
"""

from __future__ import annotations

__all__ = [
    "BulkSourceError",
    "IbkrConnectionError",
    "MissingApiKeyError",
    "MissingUserAgentError",
    "SourceError",
    "UnknownTickerError",
]


class SourceError(RuntimeError):
    """A source could not be read: names the source, the URL (without secrets) and the reason."""

    def __init__(self, source: str, url: str, reason: str, *, status: int | None = None) -> None:
        super().__init__(f"{source}: {url}: {reason}")
        self.source = source
        self.url = url
        self.reason = reason
        self.status = status  # the HTTP status of a refusal, when there was one


class MissingUserAgentError(ValueError):
    """SEC_USER_AGENT is unset or names no contact e-mail."""


class MissingApiKeyError(ValueError):
    """FRED_API_KEY is unset or is not a FRED API key."""


class IbkrConnectionError(ConnectionError):
    """No API connection to IB Gateway/TWS could be made (or kept)."""


class BulkSourceError(ValueError):
    """A --bulk path that holds no EDGAR documents."""


class UnknownTickerError(ValueError):
    """A ticker that EDGAR's company_tickers.json does not list."""
