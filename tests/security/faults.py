"""``FaultServer``: a real threaded HTTP server on 127.0.0.1 whose JWKS answer each test sets.

Modes reproduce what an issuer's key endpoint does on a bad day: error statuses, stalls before
or during the body, a slow drip, connection resets, invalid or huge bodies, redirects, empty key
sets. Every request is recorded; stalls end when the server stops, so no thread outlives a test.
"""

from __future__ import annotations

import functools
import json
import socket
import struct
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

MODES = (
    "ok",
    "status-500",
    "status-503",
    "status-404",
    "status-429",
    "hang",
    "hang-after-headers",
    "drip",
    "reset",
    "close",
    "invalid-json",
    "html",
    "truncated",
    "huge-declared",
    "huge-streamed",
    "redirect-other-host",
    "redirect-other-name",
    "redirect-loop",
    "redirect-same-host",
    "empty-keys",
    "not-a-jwks",
    "only-weak-keys",
)

DRIP_INTERVAL = 0.05


class FaultServer:
    """Serves ``jwks()`` at ``/jwks.json`` (and a discovery document) the way ``mode`` says."""

    def __init__(
        self, jwks: Callable[[], dict[str, Any]], *, discovery: Callable[[], Any] | None = None
    ) -> None:
        self.jwks = jwks
        self.discovery = discovery
        self.mode = "ok"
        self.discovery_mode = "ok"
        self.requests: list[str] = []
        self.redirect_target = ""
        self._release = threading.Event()
        self.stall_started = threading.Event()
        self._lock = threading.Lock()
        self.port = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def jwks_uri(self) -> str:
        return f"{self.base}/jwks.json"

    def requests_to(self, path: str) -> int:
        with self._lock:
            return sum(1 for seen in self.requests if seen == path)

    @contextmanager
    def running(self) -> Iterator[FaultServer]:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        server.daemon_threads = True
        self.port = server.server_address[1]
        thread = threading.Thread(target=server.serve_forever, args=(0.02,), name="fault-server", daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._release.set()  # end every stall and drip
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)

    def record(self, path: str) -> None:
        with self._lock:
            self.requests.append(path)

    def unstall(self) -> None:
        """End every stall now (a stalled answer then closes without a response)."""
        self._release.set()

    def stalled(self, seconds: float) -> bool:
        """Wait up to ``seconds`` unless the server is stopping; True when it is."""
        return self._release.wait(seconds)


def _handler(fault: FaultServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            fault.record(path)
            try:
                if path == "/.well-known/openid-configuration" and fault.discovery is not None:
                    self._answer(fault.discovery_mode, fault.discovery)
                elif path in ("/jwks.json", "/moved/jwks.json"):
                    self._answer("ok" if path.startswith("/moved") else fault.mode, fault.jwks)
                else:
                    self._send(404, b'{"error":"not_found"}')
            except (BrokenPipeError, ConnectionResetError, TimeoutError):
                pass  # the client gave up, as it should

        def _send(
            self, status: int, body: bytes, content_type: str = "application/json", **headers: str
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            for name, value in headers.items():
                self.send_header(name.replace("_", "-"), value)
            self.end_headers()
            self.wfile.write(body)
            self.close_connection = True

        def _answer(self, mode: str, document: Callable[[], Any]) -> None:
            good = json.dumps(document()).encode()
            if mode == "ok":
                self._send(200, good)
            elif mode.startswith("status-"):
                self._send(int(mode.removeprefix("status-")), b'{"error":"down"}', Retry_After="1")
            elif mode == "hang":
                fault.stall_started.set()
                fault.stalled(30)
                self.close_connection = True
            elif mode == "hang-after-headers":
                self.send_response(200)
                self.send_header("Content-Length", str(len(good)))
                self.end_headers()
                self.wfile.flush()
                fault.stalled(30)
                self.close_connection = True
            elif mode == "drip":
                self.send_response(200)
                self.send_header("Content-Length", str(len(good)))
                self.end_headers()
                for byte in good:
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    if fault.stalled(DRIP_INTERVAL):
                        break
            elif mode in ("reset", "close"):
                if mode == "reset":  # RST instead of FIN
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.close_connection = True
                self.connection.close()
            elif mode == "invalid-json":
                self._send(200, b'{"keys": [ {"kty": "RSA", ')
            elif mode == "html":
                self._send(200, b"<html><body>Service Unavailable</body></html>", "text/html")
            elif mode == "truncated":  # declares the full length, sends half, closes
                self.send_response(200)
                self.send_header("Content-Length", str(len(good)))
                self.end_headers()
                self.wfile.write(good[: len(good) // 2])
                self.close_connection = True
            elif mode == "huge-declared":
                self.send_response(200)
                self.send_header("Content-Length", str(50 * 1024 * 1024))
                self.end_headers()
                self._stream(50 * 1024 * 1024)
            elif mode == "huge-streamed":  # no length: chunked, never ending until the client leaves
                self.send_response(200)
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                chunk = b" " * 65536
                for _ in range(320):  # 20 MB at most
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                    if fault.stalled(0):
                        break
            elif mode == "redirect-other-host":
                self._send(302, b"", Location=fault.redirect_target)
            elif mode == "redirect-other-name":
                self._send(302, b"", Location=f"http://localhost:{fault.port}/moved/jwks.json")
            elif mode == "redirect-loop":
                self._send(302, b"", Location="/jwks.json")
            elif mode == "redirect-same-host":
                self._send(302, b"", Location="/moved/jwks.json")
            elif mode == "empty-keys":
                self._send(200, b'{"keys": []}')
            elif mode == "not-a-jwks":
                self._send(200, b'{"issuer": "https://faulty.test", "jwks_uri": "/jwks.json"}')
            elif mode == "only-weak-keys":
                self._send(200, json.dumps({"keys": [weak_jwk()]}).encode())
            else:
                raise AssertionError(f"unknown mode {mode!r}")

        def _stream(self, total: int) -> None:
            chunk = b" " * 65536
            for _ in range(total // len(chunk)):
                self.wfile.write(chunk)
                if fault.stalled(0):
                    break

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@functools.cache
def weak_jwk() -> dict[str, Any]:
    """A 1024-bit RSA public key: well formed, too weak to trust (RFC 8725 §3.5)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=1024).public_key()  # noqa: S505 (weak on purpose)
    return {**RSAAlgorithm.to_jwk(key, as_dict=True), "kid": "weak", "alg": "RS256", "use": "sig"}
