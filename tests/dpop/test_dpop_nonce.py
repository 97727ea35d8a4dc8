"""Server nonces (RFC 9449 §8): a proof without the current nonce gets ``use_dpop_nonce`` and one."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from asgi_authinfo import AuthInfoMiddleware, SignedNonces, TokenVerifier
from pytest_plugin import Clock, FakeIssuer, dpop_key

pytestmark = pytest.mark.anyio

URL = "http://testserver/orders"


async def ok_app(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


@pytest.fixture
def clock() -> Clock:
    return Clock(1_800_000_000.0)


@pytest.fixture
def fake(clock: Clock) -> Iterator[FakeIssuer]:
    with FakeIssuer(audience="api://orders", now=clock) as issuer:
        yield issuer


async def test_client_retries_with_the_nonce_it_was_given(fake: FakeIssuer, clock: Clock) -> None:
    nonces = SignedNonces(b"s" * 32, lifetime=120, now=clock)
    verifier = TokenVerifier([fake.issuer_config()], now=clock, clock=clock, dpop_nonces=nonces)
    app = AuthInfoMiddleware(ok_app, verifier=verifier)
    key = dpop_key()
    token = fake.token(cnf=key.cnf, exp=int(clock()) + 3600)

    def headers(**claims: Any) -> dict[str, str]:
        proof = fake.dpop_proof("GET", URL, token=token, key=key, claims=claims)
        return {"Authorization": f"DPoP {token}", "DPoP": proof}

    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as client:
        first = await client.get("/orders", headers=headers())
        nonce = first.headers["dpop-nonce"]
        retried = await client.get("/orders", headers=headers(nonce=nonce))
        forged = await client.get("/orders", headers=headers(nonce=nonce[:-2] + "AA"))
        clock.advance(200)
        expired = await client.get("/orders", headers=headers(nonce=nonce))
    assert first.status_code == 401 and first.json()["error_code"] == "use_dpop_nonce"
    assert first.headers["www-authenticate"].startswith('DPoP realm="api", error="use_dpop_nonce"')
    assert retried.status_code == 200
    assert forged.json()["error_code"] == expired.json()["error_code"] == "use_dpop_nonce"
    assert expired.headers["dpop-nonce"] != nonce


def test_signed_nonces_validate_their_configuration() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        SignedNonces(b"short")
    with pytest.raises(ValueError, match="lifetime"):
        SignedNonces(lifetime=1)
