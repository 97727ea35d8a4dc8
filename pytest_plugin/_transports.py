"""How requests reach a fake issuer's endpoints: respx routes, an ``httpx.MockTransport``, or a real
HTTP server on 127.0.0.1.

All three call the fake issuer's ``answer()`` (so a subclass that overrides it is heard everywhere);
respx is used through its public API only: a router whose route declines, by returning None, every
URL that is not a fake issuer's, so respx tries the next router and fails loudly when none answers.
"""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx

from ._endpoints import DEFAULT_PORTS, Origin, Reply, Site, endpoint_at, reply_headers

__all__ = ["Answering", "FakeRoutes", "loopback_server", "mock_transport", "require_testing_extra"]

_INSTALL = "pip install 'asgi-authinfo[testing]'"


def require_testing_extra(module: str, needed_by: str) -> None:
    """Import ``module`` (respx, hypothesis) or stop the test with a ``pytest.UsageError`` naming the fix.

    The plugin loads with pytest alone, so a venv without the ``testing`` extra only fails the tests
    that use what the extra brings, with the command that installs it.
    """
    import importlib

    try:
        importlib.import_module(module)
    except ImportError as exc:
        import pytest

        raise pytest.UsageError(
            f"{needed_by} needs {module}, which asgi-authinfo's testing extra installs: {_INSTALL}"
        ) from exc


class Answering(Site, Protocol):
    """A fake issuer as the transports see it: its endpoints and the ``answer()`` that records them."""

    def answer(
        self,
        method: str,
        path: str,
        headers: Mapping[str, str],
        *,
        record: bool = ...,
        origin: Origin | None = ...,
        query: str = ...,
        body: bytes = ...,
    ) -> Reply: ...


def _request_parts(query: str, body: bytes) -> dict[str, Any]:
    """``query``/``body`` for ``answer()`` when there are any (an override written before the token
    endpoint, ``answer(method, path, headers)``, still hears every GET)."""
    parts: dict[str, Any] = {}
    if query:
        parts["query"] = query
    if body:
        parts["body"] = body
    return parts


def _handle(fake: Answering, request: httpx.Request, *, record: bool = True) -> httpx.Response | None:
    """``fake``'s answer to ``request``, or None when the URL is not one of its own."""
    url = request.url
    origin = url.scheme, url.host, url.port or DEFAULT_PORTS.get(url.scheme, 0)
    if endpoint_at(fake, url.path, origin) is None:
        return None
    parts = _request_parts(url.query.decode("ascii", "replace"), request.read())
    status, body = fake.answer(
        request.method, url.path, request.headers, record=record, origin=origin, **parts
    )
    return httpx.Response(status, json=body, headers=reply_headers(status, body))


def mock_transport(fake: Answering, *, record: bool = True) -> httpx.MockTransport:
    """An httpx transport answering ``fake``'s URLs, and 404 for every other URL."""

    def handle(request: httpx.Request) -> httpx.Response:
        response = _handle(fake, request, record=record)
        return httpx.Response(404, json={"error": "not_found"}) if response is None else response

    return httpx.MockTransport(handle)


class FakeRoutes:
    """One respx router answering the URLs of every fake issuer added to it, active while any is.

    The plugin keeps one per test (``make_fake_issuer``); ``FakeIssuer.start()`` alone makes its own.
    Other URLs are declined, so the user's own respx routers (``respx_mock``, ``respx.mock``) answer
    them whichever started first, and a URL nobody mocks fails as respx does: "not mocked".
    """

    def __init__(self) -> None:
        require_testing_extra("respx", "FakeIssuer.start() (and the fake_issuer fixtures)")
        import respx

        self._router = respx.MockRouter(assert_all_called=False, assert_all_mocked=True)
        self._router.route().mock(side_effect=self._route)
        self._fakes: list[Answering] = []
        self._lock = threading.Lock()

    def add(self, fake: Answering) -> None:
        with self._lock:
            if fake in self._fakes:
                return
            if not self._fakes:
                self._router.start()
            self._fakes.append(fake)

    def remove(self, fake: Answering) -> None:
        with self._lock:
            if fake not in self._fakes:
                return
            self._fakes.remove(fake)
            if not self._fakes:
                self._router.stop(quiet=True)

    def _route(self, request: httpx.Request) -> httpx.Response | None:
        """The respx side effect: the first added fake issuer that owns the URL answers; None declines."""
        for fake in list(self._fakes):
            response = _handle(fake, request)
            if response is not None:
                return response
        return None


class _QuietServer(ThreadingHTTPServer):
    """A loopback server that stays quiet when a client hangs up mid-answer (timeouts in tests)."""

    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], BrokenPipeError | ConnectionResetError):
            return
        super().handle_error(request, client_address)


@contextmanager
def loopback_server(fake: Answering, port: int = 0) -> Iterator[int]:
    """Serve ``fake.answer()`` over HTTP on 127.0.0.1 (``port``, 0: a free one) until the block ends;
    yields the port."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self._answer("GET")

        def do_POST(self) -> None:
            self._answer("POST")

        def _answer(self, method: str) -> None:
            headers = {k.lower(): v for k, v in self.headers.items()}
            length = int(self.headers.get("Content-Length") or 0)
            target = urlsplit(self.path)
            parts = _request_parts(target.query, self.rfile.read(length) if length > 0 else b"")
            status, body = fake.answer(method, target.path, headers, **parts)
            data = json.dumps(body).encode()
            self.send_response(status)
            for name, value in reply_headers(status, body).items():
                self.send_header(name, value)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = _QuietServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-issuer", daemon=True
    )
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
