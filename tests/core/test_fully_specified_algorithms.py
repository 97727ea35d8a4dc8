"""RFC 9864 fully-specified names: ``Ed25519`` and ``Ed448`` in ``algorithms=``, token headers and
JWKS ``alg``, beside the polymorphic ``EdDSA``; real keys and real signatures throughout."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import ed448, ed25519
from jwt.algorithms import OKPAlgorithm

from asgi_authinfo import AuthError, Issuer, TokenVerifier
from pytest_plugin import Clock

pytestmark = pytest.mark.anyio

ISS = "https://op.example.com"
NOW = 1_800_000_000.0
PRIVATE = {"Ed25519": ed25519.Ed25519PrivateKey.generate(), "Ed448": ed448.Ed448PrivateKey.generate()}


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jwk(curve: str, alg: str | None) -> dict[str, Any]:
    data = json.loads(OKPAlgorithm.to_jwk(PRIVATE[curve].public_key()))
    return {**data, "kid": curve.lower(), **({} if alg is None else {"alg": alg})}


def token(curve: str, header_alg: str) -> str:
    """Signed by the ``curve`` key, labelled ``header_alg`` (as panva's oidc-provider v9 does)."""
    header = {"alg": header_alg, "kid": curve.lower(), "typ": "JWT"}
    claims = {"iss": ISS, "sub": "u-1", "aud": "api", "iat": NOW, "exp": NOW + 300}
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"
    return f"{signing_input}.{b64(PRIVATE[curve].sign(signing_input.encode()))}"


async def verify(text: str, algorithms: tuple[str, ...], keys: list[dict[str, Any]]) -> str:
    """The subject, or the refusal's code."""
    clock = Clock(NOW)
    document = {"keys": keys}
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json=document))
    async with httpx.AsyncClient(transport=transport) as client:
        issuer = Issuer(ISS, jwks_uri=f"{ISS}/jwks", audience="api", algorithms=algorithms)
        verifier = TokenVerifier([issuer], client=client, now=clock, clock=clock)
        try:
            return (await verifier.verify(text)).subject
        except AuthError as error:
            return error.code


@pytest.mark.parametrize("curve", ["Ed25519", "Ed448"])
@pytest.mark.parametrize("key_alg", [None, "EdDSA", "fully-specified"])
async def test_a_fully_specified_token_verifies(curve: str, key_alg: str | None) -> None:
    published = curve if key_alg == "fully-specified" else key_alg
    allowed = (curve,) if key_alg != "EdDSA" else ("EdDSA", curve)
    assert await verify(token(curve, curve), allowed, [jwk(curve, published)]) == "u-1"


@pytest.mark.parametrize("key_alg", [None, "EdDSA"])
async def test_eddsa_keeps_working(key_alg: str | None) -> None:
    assert await verify(token("Ed25519", "EdDSA"), ("EdDSA",), [jwk("Ed25519", key_alg)]) == "u-1"
    assert await verify(token("Ed448", "EdDSA"), ("EdDSA",), [jwk("Ed448", key_alg)]) == "u-1"


async def test_an_ed25519_key_verifies_an_eddsa_token_only_when_the_issuer_allows_both() -> None:
    key = [jwk("Ed25519", "Ed25519")]
    assert await verify(token("Ed25519", "EdDSA"), ("EdDSA",), key) == "algorithm_not_allowed"
    assert await verify(token("Ed25519", "EdDSA"), ("EdDSA", "Ed25519"), key) == "u-1"


async def test_an_eddsa_key_verifies_an_ed25519_token_only_when_the_issuer_allows_both() -> None:
    key = [jwk("Ed25519", "EdDSA")]
    assert await verify(token("Ed25519", "Ed25519"), ("Ed25519",), key) == "algorithm_not_allowed"
    assert await verify(token("Ed25519", "Ed25519"), ("EdDSA", "Ed25519"), key) == "u-1"


async def test_the_curve_is_pinned_by_the_fully_specified_name() -> None:
    # An Ed448 key never verifies a token labelled Ed25519, whatever the key's alg says.
    for key_alg in (None, "EdDSA", "Ed448"):
        text = token("Ed448", "Ed25519")
        assert await verify(text, ("Ed25519", "Ed448", "EdDSA"), [jwk("Ed448", key_alg)]) != "u-1"
    # A key published with the wrong fully-specified name is skipped (it can never verify).
    assert (
        await verify(token("Ed25519", "Ed25519"), ("Ed25519",), [jwk("Ed25519", "Ed448"), jwk("Ed448", None)])
        != "u-1"
    )


async def test_the_polymorphic_name_is_refused_when_only_a_fully_specified_one_is_allowed() -> None:
    assert (
        await verify(token("Ed25519", "EdDSA"), ("Ed25519",), [jwk("Ed25519", None)])
        == "algorithm_not_allowed"
    )
    assert (
        await verify(token("Ed25519", "Ed25519"), ("EdDSA",), [jwk("Ed25519", None)])
        == "algorithm_not_allowed"
    )
