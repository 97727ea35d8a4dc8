"""Two uvicorn processes behind the middleware, one Redis: a sign-out through one is enforced by both."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from pytest_plugin import FakeIssuer

from .conftest import ValkeyServer, free_port

ROOT = Path(__file__).resolve().parents[2]


def start_uvicorn(fake: FakeIssuer, redis_url: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {
        **os.environ,
        "REDIS_URL": redis_url,
        "ISSUER": fake.issuer,
        "JWKS_URI": fake.jwks_uri,
        "PYTHONPATH": str(ROOT),
    }
    command = [sys.executable, "-m", "uvicorn", "--factory", "tests.revocation._fastapi_app:create"]
    options = ["--host", "127.0.0.1", "--port", str(port), "--lifespan", "on", "--log-level", "warning"]
    process = subprocess.Popen([*command, *options], cwd=ROOT, env=env)
    return process, f"http://127.0.0.1:{port}"


def wait_until_serving(process: subprocess.Popen[bytes], base_url: str) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(f"{base_url}/me", timeout=1)
            return
        except httpx.TransportError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start") from None
            time.sleep(0.05)


@pytest.fixture
def servers(valkey: ValkeyServer) -> Iterator[tuple[FakeIssuer, list[str]]]:
    fake = FakeIssuer(audience="api://orders")
    with fake.serve():
        started = [start_uvicorn(fake, valkey.url) for _ in range(2)]
        try:
            for process, url in started:
                wait_until_serving(process, url)
            yield fake, [url for _, url in started]
        finally:
            for process, _ in started:
                process.terminate()
            for process, _ in started:
                process.wait(timeout=10)


def status_within(url: str, token: str, wanted: int, *, within: float = 5.0) -> httpx.Response:
    """GET /me until it answers ``wanted``; fail after ``within`` seconds."""
    deadline = time.monotonic() + within
    while True:
        answer = httpx.get(f"{url}/me", headers={"Authorization": f"Bearer {token}"}, timeout=5)
        if answer.status_code == wanted or time.monotonic() > deadline:
            return answer
        time.sleep(0.02)


def test_a_sign_out_through_one_process_is_enforced_by_both(servers: tuple[FakeIssuer, list[str]]) -> None:
    fake, (first, second) = servers
    session, other_session = fake.token(sub="user_a", sid="sess_a"), fake.token(sub="user_a", sid="sess_b")
    for url in (first, second):
        assert status_within(url, session, 200).json() == {"user_id": "user_a", "session_id": "sess_a"}
    headers = {"Authorization": f"Bearer {session}"}
    assert httpx.post(f"{first}/logout", headers=headers, timeout=5).status_code == 204
    for url in (first, second):
        refused = status_within(url, session, 401)
        assert refused.status_code == 401
        assert refused.json()["error_code"] == "revoked"
        assert status_within(url, other_session, 200).status_code == 200

    headers = {"Authorization": f"Bearer {other_session}"}
    assert httpx.post(f"{second}/logout-everywhere", headers=headers, timeout=5).status_code == 204
    for url in (first, second):
        assert status_within(url, other_session, 401).status_code == 401
