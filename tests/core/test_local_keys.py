"""Local keys: a JWKS given in the configuration (dict, data: URI, file: URI, path, one PEM key).

Every verifier here gets an httpx client whose transport fails the test on any request: local
keys must never touch the network, not even for an unknown ``kid``.
"""

from __future__ import annotations

import base64
import json
import logging
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from asgi_authinfo import AuthError, Issuer, TokenVerifier, providers
from pytest_plugin import Clock, FakeIssuer

pytestmark = pytest.mark.anyio


def no_network() -> httpx.AsyncClient:
    def refuse(request: httpx.Request) -> httpx.Response:
        pytest.fail(f"local keys made an HTTP request: {request.method} {request.url}")

    return httpx.AsyncClient(transport=httpx.MockTransport(refuse))


def convex_data_uri(jwks: dict[str, Any]) -> str:
    """As Convex's docs write it: ``"data:text/plain;charset=utf-8;base64," + btoa(JSON)``."""
    return "data:text/plain;charset=utf-8;base64," + base64.b64encode(json.dumps(jwks).encode()).decode()


def local_options(form: str, fake: FakeIssuer, tmp_path: Path) -> dict[str, Any]:
    jwks = fake.jwks
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps(jwks))
    return {
        "jwks": {"jwks_uri": None, "jwks": jwks},
        "data-base64": {"jwks_uri": convex_data_uri(jwks)},
        "data-urlencoded": {"jwks_uri": "data:application/json," + quote(json.dumps(jwks))},
        "file-uri": {"jwks_uri": path.as_uri()},
        "path": {"jwks_uri": str(path)},
        "public-key": {"jwks_uri": None, "public_key": fake.key.public_pem.decode()},
    }[form]


FORMS = ["jwks", "data-base64", "data-urlencoded", "file-uri", "path", "public-key"]


@pytest.mark.parametrize("algorithm", ["RS256", "ES256", "EdDSA"])
@pytest.mark.parametrize("form", FORMS)
async def test_local_keys_verify_without_the_network(form: str, algorithm: str, tmp_path: Path) -> None:
    clock = Clock(1_800_000_000.0)
    fake = FakeIssuer(algorithm=algorithm, audience="api://orders", now=clock)
    issuer = fake.issuer_config(**local_options(form, fake, tmp_path))
    async with no_network() as client:
        verifier = TokenVerifier([issuer], client=client, now=clock, clock=clock)
        auth = await verifier.verify(fake.token(sub="user-1"))
        assert auth.subject == "user-1"
        other_kid = fake.token(headers={"kid": "rotated-away"})
        if form == "public-key":  # one PEM key has no kid: it is the key, whatever the token says
            assert (await verifier.verify(other_kid)).subject == fake.default_claims()["sub"]
            return
        with pytest.raises(AuthError) as refused:  # an unknown kid: refused, nothing fetched
            await verifier.verify(other_kid)
        assert refused.value.code == "unknown_key"


async def test_a_forged_token_is_refused_by_local_keys(tmp_path: Path) -> None:
    clock = Clock(1_800_000_000.0)
    fake = FakeIssuer(audience="api://orders", now=clock)
    other = FakeIssuer("https://other.example.com", audience="api://orders", now=clock)
    issuer = fake.issuer_config(jwks_uri=None, jwks=fake.jwks)
    forged = other.key.sign({**fake.default_claims()}, {"kid": fake.key.kid})
    async with no_network() as client:
        verifier = TokenVerifier([issuer], client=client, now=clock, clock=clock)
        with pytest.raises(AuthError) as refused:
            await verifier.verify(forged)
    assert refused.value.code == "bad_signature"


async def test_convex_custom_jwt_with_a_data_uri() -> None:
    clock = Clock(1_800_000_000.0)
    fake = FakeIssuer(audience="my-app", now=clock)
    issuers = providers.custom_jwt(
        issuer=fake.issuer, jwks=convex_data_uri(fake.jwks), algorithm="RS256", application_id="my-app"
    )
    async with no_network() as client:
        verifier = TokenVerifier(issuers, client=client, now=clock, clock=clock)
        assert (await verifier.verify(fake.token(sub="convex-user"))).subject == "convex-user"


@pytest.mark.parametrize("spelling", ["pem", "escaped-newlines", "body-only"])
async def test_clerk_networkless_with_a_pem_jwt_key(spelling: str) -> None:
    clock = Clock(1_800_000_000.0)
    fake = FakeIssuer(preset="clerk", now=clock)
    pem = fake.key.public_pem.decode()
    jwt_key = {
        "pem": pem,
        "escaped-newlines": pem.replace("\n", "\\n"),  # as a one-line CLERK_JWT_KEY env var
        "body-only": "".join(line for line in pem.splitlines() if "-----" not in line),
    }[spelling]
    issuers = providers.clerk(fake.issuer, jwt_key=jwt_key, treat_pending_as_signed_out=False)
    assert issuers[0].jwks_uri is None
    async with no_network() as client:
        verifier = TokenVerifier(issuers, client=client, now=clock, clock=clock)
        assert (await verifier.verify(fake.token(sub="user_2abc"))).subject == "user_2abc"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"jwks_uri": "data:application/json;base64,%%%"}, "not base64"),
        ({"jwks_uri": "data:application/json;base64"}, "no ','"),
        ({"jwks_uri": "data:application/json,not-json"}, "not JSON"),
        ({"jwks_uri": "/nonexistent/jwks.json"}, "cannot read the JWKS file"),
        ({"jwks_uri": "file://elsewhere.example.com/jwks.json"}, "must be local"),
        ({"jwks": {"keys": []}}, "no usable signing keys"),
        ({"jwks": {"nokeys": 1}}, "`keys` list"),
        ({"public_key": "not a key"}, "not a PEM public key"),
        ({"jwks_uri": "https://idp.example.com/jwks", "public_key": "x"}, "give one of"),
        ({"jwks": {"keys": []}, "public_key": "x"}, "give one of"),
    ],
)
def test_unusable_local_keys_fail_when_the_issuer_is_built(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Issuer("https://idp.example.com", **options)


def test_local_keys_follow_the_same_key_rules(caplog: pytest.LogCaptureFixture) -> None:
    fake = FakeIssuer()
    encryption = {**fake.key.public_jwk, "kid": "enc-1", "use": "enc"}
    with caplog.at_level(logging.WARNING, logger="asgi_authinfo"):
        issuer = Issuer(fake.issuer, jwks={"keys": [encryption, fake.key.public_jwk]})
    assert issuer.local_keys is not None
    assert [key.kid for key in issuer.local_keys.keys] == [fake.key.kid]
    assert "'enc-1'" in caplog.text and "not for signatures" in caplog.text


def test_a_multi_tenant_issuer_may_use_local_keys() -> None:
    fake = FakeIssuer()
    issuer = Issuer("https://login.example.com/{tenantid}/v2.0", tenants=["t1"], jwks=fake.jwks)
    assert issuer.local_keys is not None
