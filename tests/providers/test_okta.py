"""Okta: the ``okta`` preset and ``providers.okta()`` with its ``cid`` check.

The access token payload is Okta's own example ("Reserved claims in the payload section",
https://developer.okta.com/docs/api/openapi/okta-oauth/guides/overview/) plus a groups claim
(https://developer.okta.com/docs/guides/customize-tokens-groups-claim/). The ``cid`` check is
what ``assertClaims: {cid: ...}`` does in Okta's JWT verifiers (``okta/okta-jwt-verifier-js``).
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given

from asgi_authinfo import ClaimIn, InvalidTokenError, providers
from asgi_authinfo.claims import resolve
from asgi_authinfo.claims.okta import map_claims

from ._support import ProviderIssuer, normalized, round_trip, verify
from .strategies import Case, okta_tokens

DOMAIN = "dev-133337.okta.com"
ISSUER = f"https://{DOMAIN}/oauth2/default"

ACCESS_TOKEN: dict[str, Any] = {
    "ver": 1,
    "jti": "AT.0mP4JKAZX1iACIT4vbEDF7LpvDVjxypPMf0D7uX39RE",
    "iss": ISSUER,
    "aud": "api://default",
    "sub": "ada@example.com",
    "iat": 1467145094,
    "exp": 1467148694,
    "cid": "nmdP1fcyvdVO11AL7ECm",
    "uid": "00ujmkLgagxeRrAg20g3",
    "scp": ["openid", "email", "flights", "custom"],
    "auth_time": 1467142021,
    "groups": ["Everyone", "Pilots"],
    "custom_claim": "CustomValue",
}


def test_registered_as_okta() -> None:
    assert resolve("okta") is map_claims


def test_access_token() -> None:
    mapped = map_claims(ACCESS_TOKEN)
    assert mapped.user.id == "ada@example.com"
    assert mapped.user.custom_attributes == {"uid": "00ujmkLgagxeRrAg20g3"}
    assert mapped.scopes == ("openid", "email", "flights", "custom")
    assert mapped.roles == ("Everyone", "Pilots") and mapped.role is None


def test_client_credentials_token() -> None:
    mapped = map_claims({"sub": "0oa1b2c3", "cid": "0oa1b2c3", "scp": ["orders.read"]})
    assert mapped.user.custom_attributes == {}
    assert mapped.scopes == ("orders.read",)


def test_helper_configuration() -> None:
    (issuer,) = providers.okta(f"https://{DOMAIN}/", client_id="nmdP1fcyvdVO11AL7ECm")
    assert issuer.issuer == ISSUER
    assert issuer.jwks_uri == f"{ISSUER}/v1/keys"
    assert issuer.userinfo_uri == f"{ISSUER}/v1/userinfo"
    assert issuer.audience == ("api://default",)
    assert issuer.claim_checks == (ClaimIn("cid", "nmdP1fcyvdVO11AL7ECm", code="unauthorized_party"),)
    custom = providers.okta(DOMAIN, authorization_server="aus1a2b3", audience="https://api.example.com")[0]
    assert custom.issuer == f"https://{DOMAIN}/oauth2/aus1a2b3"
    assert custom.claim_checks == ()
    with pytest.raises(ValueError, match="authorization_server"):
        providers.okta(DOMAIN, authorization_server="a/b")
    with pytest.raises(ValueError, match="cid"):
        providers.okta(DOMAIN, client_id=[])


@pytest.mark.anyio
async def test_helper_verifies_an_okta_token_and_its_client() -> None:
    issuers = providers.okta(DOMAIN, client_id=["nmdP1fcyvdVO11AL7ECm"])
    fake = ProviderIssuer.like(issuers[0])
    sample = {key: value for key, value in ACCESS_TOKEN.items() if key not in ("iss", "iat", "exp")}
    auth = await verify(issuers, via=fake, token=fake.token(**sample))
    assert auth.has(scope="flights") and auth.has(role="Pilots")
    for claims, code in (
        ({"cid": "another-client"}, "unauthorized_party"),
        ({"cid": None}, "missing_claim"),
    ):
        with pytest.raises(InvalidTokenError) as refused:
            await verify(issuers, via=fake, token=fake.token(**{**sample, **claims}))
        assert refused.value.code == code


@pytest.mark.anyio
@given(case=okta_tokens())
async def test_round_trip(case: Case) -> None:
    claims, expected = case
    assert normalized(await round_trip("okta", claims)) == expected
