"""Supabase Auth: the ``supabase`` preset and ``providers.supabase()``.

Claims from Supabase's JWT claims reference (``supabase/supabase``
``apps/docs/content/guides/auth/jwt-fields.mdx``, whose "Authenticated user token" example is
used below) and ``JwtPayload`` of ``@supabase/supabase-js`` (``amr`` as RFC 8176 strings or
``{method, timestamp}`` objects). Keys: ``<project>/auth/v1/.well-known/jwks.json``
(https://supabase.com/docs/guides/auth/signing-keys).
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given

from asgi_authinfo import InvalidTokenError, providers
from asgi_authinfo.claims import resolve
from asgi_authinfo.claims.supabase import map_claims

from ._support import ProviderIssuer, normalized, round_trip, verify
from .fixtures.sdk_payloads import SUPABASE_USER
from .strategies import Case, supabase_tokens

PROJECT = "https://abcdefghijklmnopqrst.supabase.co"

# supabase/supabase's JWT fields reference (tests/providers/fixtures/sdk_payloads.py), issued at a fixed time
AUTHENTICATED: dict[str, Any] = {
    **SUPABASE_USER,
    "iss": f"{PROJECT}/auth/v1",
    "exp": 1640995200,
    "iat": 1640991600,
}


def test_registered_as_supabase() -> None:
    assert resolve("supabase") is map_claims


def test_authenticated_user_token() -> None:
    mapped = map_claims(AUTHENTICATED)
    user = mapped.user
    assert user.id == "123e4567-e89b-12d3-a456-426614174000"
    assert user.email == "user@example.com"
    assert user.phone_number is None  # "" means no phone
    assert user.name == "John Doe"  # from user_metadata
    assert user.is_anonymous is False
    assert user.custom_attributes == {
        "app_metadata": {"provider": "email", "providers": ("email",)},
        "user_metadata": {"name": "John Doe"},
        "aal": "aal1",
        "amr": ("password",),
    }
    assert mapped.role == "authenticated" and mapped.roles == ("authenticated",)
    assert mapped.session_id == "123e4567-e89b-12d3-a456-426614174000"
    assert mapped.scopes == ()


def test_oauth_sign_in_profile_and_mfa() -> None:
    claims = {
        **AUTHENTICATED,
        "aal": "aal2",
        "amr": ["oauth", "totp"],
        "user_metadata": {
            "avatar_url": "https://lh3.googleusercontent.com/a/photo.jpg",
            "email_verified": True,
            "full_name": "Ada Lovelace",
            "iss": "https://accounts.google.com",
            "provider_id": "1234567890",
        },
    }
    user = map_claims(claims).user
    assert user.name == "Ada Lovelace"
    assert user.picture == "https://lh3.googleusercontent.com/a/photo.jpg"
    assert user.email_verified is True
    assert user.custom_attributes["aal"] == "aal2"
    assert user.custom_attributes["amr"] == ("oauth", "totp")


def test_anonymous_sign_in() -> None:
    claims = {
        **AUTHENTICATED,
        "email": "",
        "is_anonymous": True,
        "amr": [{"method": "anonymous", "timestamp": 1}],
    }
    user = map_claims(claims).user
    assert user.is_anonymous is True and user.email is None


def test_helper_configuration() -> None:
    (issuer,) = providers.supabase(PROJECT + "/")
    assert issuer.issuer == f"{PROJECT}/auth/v1"
    assert issuer.jwks_uri == f"{PROJECT}/auth/v1/.well-known/jwks.json"
    assert issuer.audience == ("authenticated",)
    assert issuer.algorithms == ("ES256", "RS256")
    assert providers.supabase(f"{PROJECT}/auth/v1")[0].issuer == issuer.issuer
    with pytest.raises(ValueError, match="cannot be verified with JWKS"):
        providers.supabase(PROJECT, algorithms=["HS256"])


@pytest.mark.anyio
async def test_helper_verifies_an_es256_supabase_token() -> None:
    issuers = providers.supabase(PROJECT)
    fake = ProviderIssuer.like(issuers[0], algorithm="ES256")
    sample = {key: value for key, value in AUTHENTICATED.items() if key not in ("iss", "iat", "exp")}
    auth = await verify(issuers, via=fake, token=fake.token(**sample))
    assert auth.has(role="authenticated")
    assert auth.user.display_name == "John Doe"
    with pytest.raises(InvalidTokenError) as refused:
        await verify(issuers, via=fake, token=fake.token(**{**sample, "aud": "anon"}))
    assert refused.value.code == "audience_mismatch"


@pytest.mark.anyio
@given(case=supabase_tokens())
async def test_round_trip(case: Case) -> None:
    claims, expected = case
    assert normalized(await round_trip("supabase", claims)) == expected
