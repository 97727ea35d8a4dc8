"""Issuer configuration is validated when it is built, with messages that say what to fix."""

from __future__ import annotations

import pytest

from asgi_authinfo import Issuer, providers


def test_defaults_and_normalisation() -> None:
    issuer = Issuer("https://auth.example.com", audience="api://orders", algorithms=["RS256", "ES256"])
    assert issuer.audience == ("api://orders",)
    assert issuer.algorithms == ("RS256", "ES256")
    assert issuer.leeway == 5.0
    assert issuer.discovery_uri == "https://auth.example.com/.well-known/openid-configuration"
    assert (
        Issuer("https://a.example/t/").discovery_uri == "https://a.example/t/.well-known/openid-configuration"
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"issuer": ""}, "exact `iss`"),
        ({"issuer": "auth.example.com"}, "absolute https"),
        ({"issuer": "http://auth.example.com"}, "must use https"),
        ({"jwks_uri": "ftp://x/jwks"}, "jwks_uri"),
        ({"algorithms": ["HS256"]}, "cannot be verified with JWKS public keys"),
        ({"algorithms": ["none"]}, "cannot be verified"),
        ({"algorithms": []}, "non-empty"),
        ({"audience": []}, "audience"),
        ({"leeway": -1}, "leeway"),
        ({"leeway": 3600}, "at most"),
        ({"jwks_timeout": 0}, "jwks_timeout"),
        ({"claims": "nope"}, "unknown claims preset 'nope'"),
    ],
)
def test_bad_configuration_is_refused(kwargs: dict[str, object], message: str) -> None:
    options = {"issuer": "https://auth.example.com", **kwargs}
    with pytest.raises(ValueError, match=message):
        Issuer(**options)  # type: ignore[arg-type]


def test_http_is_allowed_on_loopback_only() -> None:
    assert Issuer("http://127.0.0.1:8080").issuer == "http://127.0.0.1:8080"
    assert Issuer("http://localhost:8080").issuer


def test_provider_helpers() -> None:
    user_management, sso = providers.workos("client_123")
    assert user_management.issuer == "https://api.workos.com/user_management/client_123"
    assert user_management.audience is None
    assert sso.issuer == "https://api.workos.com/" and sso.audience == ("client_123",)
    assert user_management.jwks_uri == sso.jwks_uri == "https://api.workos.com/sso/jwks/client_123"
    (clerk,) = providers.clerk("https://clerk.example.com/", authorized_parties=["https://app.example.com"])
    assert clerk.issuer == "https://clerk.example.com"
    assert clerk.jwks_uri == "https://clerk.example.com/.well-known/jwks.json"
    assert clerk.authorized_parties == ("https://app.example.com",)
    (authgear,) = providers.authgear("https://myapp.authgear.cloud")
    assert authgear.jwks_uri == "https://myapp.authgear.cloud/oauth2/jwks"
    assert authgear.audience == ("https://myapp.authgear.cloud",)
    with pytest.raises(ValueError, match="client id"):
        providers.workos("")


async def _verify_clerk(claims: dict[str, object], **options: object) -> str:
    from asgi_authinfo import AuthError, TokenVerifier
    from pytest_plugin import FakeIssuer

    with FakeIssuer("https://clerk.example.com") as fake:
        verifier = TokenVerifier(providers.clerk(fake.issuer, **options))  # type: ignore[arg-type]
        try:
            return (await verifier.verify(fake.token(**claims))).subject
        except AuthError as error:
            return error.code
        finally:
            await verifier.aclose()


@pytest.mark.anyio
async def test_clerk_pending_sessions_count_as_signed_out_as_in_clerks_auth() -> None:
    # Clerk's auth() treats `sts: "pending"` as signed out unless treatPendingAsSignedOut is false.
    assert await _verify_clerk({"sub": "user_1", "sts": "pending"}) == "invalid_claim"
    assert await _verify_clerk({"sub": "user_1", "sts": "active"}) == "user_1"
    assert await _verify_clerk({"sub": "user_1"}) == "user_1"  # v1 tokens carry no sts
    assert (
        await _verify_clerk({"sub": "user_1", "sts": "pending"}, treat_pending_as_signed_out=False)
        == "user_1"
    )


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("leeway", True, "leeway must be a number of seconds >= 0, got True"),
        ("jwks_max_age", -1, "jwks_max_age must be a number of seconds >= 0, got -1"),
        ("jwks_timeout", 0, "jwks_timeout must be a number of seconds > 0, got 0"),
        ("userinfo_timeout", float("nan"), "userinfo_timeout must be a number of seconds > 0, got nan"),
    ],
)
def test_durations_are_checked_when_built(option: str, value: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Issuer("https://auth.example.com", **{option: value})
