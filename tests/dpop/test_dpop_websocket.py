"""DPoP on a WebSocket handshake: a non-browser client sends the headers; the proof is for GET."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from asgi_authinfo import AuthInfoMiddleware, InvalidRequestError, TokenVerifier, get_auth, read_dpop
from pytest_plugin import Clock, FakeIssuer, dpop_key

pytestmark = pytest.mark.anyio


@pytest.fixture
def clock() -> Clock:
    return Clock(1_800_000_000.0)


@pytest.fixture
def fake(clock: Clock) -> Iterator[FakeIssuer]:
    with FakeIssuer(audience="api://orders", now=clock) as issuer:
        yield issuer


def handshake(headers: dict[str, str], scheme: str = "wss") -> dict[str, Any]:
    return {
        "type": "websocket",
        "scheme": scheme,
        "path": "/live",
        "raw_path": b"/live",
        "query_string": b"",
        "headers": [(b"host", b"api.example.com")]
        + [(name.lower().encode(), value.encode()) for name, value in headers.items()],
    }


async def connect(app: Any, scope: dict[str, Any]) -> list[dict[str, Any]]:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "websocket.connect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return sent


async def accepting_app(scope: Any, receive: Any, send: Any) -> None:
    await receive()
    await send({"type": "websocket.accept", "headers": [(b"x-jkt", str(get_auth(scope).dpop_jkt).encode())]})


@pytest.mark.parametrize("htu", ["wss://api.example.com/live", "https://api.example.com/live"])
async def test_handshake_with_a_get_proof_is_accepted(fake: FakeIssuer, clock: Clock, htu: str) -> None:
    key = dpop_key()
    token = fake.token(cnf=key.cnf)
    scope = handshake(
        {"Authorization": f"DPoP {token}", "DPoP": fake.dpop_proof("GET", htu, token=token, key=key)}
    )
    app = AuthInfoMiddleware(
        accepting_app, verifier=TokenVerifier([fake.issuer_config()], now=clock, clock=clock)
    )
    sent = await connect(app, scope)
    assert sent[0]["type"] == "websocket.accept"
    assert dict(sent[0]["headers"])[b"x-jkt"] == key.thumbprint.encode()


async def test_handshake_with_a_bad_proof_is_closed_with_the_code(fake: FakeIssuer, clock: Clock) -> None:
    key = dpop_key()
    token = fake.token(cnf=key.cnf)
    proof = fake.dpop_proof("POST", "wss://api.example.com/live", token=token, key=key)
    app = AuthInfoMiddleware(
        accepting_app, verifier=TokenVerifier([fake.issuer_config()], now=clock, clock=clock)
    )
    sent = await connect(app, handshake({"Authorization": f"DPoP {token}", "DPoP": proof}))
    assert sent == [{"type": "websocket.close", "code": 1008, "reason": sent[0]["reason"]}]
    assert sent[0]["reason"].startswith("invalid_dpop_proof: ")


def test_read_dpop_ignores_other_schemes_and_reads_the_request() -> None:
    assert read_dpop(handshake({"Authorization": "Bearer abc"})) is None
    assert read_dpop(handshake({"DPoP": "x.y.z"})) is None
    request = read_dpop(handshake({"Authorization": "DPoP abc", "DPoP": "x.y.z"}, scheme="ws"))
    assert request is not None
    assert (request.token, request.proof, request.method, request.url) == (
        "abc",
        "x.y.z",
        "GET",
        "http://api.example.com/live",
    )


def test_read_dpop_refuses_two_authorization_headers() -> None:
    scope = handshake({"DPoP": "x.y.z"})
    scope["headers"] += [(b"authorization", b"DPoP abc"), (b"authorization", b"Bearer def")]
    with pytest.raises(InvalidRequestError, match="more than one Authorization"):
        read_dpop(scope)
