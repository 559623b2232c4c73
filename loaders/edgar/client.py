"""The HTTP side of EDGAR: one client per host, SEC's fair-access rules built in.

SEC asks for at most 10 requests per second per user across all machines and a User-Agent that
names the organisation and a contact e-mail; requests without one are refused (METHODOLOGY §0).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from factor_engine.loaders._http import HttpPolicy, SourceClient, rate_limiter
from factor_engine.loaders.errors import MissingUserAgentError

if TYPE_CHECKING:
    import httpx

    from factor_engine.core.settings import Settings

__all__ = ["EDGAR_POLICY", "EdgarClients", "MissingUserAgentError", "edgar_clients"]

# 8 of SEC's 10 requests per second: headroom for clocks and other tools of the same user.
EDGAR_POLICY = HttpPolicy(requests_per_second=8)

_CONTACT = re.compile(r"\S+@\S+\.\S+")


@dataclass
class EdgarClients:
    """`data` reads data.sec.gov (submissions, companyfacts); `files` reads www.sec.gov."""

    data: SourceClient
    files: SourceClient

    def close(self) -> None:
        self.data.close()
        self.files.close()


def edgar_clients(
    settings: Settings,
    *,
    policy: HttpPolicy = EDGAR_POLICY,
    transport: httpx.BaseTransport | None = None,
) -> EdgarClients:
    """The two EDGAR clients of one run, with SEC's required User-Agent."""
    agent = settings.sec_user_agent
    if not agent or not _CONTACT.search(agent):
        raise MissingUserAgentError(
            "SEC_USER_AGENT must name your organisation and a contact e-mail, e.g. "
            "SEC_USER_AGENT='Acme Research research@acme.example': SEC refuses anonymous requests"
        )
    headers = {"User-Agent": agent, "Accept-Encoding": "gzip, deflate"}
    shared = rate_limiter(policy)  # SEC's limit is per user, across both hosts
    return EdgarClients(
        data=SourceClient(
            "edgar",
            settings.edgar_base_url,
            policy,
            headers=headers,
            transport=transport,
            limiter=shared,
        ),
        files=SourceClient(
            "edgar",
            settings.edgar_files_url,
            policy,
            headers=headers,
            transport=transport,
            limiter=shared,
        ),
    )
