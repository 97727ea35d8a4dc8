"""Each provider SDK's own test payloads, re-signed with a real key and sent through the middleware.

The payloads and the SDKs' answers are in ``fixtures/sdk_payloads.py`` (cited there, file and
commit). Every case runs ``AuthInfoMiddleware`` configured with the provider's helper
(``providers.entra(...)``, ...) against a fake issuer that serves a real JWKS at the provider's
own URL, and asserts the SDK's answer: the fields it reads, its ``has``/scope/group checks, or
the refusal. Cases marked ``differs`` assert our deliberate answer instead (the reason is in the
case and in docs/providers.md).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping
from typing import Any

import httpx
import pytest

from asgi_authinfo import AuthInfo, AuthInfoMiddleware, InvalidTokenError, Issuer, providers
from asgi_authinfo._claim_checks import split_template, tenant_in

from ._support import ProviderIssuer
from .fixtures.case import Case, FromNow
from .fixtures.sdk_payloads import CASES

LIFETIME = 300


def _trusted(issuers: tuple[Issuer, ...], iss: Any) -> Issuer:
    """The helper's ``Issuer`` for ``iss`` (a template's tenant filled in); the first otherwise."""
    for issuer in issuers:
        template = split_template(issuer.issuer)
        if iss == issuer.issuer or (template and isinstance(iss, str) and tenant_in(iss, template)):
            return issuer
    return issuers[0]


def _payload(case: Case, first: Issuer, now: int) -> dict[str, Any]:
    defaults: dict[str, Any] = {"iss": first.issuer, "iat": now, "exp": now + LIFETIME}
    if first.audience:
        defaults["aud"] = first.audience[0]
    merged = {**defaults, **case.claims}
    return {
        name: now + value.seconds if isinstance(value, FromNow) else value
        for name, value in merged.items()
        if value is not None
    }


def _fake(config: Issuer, iss: Any, keys: int) -> ProviderIssuer:
    """A fake serving ``config``'s JWKS, named after the tenant's issuer for a template."""
    template = split_template(config.issuer)
    if template is None:
        name = config.issuer
    elif isinstance(iss, str) and tenant_in(iss, template):
        name = iss
    else:
        name = config.issuer.replace("{tenantid}", "common")
    jwks_uri = config.jwks_uri or ""
    return ProviderIssuer(name, jwks_uri=jwks_uri, algorithm=config.algorithms[0], audience=None, keys=keys)


async def _send(
    case: Case, issuers: tuple[Issuer, ...] | None = None
) -> tuple[httpx.Response, AuthInfo | None]:
    """``case``'s payload, signed and sent through the middleware that trusts ``issuers`` (the helper's)."""
    if issuers is None:
        issuers = getattr(providers, case.provider)(**case.helper)
    payload = _payload(case, issuers[0], int(time.time()))
    config = _trusted(issuers, payload.get("iss"))
    fake = _fake(config, payload.get("iss"), case.keys)
    token = fake.key.sign(payload, dict(case.headers))
    seen: list[AuthInfo] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.append(scope["auth"])
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    async with fake.client() as keys:
        middleware = AuthInfoMiddleware(app, issuers=issuers, client=keys)
        transport = httpx.ASGITransport(app=middleware)
        async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as client:
            response = await client.get("/", headers={"Authorization": f"Bearer {token}"})
    return response, seen[0] if seen else None


def _read(auth: AuthInfo, path: str) -> Any:
    """``auth`` followed along ``path``: attributes, then mapping keys (a claim name may hold dots)."""
    value: Any = auth
    rest = path
    while rest:
        if isinstance(value, Mapping):
            key = next((name for name in value if rest == name or rest.startswith(f"{name}.")), rest)
            value = value.get(key)
            rest = rest[len(key) + 1 :]
            continue
        step, _, rest = rest.partition(".")
        value = getattr(value, step)
    return value


def _plain(value: Any) -> Any:
    """Read-only mappings and tuples as the plain dicts and tuples the fixtures are written with."""
    if isinstance(value, Mapping):
        return {name: _plain(item) for name, item in value.items()}
    if isinstance(value, list | tuple):
        return tuple(_plain(item) for item in value)
    return value


@pytest.mark.anyio
@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
async def test_sdk_fixture(case: Case) -> None:
    response, auth = await _send(case)
    if case.refused is not None:
        assert response.status_code == 401, response.text
        assert response.json()["error_code"] == case.refused
        return
    assert response.status_code == 200, response.text
    assert auth is not None
    for path, expected in case.expect.items():
        assert _plain(_read(auth, path)) == _plain(expected), path
    for condition, answer in case.has:
        assert auth.has(**condition) is answer, condition


def test_every_provider_has_sdk_fixtures() -> None:
    covered = {case.provider for case in CASES}
    assert covered >= {
        "entra",
        "okta",
        "cognito",
        "firebase",
        "supabase",
        "auth0",
        "authgear",
        "workos",
        "clerk",
    }
    assert len({case.id for case in CASES}) == len(CASES)


@pytest.mark.anyio
async def test_cognito_multi_region_issuer_added_by_hand() -> None:
    """The documented way to trust a replicated user pool's multi-region issuer as well."""
    (case,) = (case for case in CASES if case.id == "cognito-multi-region-issuer")
    (regional,) = getattr(providers, case.provider)(**case.helper)
    iss = case.claims["iss"]
    global_issuer = dataclasses.replace(regional, issuer=iss, jwks_uri=f"{iss}/.well-known/jwks.json")
    response, auth = await _send(case, (regional, global_issuer))
    assert response.status_code == 200, response.text
    assert auth is not None and auth.issuer == iss


def _has_scope_or_role(claims: Mapping[str, Any], issuer: str, /) -> None:
    """docs/providers.md's check refusing Entra tokens without scp and roles (IDW10201)."""
    if not claims.get("scp") and not claims.get("roles"):
        raise InvalidTokenError(
            "the token grants this API no scope and no app role", code="invalid_claim", issuer=issuer
        )


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("name", "status"), [("entra-missing-scopes-and-roles", 401), ("entra-with-scopes-and-roles", 200)]
)
async def test_entra_scope_or_role_check_as_documented(name: str, status: int) -> None:
    (case,) = (case for case in CASES if case.id == name)
    issuers = providers.entra(**case.helper, claim_checks=[_has_scope_or_role])
    response, _ = await _send(case, issuers)
    assert response.status_code == status, response.text
