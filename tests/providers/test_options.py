"""Every provider helper takes every ``Issuer`` option: one merger, the user's options win.

Regression: ``providers.workos("client_01H", claims="oidc")`` (and ``clerk``, ``authgear``) raised
``TypeError: Issuer() got multiple values for keyword argument 'claims'``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any

import pytest

from asgi_authinfo import InvalidTokenError, Issuer, providers
from asgi_authinfo.claims import resolve

TENANT = "3f2c0a6e-1c2d-4b5e-8f90-123456789abc"

REQUIRED: dict[str, Callable[..., tuple[Issuer, ...]]] = {
    "auth0": lambda **o: providers.auth0("tenant.us.auth0.com", "https://api.example.com", **o),
    "authgear": lambda **o: providers.authgear("https://project.authgear.cloud", **o),
    "clerk": lambda **o: providers.clerk("https://clerk.example.com", **o),
    "cognito": lambda **o: providers.cognito("us-east-1_AbC123xyz", "app-client", **o),
    "custom_jwt": lambda **o: providers.custom_jwt(
        issuer="https://auth.example.com", jwks="https://auth.example.com/jwks.json", **o
    ),
    "entra": lambda **o: providers.entra(TENANT, "api-client", **o),
    "firebase": lambda **o: providers.firebase("my-app-1234", **o),
    "keycloak": lambda **o: providers.keycloak("https://sso.example.com", "main", **o),
    "okta": lambda **o: providers.okta("dev-1.okta.com", client_id="okta-client", **o),
    "supabase": lambda **o: providers.supabase("https://abc.supabase.co", **o),
    "workos": lambda **o: providers.workos("client_01H", **o),
}
"""Each helper with its required arguments."""


def mine(claims: Mapping[str, Any], issuer: str, /) -> None:
    """The user's claim check."""


def test_every_helper_is_listed() -> None:
    assert sorted(REQUIRED) == sorted(providers.__all__)


@pytest.mark.parametrize("name", sorted(REQUIRED))
def test_user_options_reach_every_issuer(name: str) -> None:
    own = REQUIRED[name]()
    built = REQUIRED[name](
        claims="oidc", leeway=1, claim_checks=[mine], userinfo_uri="https://me.example.com/userinfo"
    )
    assert len(built) == len(own) >= 1
    for issuer, default in zip(built, own, strict=True):
        assert issuer.mapper is resolve("oidc")
        assert issuer.leeway == 1
        assert issuer.userinfo_uri == "https://me.example.com/userinfo"
        # the provider's own checks first, then the user's
        assert issuer.claim_checks == (*default.claim_checks, mine)
        assert (issuer.issuer, issuer.jwks_uri, issuer.audience) == (
            default.issuer,
            default.jwks_uri,
            default.audience,
        )


@pytest.mark.parametrize("name", ["cognito", "firebase", "workos"])
def test_an_audience_the_provider_owns_is_refused(name: str) -> None:
    with pytest.raises(ValueError, match=rf"{name}\(\) checks .* audience="):
        REQUIRED[name](audience="https://api.example.com")


def test_clerk_checks_pending_sessions_before_the_users_checks() -> None:
    def record(claims: Mapping[str, Any], issuer: str, /) -> None:
        pass

    (issuer,) = providers.clerk("https://clerk.example.com", claim_checks=[record])
    pending, users = issuer.claim_checks
    assert users is record
    with pytest.raises(InvalidTokenError, match="pending"):
        pending({"sts": "pending"}, issuer.issuer)


def test_the_cli_knows_which_argument_each_helper_takes() -> None:
    from asgi_authinfo._inspect import _PROVIDER_ARGUMENT

    assert sorted(_PROVIDER_ARGUMENT) == sorted(providers.__all__)
    for name, argument in _PROVIDER_ARGUMENT.items():
        assert argument in inspect.signature(getattr(providers, name)).parameters
