"""Start-up checks: every issuer's keys fetched at lifespan start-up (or ``verifier.start()``),
one log line per issuer, a warning by default and a failed start-up with ``strict_startup``."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest

from asgi_authinfo import AuthInfoMiddleware, TokenVerifier
from asgi_authinfo._startup import StartupCheckError
from pytest_plugin import Clock, FakeIssuer

pytestmark = pytest.mark.anyio


def down() -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.MockTransport(lambda request: httpx.Response(503)))


@pytest.mark.parametrize("discovery", [False, True])
async def test_start_fetches_the_keys_and_logs_one_line_per_issuer(
    discovery: bool, caplog: pytest.LogCaptureFixture
) -> None:
    fake = FakeIssuer(now=Clock(1_800_000_000.0))
    verifier = fake.verifier(**({"jwks_uri": None} if discovery else {}))
    with caplog.at_level(logging.INFO, logger="asgi_authinfo"):
        (check,) = await verifier.start()
    assert (check.issuer, check.keys, check.error) == (fake.issuer, 1, None)
    assert check.algorithms == ("RS256",)
    assert f"issuer {fake.issuer}: 1 signing keys (RS256)" in caplog.text
    fetches = fake.jwks_fetches
    assert (await verifier.verify(fake.token(sub="u"))).subject == "u"
    assert fake.jwks_fetches == fetches  # the first request pays no fetch
    await verifier.aclose()


async def test_an_unreachable_issuer_is_a_warning_or_with_strict_an_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    ok, broken = FakeIssuer(), FakeIssuer("https://down.example.com")
    async with down() as client:
        verifier = TokenVerifier([broken.issuer_config(jwks_uri=None)], client=client)
        with caplog.at_level(logging.WARNING, logger="asgi_authinfo"):
            (check,) = await verifier.start()
        assert check.error is not None and "discovery failed" in check.error
        assert "issuer https://down.example.com: start-up check failed" in caplog.text
        with pytest.raises(StartupCheckError, match=r"issuer https://down\.example\.com: discovery failed"):
            await verifier.start(strict=True)
        verifier = TokenVerifier([broken.issuer_config()], client=client)
        with pytest.raises(StartupCheckError, match=r"issuer https://down\.example\.com: .*503"):
            await verifier.start(strict=True)
    local = TokenVerifier([ok.issuer_config(jwks_uri=None, jwks=ok.jwks)])
    (check,) = await local.start(strict=True)
    assert check.keys == 1
    await local.aclose()


async def run_lifespan(app: Any) -> list[dict[str, Any]]:
    messages = iter([{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}])
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return next(messages)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app({"type": "lifespan", "asgi": {"version": "3.0"}}, receive, send)
    return sent


async def lifespan_app(scope: Any, receive: Any, send: Any) -> None:
    await receive()
    await send({"type": "lifespan.startup.complete"})
    await receive()
    await send({"type": "lifespan.shutdown.complete"})


@pytest.mark.parametrize("strict", [False, True])
async def test_lifespan_start_up_checks_the_issuers(strict: bool, caplog: pytest.LogCaptureFixture) -> None:
    broken = FakeIssuer("https://down.example.com")
    async with down() as client:
        app = AuthInfoMiddleware(
            lifespan_app, issuers=[broken.issuer_config()], client=client, strict_startup=strict
        )
        with caplog.at_level(logging.WARNING, logger="asgi_authinfo"):
            sent = await run_lifespan(app)
    assert "issuer https://down.example.com: start-up check failed" in caplog.text
    if strict:
        assert sent[0]["type"] == "lifespan.startup.failed"
        assert "issuer https://down.example.com" in sent[0]["message"]
    else:
        assert [message["type"] for message in sent] == [
            "lifespan.startup.complete",
            "lifespan.shutdown.complete",
        ]


async def test_lifespan_start_up_with_healthy_issuers_completes() -> None:
    fake = FakeIssuer()
    app = AuthInfoMiddleware(lifespan_app, verifier=fake.verifier(), strict_startup=True)
    sent = await run_lifespan(app)
    assert [message["type"] for message in sent] == [
        "lifespan.startup.complete",
        "lifespan.shutdown.complete",
    ]
    assert fake.jwks_fetches == 1
