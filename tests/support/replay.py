"""A real HTTP server on loopback that replays recorded documents, with faults on demand.

Built on pytest-httpserver (werkzeug). Documents are served gzip-encoded with an ETag, and a
matching If-None-Match gets 304, as SEC's servers do. A fault queued for a path is served before
the recorded document: an HTTP status (with Retry-After), a stall longer than the client's
timeout, a body cut short, or a replacement body.
"""

from __future__ import annotations

import gzip
import hashlib
import re
import threading
from collections import defaultdict, deque
from dataclasses import dataclass
from typing import TYPE_CHECKING

from werkzeug import Request, Response

from factor_engine.loaders._http import HttpPolicy

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    from pytest_httpserver import HTTPServer


# Fast retries so fault tests take seconds, not minutes; each source has its own real policy.
FAST_RETRIES = HttpPolicy(
    requests_per_second=50,
    max_attempts=4,
    timeout_seconds=1.0,
    backoff_initial_seconds=0.01,
    backoff_max_seconds=0.05,
)


@dataclass(frozen=True)
class Fault:
    status: int = 200
    retry_after: str | None = None
    stall_seconds: float = 0.0
    truncate: bool = False
    body: bytes | None = None


class ReplayServer:
    def __init__(self, server: HTTPServer) -> None:
        self.server = server
        self.documents: dict[str, bytes] = {}
        self.routes: dict[str, Callable[[Request], Response]] = {}
        self.faults: dict[str, deque[Fault]] = defaultdict(deque)
        self.requests: list[tuple[str, str, int]] = []  # answered: (path, user agent, status)
        self.arrivals: list[str] = []  # every request's path, as it arrives
        self._released = threading.Event()
        server.expect_request(re.compile(".*")).respond_with_handler(self._handle)

    @property
    def url(self) -> str:
        return self.server.url_for("").rstrip("/")

    def serve(self, path: str, content: bytes) -> None:
        self.documents[path] = content

    def route(self, path: str, responder: Callable[[Request], Response]) -> None:
        """Answer `path` with a function of the request (query-dependent APIs such as FRED)."""
        self.routes[path] = responder

    def serve_file(self, path: str, file: Path) -> None:
        data = file.read_bytes()
        self.serve(path, gzip.decompress(data) if file.suffix == ".gz" else data)

    def fail(self, path: str, *faults: Fault) -> None:
        self.faults[path].extend(faults)

    def release(self) -> None:
        """End every stall now (the client that caused it is gone)."""
        self._released.set()

    def count(self, path: str) -> int:
        """How many requests for `path` arrived (answered or not yet)."""
        return self.arrivals.count(path)

    def _handle(self, request: Request) -> Response:
        self.arrivals.append(request.path)
        response = self._respond(request)
        self.requests.append(
            (request.path, request.headers.get("User-Agent", ""), response.status_code)
        )
        return response

    def _respond(self, request: Request) -> Response:
        path = request.path
        if self.faults[path]:
            fault = self.faults[path].popleft()
            if fault.stall_seconds:
                self._released.wait(fault.stall_seconds)
            if fault.status != 200:
                headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
                return Response(b"busy", status=fault.status, headers=headers)
            if fault.truncate:
                return _cut_mid_body(self._document(request))
            if fault.body is not None:
                return Response(fault.body, content_type="application/json")
        if path in self.routes:
            return self.routes[path](request)
        if path not in self.documents:
            return Response(b'{"error": "not found"}', status=404)
        body = self.documents[path]
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        if request.headers.get("If-None-Match") == etag:
            return Response(status=304, headers={"ETag": etag})
        return Response(
            gzip.compress(body),
            content_type="application/json",
            headers={"Content-Encoding": "gzip", "ETag": etag},
        )

    def _document(self, request: Request) -> bytes:
        if request.path in self.routes:
            return self.routes[request.path](request).get_data()
        return self.documents[request.path]


def _cut_mid_body(body: bytes) -> Response:
    """Announce the whole body, send a third of it, then drop the connection."""

    def chunks() -> Iterator[bytes]:
        yield body[: len(body) // 3]
        raise ConnectionResetError("replay: connection reset mid-body")

    return Response(
        chunks(),
        headers={"Content-Length": str(len(body)), "Content-Type": "application/json"},
        direct_passthrough=True,
    )
