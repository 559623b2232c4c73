"""The HTTP side of FRED: one client per run, the API key kept out of every log and error.

FRED documents 120 requests a minute per key and, since 2026, enforces a per-second limit too
(METHODOLOGY §3.2: clients that stay near 2 requests a second stop seeing 429s).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from factor_engine.loaders._http import HttpPolicy, SourceClient, SourceError
from factor_engine.loaders.errors import MissingApiKeyError

if TYPE_CHECKING:
    import httpx

    from factor_engine.core.settings import Settings

__all__ = ["FRED_POLICY", "FredClient", "MissingApiKeyError", "fred_client"]

FRED_POLICY = HttpPolicy(requests_per_second=2)

_API_KEY = re.compile(r"[a-z0-9]{32}")


class FredClient:
    """GETs FRED endpoints as JSON, adding the key and `file_type=json` to every request."""

    def __init__(self, client: SourceClient, api_key: str) -> None:
        self._client = client
        self._api_key = api_key

    def close(self) -> None:
        self._client.close()

    def url_for(self, endpoint: str, params: dict[str, Any]) -> str:
        """The request's URL as logs show it: the key replaced by ***."""
        return self._client.url_for(endpoint, self._params(params))

    def get_json(self, endpoint: str, params: dict[str, Any]) -> dict[str, Any]:
        """The decoded JSON object of one request, or SourceError naming what went wrong."""
        response = self._client.get(endpoint, params=self._params(params))
        try:
            document = response.json()
        except ValueError as error:
            raise SourceError(
                "fred", self.url_for(endpoint, params), f"not JSON: {error}"
            ) from error
        if not isinstance(document, dict):
            raise SourceError("fred", self.url_for(endpoint, params), "not a JSON object")
        return document

    def _params(self, params: dict[str, Any]) -> dict[str, Any]:
        return {**params, "api_key": self._api_key, "file_type": "json"}


def fred_client(
    settings: Settings,
    *,
    policy: HttpPolicy = FRED_POLICY,
    transport: httpx.BaseTransport | None = None,
) -> FredClient:
    """The FRED client of one run; refuses to start without a well-formed FRED_API_KEY."""
    key = settings.fred_api_key
    if not key or not _API_KEY.fullmatch(key):
        raise MissingApiKeyError(
            "FRED_API_KEY must hold your FRED API key (32 lower-case letters and digits; "
            "free at https://fredaccount.stlouisfed.org/apikeys)"
        )
    source = SourceClient(
        "fred",
        settings.fred_base_url,
        policy,
        headers={"Accept-Encoding": "gzip, deflate"},
        secret_params=("api_key",),
        transport=transport,
    )
    return FredClient(source, key)
