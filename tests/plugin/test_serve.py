"""``FakeIssuer.serve()`` for an app under uvicorn in another process: discovery and JWKS over real HTTP."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from pytest_plugin import FakeIssuer

APP = """
import json
import os

from asgi_authinfo import AuthInfoMiddleware, Issuer, get_auth


async def whoami(scope, receive, send):
    auth = get_auth(scope)
    body = json.dumps({"user_id": auth.user_id, "role": auth.role}).encode()
    headers = [(b"content-type", b"application/json")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


app = AuthInfoMiddleware(whoami, issuers=[Issuer(os.environ["ISSUER"])])
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def served_issuer() -> Iterator[FakeIssuer]:
    with FakeIssuer().serve() as fake:
        yield fake


@pytest.fixture
def app_url(tmp_path: Path, served_issuer: FakeIssuer) -> Iterator[str]:
    """The app above under uvicorn in a child process, trusting the served fake issuer."""
    (tmp_path / "whoami.py").write_text(APP)
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "whoami:app", "--port", str(port), "--lifespan", "off"]
    env = {"ISSUER": served_issuer.issuer, "PATH": "/usr/bin:/bin"}
    process = subprocess.Popen(command, cwd=tmp_path, env=env, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(url)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"uvicorn did not start: {process.stderr.read()!r}") from None  # type: ignore[union-attr]
                time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stderr.close()  # type: ignore[union-attr]


def test_an_app_in_another_process_verifies_against_the_served_issuer(
    served_issuer: FakeIssuer, app_url: str
) -> None:
    admin = httpx.get(app_url, headers={"Authorization": f"Bearer {served_issuer.token_for(role='admin')}"})
    assert admin.json() == {"user_id": "user_01FAKE0000000000000000000", "role": "admin"}
    expired = served_issuer.token_for(expires_in=-60)
    refused = httpx.get(app_url, headers={"Authorization": f"Bearer {expired}"})
    assert (refused.status_code, refused.json()["error_code"]) == (401, "expired")
    assert [request.path for request in served_issuer.requests] == [
        "/.well-known/openid-configuration",
        "/.well-known/jwks.json",
    ]
