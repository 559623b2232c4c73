"""One HTTP client per loader run: rate-limited, retried, with secrets kept out of logs.

Built from libraries (HOUSE_STYLE §3.7): httpx for HTTP, tenacity for retries (429, 5xx,
timeouts, connection resets and truncated bodies, honouring `Retry-After`), pyrate-limiter for
the per-source request rate (SEC: at most 10 requests per second).
"""

from __future__ import annotations

import email.utils
import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx
from pyrate_limiter import Duration, Limiter, Rate
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_random_exponential,
)

from factor_engine.loaders.errors import SourceError

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

__all__ = ["HttpPolicy", "SourceClient", "SourceError", "rate_limiter", "redact_url"]

log = logging.getLogger(__name__)

RETRIED_STATUS_CODES = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class HttpPolicy:
    """How hard a client pushes a source, and how long it keeps trying."""

    requests_per_second: int
    max_attempts: int = 6
    timeout_seconds: float = 30.0
    backoff_initial_seconds: float = 0.5
    backoff_max_seconds: float = 30.0
    retry_after_max_seconds: float = 120.0


class _RetryableStatusError(Exception):
    def __init__(self, response: httpx.Response) -> None:
        super().__init__(f"HTTP {response.status_code}")
        self.response = response


def rate_limiter(policy: HttpPolicy) -> Limiter:
    """A blocking limiter at the policy's requests per second."""
    return Limiter(Rate(policy.requests_per_second, Duration.SECOND))


def redact_url(url: str | httpx.URL, secrets: Sequence[str]) -> str:
    """The URL with the values of the named query parameters replaced by ***."""
    parsed = httpx.URL(str(url))
    for name in secrets:
        if name in parsed.params:
            parsed = parsed.copy_set_param(name, "***")
    return str(parsed)


class SourceClient:
    """GET requests to one source: rate-limited, retried, redacted in logs and errors.

    Pass it to the loader (never a module global) so tests can point it at a replay server.
    """

    def __init__(
        self,
        source: str,
        base_url: str,
        policy: HttpPolicy,
        *,
        headers: Mapping[str, str] | None = None,
        secret_params: Sequence[str] = (),
        transport: httpx.BaseTransport | None = None,
        limiter: Limiter | None = None,
    ) -> None:
        self.source = source
        self.policy = policy
        self._secret_params = tuple(secret_params)
        # Pass one limiter to every client of a source that shares a rate limit across hosts.
        self._limiter = limiter or rate_limiter(policy)
        self._client = httpx.Client(
            base_url=base_url,
            headers=dict(headers or {}),
            timeout=httpx.Timeout(policy.timeout_seconds),
            follow_redirects=True,
            transport=transport or httpx.HTTPTransport(retries=2),
        )

    def __enter__(self) -> SourceClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def url_for(self, path: str, params: Mapping[str, Any] | None = None) -> str:
        """The absolute URL of a request, secrets redacted: what logs and errors show."""
        request = self._client.build_request("GET", path, params=params)
        return redact_url(request.url, self._secret_params)

    def get(
        self,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """GET `path`; returns a 2xx or 304 response with its body read, or raises SourceError."""
        shown = self.url_for(path, params)
        retrying = Retrying(
            stop=stop_after_attempt(self.policy.max_attempts),
            wait=self._wait,
            retry=retry_if_exception(_is_transient),
            before_sleep=lambda state: log.warning(
                "%s: %s: %s; retrying (attempt %d of %d)",
                self.source,
                shown,
                _describe(state.outcome.exception() if state.outcome else None),
                state.attempt_number,
                self.policy.max_attempts,
            ),
            reraise=True,
        )
        try:
            response = retrying(self._get_once, path, params, headers)
        except _RetryableStatusError as error:
            raise SourceError(
                self.source,
                shown,
                f"HTTP {error.response.status_code} after {self.policy.max_attempts} attempts",
            ) from error
        except httpx.HTTPError as error:
            raise SourceError(
                self.source, shown, f"{_describe(error)} after {self.policy.max_attempts} attempts"
            ) from error
        if response.status_code >= 400:
            raise SourceError(
                self.source,
                shown,
                f"HTTP {response.status_code}{self._detail(response)}",
                status=response.status_code,
            )
        return response

    def _detail(self, response: httpx.Response) -> str:
        """The source's own words on a refusal (FRED: `error_message`), secrets removed."""
        try:
            body = response.json()
        except ValueError:
            return ""
        message = (
            body.get("error_message") or body.get("message") if isinstance(body, dict) else None
        )
        if not isinstance(message, str):
            return ""
        for name in self._secret_params:
            secret = response.request.url.params.get(name)
            if secret:
                message = message.replace(secret, "***")
        return f": {message[:300]}"

    def _get_once(
        self,
        path: str,
        params: Mapping[str, Any] | None,
        headers: Mapping[str, str] | None,
    ) -> httpx.Response:
        self._limiter.try_acquire(self.source)
        response = self._client.get(path, params=params, headers=headers)
        log.debug("%s: GET %s -> %d", self.source, self.url_for(path, params), response.status_code)
        if response.status_code in RETRIED_STATUS_CODES:
            raise _RetryableStatusError(response)
        return response

    def _wait(self, state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, _RetryableStatusError):
            retry_after = _retry_after_seconds(error.response)
            if retry_after is not None:
                return min(retry_after, self.policy.retry_after_max_seconds)
        backoff = wait_random_exponential(
            multiplier=self.policy.backoff_initial_seconds, max=self.policy.backoff_max_seconds
        )
        return float(backoff(state))


def _is_transient(error: BaseException) -> bool:
    # TransportError covers connect/read timeouts, connection resets and bodies cut short.
    return isinstance(error, _RetryableStatusError | httpx.TransportError)


def _describe(error: BaseException | None) -> str:
    if error is None:
        return "no response"
    if isinstance(error, _RetryableStatusError):
        return str(error)
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


def _retry_after_seconds(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    if value.strip().isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, float(when.timestamp()) - time.time())
