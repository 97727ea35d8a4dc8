"""Presets: provider-shaped tokens round-trip through the real middleware into the same AuthInfo fields."""

from __future__ import annotations

import anyio
import pytest
from hypothesis import HealthCheck, given, settings

from asgi_authinfo import AuthInfo, Impersonator, TokenVerifier, providers
from asgi_authinfo.claims.oidc import PROFILE_FIELDS
from pytest_plugin import FakeIssuer, Persona, Preset
from pytest_plugin.strategies import personas

from .conftest import client_for, protected

PROFILE = PROFILE_FIELDS
ORIGINAL = ("oidc", "workos", "clerk", "clerk_v1", "authgear")
"""The first presets; the other providers' are tested in ``test_provider_presets.py``."""


def unprefixed(values: tuple[str, ...]) -> set[str]:
    return {value.removeprefix("org:") for value in values}


def assert_describes(auth: AuthInfo, persona: Persona, preset: Preset) -> None:
    """``auth`` has the fields ``persona`` asked for, as the provider's SDK would report them."""
    assert auth.user.id == auth.subject == (persona.user_id or preset.subject)
    assert auth.session_id == (persona.session_id or preset.session_id)
    for name in PROFILE:
        assert getattr(auth.user, name) == getattr(persona, name), name
    assert auth.organization_id == persona.organization_id
    if "organization_slug" in preset.supports:
        assert auth.organization_slug == persona.organization_slug
    assert unprefixed(auth.roles) == unprefixed(persona.all_roles)
    assert all(auth.has(role=role) for role in persona.all_roles)
    assert unprefixed(auth.permissions) == unprefixed(persona.permissions)
    assert all(auth.has(permission=permission) for permission in persona.permissions)
    assert all(auth.has(feature=flag) for flag in persona.feature_flags)
    assert all(auth.has(entitlement=plan) for plan in persona.entitlements)
    assert all(auth.has(scope=scope) for scope in persona.scopes)
    assert not auth.has(role="nobody-has-this-role")
    assert auth.impersonator == persona.impersonator
    assert auth.user.custom_attributes == persona.custom_attributes
    assert auth.user.is_anonymous is persona.is_anonymous


async def through_the_middleware(fake: FakeIssuer, token: str) -> AuthInfo:
    app, recorder = protected(fake.verifier())
    async with client_for(app) as client:
        response = await client.get("/", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    (auth,) = recorder.seen
    assert isinstance(auth, AuthInfo)
    return auth


@pytest.mark.parametrize("preset", ORIGINAL)
def test_drawn_callers_round_trip_through_the_middleware(preset: str) -> None:
    fake = FakeIssuer(preset=preset, algorithm="ES256")

    @settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow])
    @given(persona=personas(preset))
    def round_trip(persona: Persona) -> None:
        user = fake.sign_in(**persona.as_kwargs())
        auth = anyio.run(through_the_middleware, fake, user.token)
        assert auth == user.auth_info
        assert_describes(auth, persona, fake.preset)

    round_trip()


EVERYTHING = {
    "oidc": dict(organization_id="org_1", role="admin", roles=["billing"], permissions=["posts:read"]),
    "workos": dict(
        organization_id="org_01H",
        role="admin",
        permissions=["posts:read", "posts:delete"],
        entitlements=["audit-logs"],
        feature_flags=["beta-dashboard"],
    ),
    "clerk": dict(
        organization_id="org_2ab",
        organization_slug="acme",
        role="admin",
        permissions=["posts:read", "posts:delete", "org:billing:manage"],
        feature_flags=["premium", "org:sso"],
        entitlements=["org:pro"],
    ),
    "clerk_v1": dict(
        organization_id="org_2ab", organization_slug="acme", role="org:admin", permissions=["posts:read"]
    ),
    "authgear": dict(
        roles=["admin", "editor"],
        scopes=["openid", "offline_access"],
        custom_attributes={"plan": "pro"},
        is_anonymous=True,
    ),
}


@pytest.mark.parametrize("preset", ORIGINAL)
@pytest.mark.anyio
async def test_every_supported_field_round_trips(preset: str) -> None:
    fake = FakeIssuer(preset=preset)
    fields = {
        **EVERYTHING[preset],
        "email": "ada@example.com",
        "name": "Ada Lovelace",
        "impersonator": Impersonator(subject="user_admin", email="admin@example.com", reason="ticket 42"),
    }
    user = fake.sign_in(**fields)
    auth = await through_the_middleware(fake, user.token)
    assert auth == user.auth_info
    assert_describes(auth, Persona.of(**fields), fake.preset)


def test_clerk_v2_uses_clerks_own_claim_layout() -> None:
    claims = FakeIssuer(preset="clerk").claims_for(
        organization_id="org_2ab",
        organization_slug="acme",
        role="admin",
        permissions=["posts:read", "posts:delete", "billing:manage"],
        feature_flags=["premium"],
        entitlements=["pro"],
    )
    assert claims["v"] == 2
    assert claims["fea"] == "o:posts,o:billing,u:premium"
    assert claims["pla"] == "u:pro"
    assert claims["o"] == {
        "id": "org_2ab",
        "slg": "acme",
        "rol": "admin",
        "per": "read,delete,manage",
        "fpm": "3,4",
    }


def test_clerk_v1_uses_flat_org_claims() -> None:
    claims = FakeIssuer(preset="clerk_v1").claims_for(
        organization_id="org_2ab", role="admin", permissions=["posts:read"]
    )
    assert "v" not in claims
    assert (claims["org_role"], claims["org_permissions"]) == ("org:admin", ["org:posts:read"])


def test_workos_sends_the_admin_email_as_act_sub() -> None:
    claims = FakeIssuer(preset="workos").claims_for(impersonator="admin@foocorp.com")
    assert claims["act"] == {"sub": "admin@foocorp.com"}
    assert claims["iss"] == "https://api.workos.com/user_management/client_01FAKE"
    assert "aud" not in claims


def test_authgear_tokens_carry_the_endpoint_as_audience() -> None:
    fake = FakeIssuer(preset="authgear")
    claims = fake.claims_for()
    assert claims["aud"] == [fake.issuer] == [fake.issuer_config().audience[0]]  # type: ignore[index]
    assert claims["https://authgear.com/claims/user/is_anonymous"] is False


@pytest.mark.parametrize(
    ("preset", "fields", "message"),
    [
        ("authgear", {"organization_id": "org_1"}, "authgear tokens have no claim for organization_id"),
        ("oidc", {"feature_flags": ["beta"]}, "presets that have them: workos, clerk"),
        ("clerk", {"role": "admin"}, "pass organization_id="),
        ("clerk", {"organization_id": "o", "roles": ["a", "b"]}, "one organization role"),
        ("clerk", {"organization_id": "o", "permissions": ["delete"]}, "feature:permission"),
        ("oidc", {"impersonator": 42}, "impersonator must be"),
        ("oidc", {"permissions": [""]}, "non-empty strings"),
    ],
)
def test_what_a_provider_cannot_say_is_refused(preset: str, fields: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        FakeIssuer(preset=preset).token_for(**fields)


def test_unknown_fields_are_named() -> None:
    with pytest.raises(TypeError, match=r"unknown signed-in user field\(s\) \['permision'\]"):
        FakeIssuer().token_for(permision=["x"])


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("preset", "configure"),
    [
        ("workos", lambda fake: providers.workos("client_01FAKE")),
        ("clerk", lambda fake: providers.clerk(fake.issuer)),
        ("authgear", lambda fake: providers.authgear(fake.issuer)),
    ],
)
async def test_preset_fakes_answer_the_production_provider_config(preset: str, configure: object) -> None:
    """The app's own ``providers.workos(client_id)`` line works unchanged against the preset fake."""
    async with FakeIssuer(preset=preset) as fake:
        verifier = TokenVerifier(configure(fake))  # type: ignore[operator]
        auth = await verifier.verify(fake.token_for(user_id="user_1"))
        await verifier.aclose()
    assert auth.user_id == "user_1"
    assert fake.jwks_fetches == 1
