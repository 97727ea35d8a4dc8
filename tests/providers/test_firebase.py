"""Firebase Authentication: the ``firebase`` preset and ``providers.firebase()``.

ID token shape from "Verify ID tokens using a third-party JWT library"
(https://firebase.google.com/docs/auth/admin/verify-id-tokens: ``iss``
``https://securetoken.google.com/<projectId>``, ``aud`` the project id, ``sub`` the uid, RS256)
and ``DecodedIdToken`` in ``firebase/firebase-admin-node`` ``src/auth/token-verifier.ts``
(``firebase.identities``, ``sign_in_provider``, ``sign_in_second_factor``, ``tenant``).
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given

from asgi_authinfo import InvalidTokenError, providers
from asgi_authinfo.claims import resolve
from asgi_authinfo.claims.firebase import map_claims

from ._support import ProviderIssuer, normalized, round_trip, verify
from .strategies import Case, firebase_tokens

PROJECT = "apizero"

GOOGLE_SIGN_IN: dict[str, Any] = {
    "name": "Ada Lovelace",
    "picture": "https://lh3.googleusercontent.com/a-/AOh14Gj",
    "iss": f"https://securetoken.google.com/{PROJECT}",
    "aud": PROJECT,
    "auth_time": 1591669676,
    "user_id": "YX4oa0l2AXh4cQE4yodfchnYma02",
    "sub": "YX4oa0l2AXh4cQE4yodfchnYma02",
    "iat": 1591669676,
    "exp": 1591673276,
    "email": "ada@example.com",
    "email_verified": True,
    "firebase": {
        "identities": {"google.com": ["102769505389790198629"], "email": ["ada@example.com"]},
        "sign_in_provider": "google.com",
    },
}


def test_registered_as_firebase() -> None:
    assert resolve("firebase") is map_claims


def test_google_sign_in() -> None:
    mapped = map_claims(GOOGLE_SIGN_IN)
    user = mapped.user
    assert user.id == "YX4oa0l2AXh4cQE4yodfchnYma02"
    assert (user.name, user.email, user.email_verified) == ("Ada Lovelace", "ada@example.com", True)
    assert user.picture == "https://lh3.googleusercontent.com/a-/AOh14Gj"
    assert user.is_anonymous is False
    assert user.custom_attributes == {
        "sign_in_provider": "google.com",
        "identities": {"google.com": ("102769505389790198629",), "email": ("ada@example.com",)},
    }
    assert mapped.organization_id is None


def test_tenant_second_factor_and_custom_claims() -> None:
    claims = {
        **GOOGLE_SIGN_IN,
        "role": "admin",
        "admin": True,
        "firebase": {
            "identities": {"email": ["ada@example.com"]},
            "sign_in_provider": "password",
            "sign_in_second_factor": "phone",
            "second_factor_identifier": "f1e2d3c4",
            "tenant": "acmecorp-xgzvg",
        },
    }
    mapped = map_claims(claims)
    assert mapped.organization_id == "acmecorp-xgzvg"
    assert mapped.role == "admin" and mapped.roles == ("admin",)
    assert mapped.user.custom_attributes["sign_in_second_factor"] == "phone"


def test_anonymous_user() -> None:
    claims = {
        "sub": "uid1",
        "user_id": "uid1",
        "firebase": {"identities": {}, "sign_in_provider": "anonymous"},
    }
    assert map_claims(claims).user.is_anonymous is True


def test_helper_configuration() -> None:
    (issuer,) = providers.firebase(PROJECT)
    assert issuer.issuer == f"https://securetoken.google.com/{PROJECT}"
    assert issuer.audience == (PROJECT,)
    assert issuer.jwks_uri == providers.FIREBASE_JWKS
    assert issuer.algorithms == ("RS256",)
    with pytest.raises(ValueError, match="project id"):
        providers.firebase("My Project")


@pytest.mark.anyio
async def test_helper_verifies_a_firebase_token_with_keys_on_googleapis() -> None:
    issuers = providers.firebase(PROJECT)
    fake = ProviderIssuer.like(issuers[0])
    sample = {key: value for key, value in GOOGLE_SIGN_IN.items() if key not in ("iss", "iat", "exp")}
    auth = await verify(issuers, via=fake, token=fake.token(**sample))
    assert auth.user.email == "ada@example.com"
    assert [request.path for request in fake.requests] == [
        "/service_accounts/v1/jwk/securetoken@system.gserviceaccount.com"
    ]
    with pytest.raises(InvalidTokenError) as refused:
        await verify(issuers, via=fake, token=fake.token(**{**sample, "aud": "another-project"}))
    assert refused.value.code == "audience_mismatch"


@pytest.mark.anyio
@given(case=firebase_tokens())
async def test_round_trip(case: Case) -> None:
    claims, expected = case
    assert normalized(await round_trip("firebase", claims)) == expected
