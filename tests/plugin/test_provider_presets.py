"""Presets for Auth0, Keycloak, Cognito, Entra, Okta, Supabase and Firebase: tokens shaped like the
provider's, answered at the provider's URLs, round-tripping through the real middleware configured
with the app's own one-line ``providers.<name>(...)``.

The shapes are those of the real payloads cited in ``tests/providers/`` (each provider's docs).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import anyio
import httpx
import pytest
from hypothesis import HealthCheck, given, settings

from asgi_authinfo import AuthError, AuthInfo, InvalidTokenError, Issuer, TokenVerifier, providers
from asgi_authinfo.claims.oidc import PROFILE_FIELDS
from pytest_plugin import PRESETS, FakeIssuer, Persona
from pytest_plugin._presets import AUTH0_ROLES, COGNITO_CLIENT, ENTRA_API, OKTA_CLIENT
from pytest_plugin.strategies import InvalidToken, invalid_tokens, personas

from .conftest import client_for, protected

PROFILE = PROFILE_FIELDS
TENANT = "fa4e0000-0000-4000-8000-000000000001"
FIREBASE_JWKS = "https://www.googleapis.com/service_accounts/v1/jwk/securetoken@system.gserviceaccount.com"

# What an app trusting the provider writes, with the fake's default names (its issuer, API, client).
HELPERS: dict[str, Callable[[], tuple[Issuer, ...]]] = {
    "auth0": lambda: providers.auth0("fake.us.auth0.com", "https://api.example.com"),
    "keycloak": lambda: providers.keycloak("https://keycloak.fake.test", "fake"),
    "cognito": lambda: providers.cognito("us-east-1_FAKE01pool", COGNITO_CLIENT),
    "cognito_id": lambda: providers.cognito("us-east-1_FAKE01pool", COGNITO_CLIENT, token_use="id"),
    "entra": lambda: providers.entra(TENANT, ENTRA_API),
    "entra_v1": lambda: providers.entra(TENANT, ENTRA_API),
    "okta": lambda: providers.okta("fake.okta.com", client_id=OKTA_CLIENT),
    "supabase": lambda: providers.supabase("https://fake.supabase.co"),
    "firebase": lambda: providers.firebase("fake-project"),
}
MULTI_TENANT = lambda: providers.entra("organizations", ENTRA_API, tenants=[TENANT])  # noqa: E731
CASES = [
    *(pytest.param(preset, helper, id=preset) for preset, helper in HELPERS.items()),
    pytest.param("entra", MULTI_TENANT, id="entra-organizations"),
    pytest.param("entra_v1", MULTI_TENANT, id="entra_v1-organizations"),
]

# What each provider grants when the caller asked for nothing (from its docs and the samples).
DEFAULT_SCOPES = {
    "auth0": ("openid", "profile", "email"),
    "keycloak": ("openid", "profile", "email"),
    "cognito": ("aws.cognito.signin.user.admin",),
    "entra": ("access_as_user",),
    "entra_v1": ("user_impersonation",),
    "okta": ("openid", "email"),
}
DEFAULT_ROLES = {"supabase": ("authenticated",)}


def expected_attributes(preset: str, persona: Persona, auth: AuthInfo) -> dict[str, Any]:
    """``user.custom_attributes`` as the provider's docs say its claims mean them."""
    email = persona.email
    if preset == "auth0":
        return {AUTH0_ROLES: persona.all_roles} if persona.all_roles else {}
    if preset == "keycloak":
        return {"preferred_username": email or "fake-user"}
    if preset in ("cognito", "cognito_id"):
        return {"username": auth.subject, **persona.custom_attributes}
    if preset in ("entra", "entra_v1"):
        oid = auth.claims["oid"]
        assert uuid.UUID(oid)
        upn = email or "fake.user@fakecontoso.onmicrosoft.com"
        names = ("preferred_username",) if preset == "entra" else ("upn", "unique_name")
        return {"oid": oid, **dict.fromkeys(names, upn)}
    if preset == "okta":
        uid = auth.claims["uid"]
        assert re.fullmatch(r"00u[0-9A-Za-z]{17}", uid)
        return {"uid": uid}
    if preset == "supabase":
        provider = "email" if email or not persona.phone_number else "phone"
        method = "anonymous" if persona.is_anonymous else "otp" if provider == "phone" else "password"
        metadata = {"full_name": persona.name, "avatar_url": persona.picture}
        metadata["email_verified"] = persona.email_verified
        return {
            "app_metadata": {} if persona.is_anonymous else {"provider": provider, "providers": (provider,)},
            "user_metadata": {key: value for key, value in metadata.items() if value is not None},
            "aal": "aal1",
            "amr": (method,),
        }
    assert preset == "firebase"
    if persona.is_anonymous:
        return {"sign_in_provider": "anonymous", "identities": {}}
    if email:
        return {"sign_in_provider": "password", "identities": {"email": (email,)}}
    if persona.phone_number:
        return {"sign_in_provider": "phone", "identities": {"phone": (persona.phone_number,)}}
    return {"sign_in_provider": "custom", "identities": {}}


def assert_describes(auth: AuthInfo, persona: Persona, preset: str) -> None:
    """``auth`` has the fields ``persona`` asked for, plus what the provider always says."""
    chosen = PRESETS[preset]
    assert auth.user.id == auth.subject == (persona.user_id or chosen.subject)
    assert auth.session_id == (persona.session_id or chosen.session_id)
    for name in PROFILE:
        expected = getattr(persona, name)
        if name == "preferred_username" and expected is None and preset in ("keycloak", "entra"):
            expected = auth.user.custom_attributes["preferred_username"]  # the login name they always send
        assert getattr(auth.user, name) == expected, name
    tenant = urlsplit(auth.issuer).path.split("/")[1] if preset.startswith("entra") else None
    assert auth.organization_id == (tenant or persona.organization_id)
    assert auth.organization_slug == persona.organization_slug
    roles = persona.all_roles or DEFAULT_ROLES.get(preset, ())
    assert set(auth.roles) == set(roles)
    sole = roles[0] if len(roles) == 1 else None
    assert auth.role == ((persona.role or sole) if preset == "firebase" else sole)
    assert all(auth.has(role=role) for role in roles)
    assert set(auth.permissions) == set(persona.permissions)
    assert all(auth.has(permission=permission) for permission in persona.permissions)
    assert tuple(auth.scopes) == (persona.scopes or DEFAULT_SCOPES.get(preset, ()))
    assert auth.impersonator is None
    assert auth.user.custom_attributes == expected_attributes(preset, persona, auth)
    assert auth.user.is_anonymous is persona.is_anonymous


async def through_the_helper(config: tuple[Issuer, ...], fake: FakeIssuer, token: str) -> AuthInfo:
    """The real middleware trusting ``config``; only the fake's own URLs answer (404 elsewhere)."""
    async with httpx.AsyncClient(transport=fake.transport()) as http:
        app, recorder = protected(TokenVerifier(config, client=http, now=fake.now))
        async with client_for(app) as client:
            response = await client.get("/", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    (auth,) = recorder.seen
    assert isinstance(auth, AuthInfo)
    return auth


@pytest.mark.parametrize(("preset", "configure"), CASES)
def test_drawn_callers_round_trip_through_the_provider_helper(
    preset: str, configure: Callable[[], tuple[Issuer, ...]]
) -> None:
    fake = FakeIssuer(preset=preset)
    config = configure()

    @settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow])
    @given(persona=personas(preset))
    def round_trip(persona: Persona) -> None:
        user = fake.sign_in(**persona.as_kwargs())
        auth = anyio.run(through_the_helper, config, fake, user.token)
        assert auth == user.auth_info
        assert_describes(auth, persona, preset)

    round_trip()


async def refusal(fake: FakeIssuer, token: str) -> str | None:
    verifier = fake.verifier()
    try:
        await verifier.verify(token)
    except AuthError as error:
        return error.code
    finally:
        await verifier.aclose()
    return None


@pytest.mark.parametrize("preset", list(HELPERS))
def test_invalid_tokens_of_provider_presets_keep_their_labels(preset: str) -> None:
    fake = FakeIssuer(preset=preset)

    @settings(max_examples=25, suppress_health_check=[HealthCheck.too_slow])
    @given(bad=invalid_tokens(fake))
    def refused(bad: InvalidToken) -> None:
        assert anyio.run(refusal, fake, bad.token) == bad.code, bad.why

    refused()


# Claim names of the real payloads in tests/providers/, and those the fakes leave out (opaque
# values, or features the presets do not model).
SHAPES: dict[str, tuple[dict[str, Any], set[str], set[str]]] = {
    "auth0": (  # test_auth0.ACCESS_TOKEN, an Action adding roles (and the profile claim `email`)
        {"email": "a@example.com", "organization_id": "org_1", "organization_slug": "acme"}
        | {"roles": ["agent"]},
        {"iss", "sub", "aud", "azp", "scope", "permissions", "org_id", "org_name", AUTH0_ROLES, "email"},
        set(),
    ),
    "keycloak": (  # test_keycloak.ACCESS_TOKEN
        {
            "email": "a@example.com",
            "email_verified": True,
            "name": "Ada Lovelace",
            "given_name": "Ada",
            "family_name": "Lovelace",
            "roles": ["offline_access"],
            "organization_slug": "acme-corp",
        },
        {"auth_time", "jti", "iss", "aud", "sub", "typ", "azp", "sid", "acr", "allowed-origins"}
        | {"realm_access", "resource_access", "scope", "email_verified", "name", "preferred_username"}
        | {"given_name", "family_name", "email", "organization"},
        {"allowed-origins", "resource_access"},
    ),
    "cognito": (  # test_cognito.ACCESS_TOKEN
        {"roles": ["admin"]},
        {"sub", "device_key", "cognito:groups", "iss", "version", "client_id", "origin_jti", "event_id"}
        | {"token_use", "scope", "auth_time", "jti", "username"},
        {"device_key"},
    ),
    "cognito_id": (  # test_cognito.ID_TOKEN
        {"email": "a@example.com", "email_verified": True, "roles": ["a"]}
        | {"custom_attributes": {"plan": "pro"}},
        {"sub", "cognito:groups", "email_verified", "cognito:preferred_role", "iss", "cognito:username"}
        | {"middle_name", "nonce", "origin_jti", "cognito:roles", "aud", "identities", "event_id"}
        | {"token_use", "auth_time", "jti", "email", "custom:plan"},
        {"cognito:preferred_role", "middle_name", "nonce", "cognito:roles", "identities"},
    ),
    "entra": (  # test_entra.V2_TOKEN
        {"name": "Abe Lincoln", "roles": ["Orders.Approver"], "scopes": ["access_as_user"]},
        {"aud", "iss", "nbf", "aio", "azp", "azpacr", "name", "oid", "preferred_username", "rh", "scp"}
        | {"roles", "sub", "tid", "uti", "ver"},
        {"aio", "rh", "uti"},
    ),
    "entra_v1": (  # test_entra.V1_TOKEN
        {"name": "Abe Lincoln", "given_name": "Abe", "family_name": "Lincoln"},
        {"aud", "iss", "nbf", "acr", "amr", "appid", "appidacr", "family_name", "given_name", "ipaddr"}
        | {"name", "oid", "scp", "sub", "tid", "unique_name", "upn", "ver"},
        {"ipaddr"},
    ),
    "okta": (  # test_okta.ACCESS_TOKEN
        {"roles": ["Everyone", "Pilots"]},
        {"ver", "jti", "iss", "aud", "sub", "cid", "uid", "scp", "auth_time", "groups"},
        set(),
    ),
    "supabase": (  # test_supabase.AUTHENTICATED
        {"email": "user@example.com", "name": "John Doe"},
        {"aal", "amr", "app_metadata", "aud", "email", "iss", "phone", "role", "session_id", "sub"}
        | {"user_metadata", "is_anonymous"},
        set(),
    ),
    "firebase": (  # test_firebase.GOOGLE_SIGN_IN
        {"name": "Ada Lovelace", "picture": "https://example.com/a.png", "email": "a@example.com"}
        | {"email_verified": True},
        {"name", "picture", "iss", "aud", "auth_time", "user_id", "sub", "email", "email_verified"}
        | {"firebase"},
        set(),
    ),
}


@pytest.mark.parametrize("preset", list(SHAPES))
def test_tokens_have_the_claims_the_provider_sends(preset: str) -> None:
    fields, sample, left_out = SHAPES[preset]
    claims = FakeIssuer(preset=preset).claims_for(**fields)
    assert set(claims) - {"iat", "exp"} == sample - left_out


def test_provider_specific_values() -> None:
    auth0 = FakeIssuer(preset="auth0").claims_for()
    assert auth0["iss"] == "https://fake.us.auth0.com/"
    assert auth0["aud"] == ["https://api.example.com", "https://fake.us.auth0.com/userinfo"]
    assert auth0["permissions"] == []  # RBAC on: the claim is there, empty
    cognito = FakeIssuer(preset="cognito").claims_for()
    assert (cognito["token_use"], cognito["client_id"]) == ("access", COGNITO_CLIENT)
    assert cognito["username"] == cognito["sub"] and cognito["auth_time"] == cognito["iat"]
    assert "aud" not in cognito
    entra = FakeIssuer(preset="entra", issuer="https://login.microsoftonline.com/aaaa-bbbb/v2.0").claims_for()
    assert entra["tid"] == "aaaa-bbbb" and entra["ver"] == "2.0"
    other_user = FakeIssuer(preset="entra").claims_for(user_id="someone-else")["oid"]
    assert entra["oid"] != other_user == FakeIssuer(preset="entra").claims_for(user_id="someone-else")["oid"]
    assert FakeIssuer(preset="okta").claims_for()["scp"] == ["openid", "email"]  # a list, not a string
    supabase = FakeIssuer(preset="supabase")
    assert supabase.algorithm == "ES256"
    assert supabase.claims_for(is_anonymous=True)["amr"][0]["method"] == "anonymous"
    firebase = FakeIssuer(preset="firebase").claims_for(
        organization_id="acme-x1y2z", phone_number="+15555550100"
    )
    assert firebase["user_id"] == firebase["sub"]
    assert firebase["firebase"] == {
        "identities": {"phone": ["+15555550100"]},
        "sign_in_provider": "phone",
        "tenant": "acme-x1y2z",
    }


def test_derived_claims_follow_overrides_and_can_be_dropped() -> None:
    fake = FakeIssuer(preset="firebase")
    assert fake.token_for(claims={"sub": "uid-2"}) != ""
    assert fake.claims_for(claims={"sub": "uid-2"})["user_id"] == "uid-2"
    assert "user_id" not in fake.claims_for(claims={"user_id": None})
    assert fake.default_claims()["user_id"] == fake.preset.subject


@pytest.mark.parametrize("preset", list(HELPERS))
def test_the_fake_serves_keys_where_the_helper_looks(preset: str) -> None:
    fake = FakeIssuer(preset=preset)
    config = HELPERS[preset]()
    trusted = next(issuer for issuer in config if issuer.issuer == fake.issuer)
    assert fake.jwks_uri == trusted.jwks_uri == fake.discovery["jwks_uri"]
    if trusted.userinfo_uri is not None:
        assert fake.userinfo_uri == trusted.userinfo_uri


@pytest.mark.anyio
@pytest.mark.parametrize("preset", list(HELPERS))
async def test_the_production_provider_config_works_unchanged_through_respx(preset: str) -> None:
    """The app's own ``providers.<name>(...)`` line, its default httpx client, the fake via respx."""
    async with FakeIssuer(preset=preset) as fake:
        verifier = TokenVerifier(HELPERS[preset]())
        auth = await verifier.verify(fake.token_for(user_id=fake.preset.subject))
        await verifier.aclose()
    assert (auth.issuer, auth.user_id) == (fake.issuer, fake.preset.subject)
    assert fake.jwks_fetches == 1
    assert [request.path for request in fake.requests] == [urlsplit(fake.jwks_uri).path]


@pytest.mark.anyio
async def test_firebase_keys_are_answered_on_googles_host_only() -> None:
    fake = FakeIssuer(preset="firebase")
    assert fake.jwks_uri == FIREBASE_JWKS
    async with httpx.AsyncClient(transport=fake.transport()) as client:
        assert (await client.get(FIREBASE_JWKS)).json() == fake.jwks
        jwks_path = urlsplit(FIREBASE_JWKS).path
        assert (await client.get(f"https://securetoken.google.com{jwks_path}")).status_code == 404
        assert (await client.get("https://www.googleapis.com/other")).status_code == 404
    assert [request.path for request in fake.requests] == [jwks_path]  # the others were not its URLs


@pytest.mark.anyio
async def test_entra_v1_keys_live_on_the_authority_not_on_sts() -> None:
    fake = FakeIssuer(preset="entra_v1")
    assert fake.issuer == f"https://sts.windows.net/{TENANT}/"
    keys = f"https://login.microsoftonline.com/{TENANT}/discovery/keys"
    assert fake.jwks_uris == (
        keys,
        "https://login.microsoftonline.com/common/discovery/keys",
        "https://login.microsoftonline.com/organizations/discovery/keys",
    )
    async with httpx.AsyncClient(transport=fake.transport()) as client:
        assert (await client.get(keys)).json() == fake.jwks
        assert (await client.get(f"https://sts.windows.net/{TENANT}/discovery/keys")).status_code == 404


@pytest.mark.anyio
async def test_a_multi_tenant_api_serves_the_tenants_it_lists() -> None:
    """Two tenants' fakes share Entra's keys (as Entra does), so ``common`` answers for both."""
    entra = PRESETS["entra"]
    first, second, outsider = (FakeIssuer(preset="entra", issuer=entra.default_issuer(n)) for n in (1, 2, 3))
    tenants = [urlsplit(fake.issuer).path.split("/")[1] for fake in (first, second)]
    assert tenants == [TENANT, "fa4e0000-0000-4000-8000-000000000002"]
    with first, second, outsider:
        verifier = TokenVerifier(providers.entra("organizations", ENTRA_API, tenants=tenants))
        for fake, tenant in zip((first, second), tenants, strict=True):
            auth = await verifier.verify(fake.token_for(roles=["Orders.Read"]))
            assert (auth.issuer, auth.organization_id, auth.roles) == (fake.issuer, tenant, ("Orders.Read",))
        with pytest.raises(InvalidTokenError) as refused:
            await verifier.verify(outsider.token_for())
        await verifier.aclose()
    assert refused.value.code == "unknown_issuer"
    assert first.jwks_fetches + second.jwks_fetches == 1
    assert first.jwks == second.jwks


@pytest.mark.anyio
async def test_serve_moves_a_jwks_on_another_host_to_loopback() -> None:
    fake = FakeIssuer(preset="firebase")
    with fake.serve() as served:
        assert served.issuer.startswith("http://127.0.0.1:") and served.issuer.endswith("/fake-project")
        assert served.jwks_uri == served.issuer.removesuffix("/fake-project") + urlsplit(FIREBASE_JWKS).path
        verifier = TokenVerifier([served.issuer_config(jwks_uri=None)])
        auth = await verifier.verify(served.token_for(email="ada@example.com"))
        await verifier.aclose()
    assert auth.user.email == "ada@example.com"
    assert fake.jwks_uri == FIREBASE_JWKS


@pytest.mark.parametrize(
    ("preset", "fields", "message"),
    [
        ("cognito", {"email": "a@example.com"}, "cognito tokens have no claim for email; .*cognito_id"),
        ("cognito_id", {"custom_attributes": {"seats": 5}}, "custom attributes are strings"),
        ("keycloak", {"organization_id": "o1"}, "pass organization_slug="),
        ("supabase", {"roles": ["authenticated", "admin"]}, "one Postgres role"),
        ("firebase", {"session_id": "s1"}, "firebase tokens have no claim for session_id"),
        ("entra", {"organization_id": "t1"}, "entra tokens have no claim for organization_id"),
        ("okta", {"impersonator": "admin@example.com"}, "okta tokens have no claim for impersonator"),
    ],
)
def test_what_a_provider_cannot_say_is_refused(preset: str, fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        FakeIssuer(preset=preset).token_for(**fields)


def test_markers_and_factory_with_provider_presets(pytester: pytest.Pytester) -> None:
    """As a user's suite meets them: the marker's preset, the factory, the app's own provider line."""
    pytester.makeconftest(
        """
        import pytest

        @pytest.fixture
        def anyio_backend():
            return "asyncio"
        """
    )
    pytester.makepyfile(
        test_inner="""
        import httpx
        import pytest
        from asgi_authinfo import AuthInfoMiddleware, get_auth, providers
        from hypothesis import given, settings
        from pytest_plugin.strategies import claim_sets

        async def me(scope, receive, send):
            auth = get_auth(scope)
            status = 200 if auth.has(role="admin") else 403
            await send({"type": "http.response.start", "status": status, "headers": []})
            await send({"type": "http.response.body", "body": b""})

        APP = AuthInfoMiddleware(me, issuers=providers.firebase("fake-project"))

        @pytest.mark.anyio
        @pytest.mark.signed_in_user(preset="firebase", role="admin", email="ada@example.com")
        async def test_firebase_admin(signed_in_user, fake_issuer):
            transport = httpx.ASGITransport(app=APP)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                assert (await client.get("/", headers=signed_in_user.headers)).status_code == 200
            assert signed_in_user.auth_info.user.custom_attributes["sign_in_provider"] == "password"
            assert signed_in_user.session_id is None  # Firebase ID tokens name no session
            assert fake_issuer.jwks_fetches == 1

        def test_two_entra_tenants(make_fake_issuer):
            first, second = make_fake_issuer(preset="entra"), make_fake_issuer(preset="entra")
            assert first.issuer != second.issuer
            assert first.token_for() and second.claims_for()["tid"] in second.issuer

        @settings(max_examples=10)
        @given(claims=claim_sets(preset="okta", now=1_800_000_000))
        def test_okta_claim_sets(claims):
            assert isinstance(claims["scp"], list) and claims["uid"].startswith("00u")
            assert "nbf" not in claims and claims["auth_time"] == claims["iat"]
        """
    )
    result = pytester.runpytest("-W", "error", "--strict-markers", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=3)
