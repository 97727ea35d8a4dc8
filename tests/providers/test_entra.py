"""Microsoft Entra ID: the ``entra`` preset, ``providers.entra()``, v1.0/v2.0 and multi-tenant issuers.

Claims from ``MicrosoftDocs/entra-docs`` ``docs/identity-platform/access-token-claims-reference.md``
(``aud``, ``iss`` ending in ``/v2.0`` for v2.0 tokens, ``tid``, ``oid``, ``scp``, ``roles``,
``preferred_username``, v1.0's ``upn``/``unique_name``/``appid``, the personal accounts tenant
``9188040d-6c67-4c5b-b112-36a304b66dad``). Multi-tenant validation follows Microsoft's rule for
``{tenantid}`` issuers (``AadIssuerValidator`` in AzureAD/microsoft-identity-web): the issuer is
valid for the tenant named by the token's ``tid`` only.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from asgi_authinfo import InvalidTokenError, Issuer, providers
from asgi_authinfo.claims import resolve
from asgi_authinfo.claims.entra import map_claims

from ._support import ProviderIssuer, normalized, round_trip, verify
from .strategies import Case, entra_tokens

TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
OTHER = "aaaabbbb-0000-cccc-1111-dddd2222eeee"
CLIENT = "6e74172b-be56-4843-9ff4-e66a39bb12e3"

V2_TOKEN: dict[str, Any] = {
    "aud": CLIENT,
    "iss": f"https://login.microsoftonline.com/{TENANT}/v2.0",
    "iat": 1537231048,
    "nbf": 1537231048,
    "exp": 1537234948,
    "aio": "AXQAi/8IAAAAtAaZLo3ChMif6KOnttRB7eBq4/DccQzjcJGxPYy/C3jDaNGxXd6wNIIVGRghNRnwJ1lOc==",
    "azp": "6e74172b-be56-4843-9ff4-e66a39bb12e3",
    "azpacr": "0",
    "name": "Abe Lincoln",
    "oid": "690222be-ff1a-4d56-abd1-7e4f7d38e474",
    "preferred_username": "abeli@microsoft.com",
    "rh": "I",
    "scp": "access_as_user Orders.Read",
    "roles": ["Orders.Approver"],
    "sub": "HKZpfaHyWadeOouYlitjrI-KffTm222X5rrV3xDqfKQ",
    "tid": TENANT,
    "uti": "fqiBqXLPj0eQa82S-IYFAA",
    "ver": "2.0",
}

V1_TOKEN: dict[str, Any] = {
    "aud": f"api://{CLIENT}",
    "iss": f"https://sts.windows.net/{TENANT}/",
    "acr": "1",
    "amr": ["pwd", "mfa"],
    "appid": "11112222-bbbb-3333-cccc-4444dddd5555",
    "appidacr": "0",
    "family_name": "Lincoln",
    "given_name": "Abe",
    "ipaddr": "203.0.113.7",
    "name": "Abe Lincoln",
    "oid": "690222be-ff1a-4d56-abd1-7e4f7d38e474",
    "scp": "access_as_user",
    "sub": "HKZpfaHyWadeOouYlitjrI-KffTm222X5rrV3xDqfKQ",
    "tid": TENANT,
    "unique_name": "abeli@microsoft.com",
    "upn": "abeli@microsoft.com",
    "ver": "1.0",
}


def _minted(claims: dict[str, Any]) -> dict[str, Any]:
    """The claims a fake mints with its own times (the sample's are in the past)."""
    return {key: value for key, value in claims.items() if key not in ("iat", "nbf", "exp")}


def test_registered_as_entra() -> None:
    assert resolve("entra") is map_claims


def test_v2_access_token() -> None:
    mapped = map_claims(V2_TOKEN)
    assert mapped.user.id == "HKZpfaHyWadeOouYlitjrI-KffTm222X5rrV3xDqfKQ"
    assert mapped.user.name == "Abe Lincoln"
    assert mapped.user.email is None  # preferred_username is a username, not a verified email
    assert mapped.user.custom_attributes == {
        "oid": "690222be-ff1a-4d56-abd1-7e4f7d38e474",
        "preferred_username": "abeli@microsoft.com",
    }
    assert mapped.organization_id == TENANT
    assert mapped.scopes == ("access_as_user", "Orders.Read")
    assert mapped.roles == ("Orders.Approver",) and mapped.role == "Orders.Approver"


def test_v1_access_token() -> None:
    mapped = map_claims(V1_TOKEN)
    assert (mapped.user.given_name, mapped.user.family_name) == ("Abe", "Lincoln")
    assert mapped.user.custom_attributes == {
        "oid": "690222be-ff1a-4d56-abd1-7e4f7d38e474",
        "upn": "abeli@microsoft.com",
        "unique_name": "abeli@microsoft.com",
    }
    assert mapped.scopes == ("access_as_user",)


def test_app_only_token_has_roles_and_no_scopes() -> None:
    mapped = map_claims(
        {"sub": "sp-oid", "oid": "sp-oid", "tid": TENANT, "roles": ["Orders.Read.All"], "idtyp": "app"}
    )
    assert mapped.roles == ("Orders.Read.All",) and mapped.scopes == ()


def test_helper_single_tenant() -> None:
    v2, v1 = providers.entra(TENANT, CLIENT, versions=(2, 1))
    assert v2.issuer == f"https://login.microsoftonline.com/{TENANT}/v2.0"
    assert v2.jwks_uri == f"https://login.microsoftonline.com/{TENANT}/discovery/v2.0/keys"
    assert v1.issuer == f"https://sts.windows.net/{TENANT}/"
    assert v1.jwks_uri == f"https://login.microsoftonline.com/{TENANT}/discovery/keys"
    assert v2.audience == (CLIENT, f"api://{CLIENT}")
    assert [i.issuer for i in providers.entra(TENANT, CLIENT, versions=[2])] == [v2.issuer]
    consumers = providers.entra("consumers", CLIENT, versions=[2])[0]
    assert consumers.issuer == f"https://login.microsoftonline.com/{providers.MICROSOFT_ACCOUNTS_TENANT}/v2.0"


def test_helper_multi_tenant() -> None:
    v1, v2 = providers.entra("organizations", CLIENT, tenants=[TENANT])
    assert v2.issuer == "https://login.microsoftonline.com/{tenantid}/v2.0"
    assert v2.jwks_uri == "https://login.microsoftonline.com/common/discovery/v2.0/keys"
    assert v1.issuer == "https://sts.windows.net/{tenantid}/"
    assert v2.tenants == (TENANT,)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: providers.entra("contoso.onmicrosoft.com", CLIENT), "GUID"),
        (lambda: providers.entra("organizations", CLIENT), "tenants="),
        (lambda: providers.entra("common", CLIENT, tenants=[TENANT], any_tenant=True), "not both"),
        (lambda: providers.entra(TENANT, CLIENT, tenants=[TENANT]), "organizations"),
        (lambda: providers.entra(TENANT), "client_id"),
        (lambda: providers.entra(TENANT, CLIENT, versions=[3]), "versions"),  # type: ignore[list-item]
        (lambda: providers.entra("organizations", CLIENT, tenants=["a/b"]), "tenant id"),
    ],
)
def test_helper_validates_its_configuration(call: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({}, "any_tenant=True"),
        ({"tenants": [TENANT], "jwks_uri": None}, "jwks_uri="),
        ({"tenants": [TENANT], "userinfo": True}, "userinfo_uri="),
        ({"any_tenant": True, "tenants": [TENANT]}, "not both"),
    ],
)
def test_multi_tenant_issuer_needs_explicit_tenancy(options: dict[str, Any], message: str) -> None:
    config: dict[str, Any] = {
        "jwks_uri": "https://login.microsoftonline.com/common/discovery/v2.0/keys",
        **options,
    }
    with pytest.raises(ValueError, match=message):
        Issuer("https://login.microsoftonline.com/{tenantid}/v2.0", **config)


@pytest.mark.parametrize(
    "issuer",
    ["https://{tenantid}.example.com/", "https://login.example.com/{tenantid}/{tenantid}"],
)
def test_placeholder_must_be_once_in_the_path(issuer: str) -> None:
    with pytest.raises(ValueError, match="once, in its path"):
        Issuer(issuer, jwks_uri="https://login.example.com/keys", any_tenant=True)


def test_tenant_rule_is_added_once() -> None:
    (issuer,) = providers.entra("organizations", CLIENT, tenants=[TENANT], versions=[2])
    again = dataclasses.replace(issuer, leeway=10)
    assert again.claim_checks == issuer.claim_checks and len(issuer.claim_checks) == 1


def test_tenants_only_for_multi_tenant_issuers() -> None:
    with pytest.raises(ValueError, match="multi-tenant"):
        Issuer("https://issuer.example.com", tenants=[TENANT])


@pytest.mark.anyio
@pytest.mark.parametrize(("sample", "version"), [(V2_TOKEN, 2), (V1_TOKEN, 1)])
async def test_single_tenant_end_to_end(sample: dict[str, Any], version: int) -> None:
    issuers = providers.entra(TENANT, CLIENT)
    config = next(issuer for issuer in issuers if issuer.issuer == sample["iss"])
    fake = ProviderIssuer.like(config)
    auth = await verify(issuers, via=fake, token=fake.token(**_minted(sample)))
    assert auth.issuer == sample["iss"]
    assert auth.organization_id == TENANT
    assert auth.has(scope="access_as_user")
    assert fake.requests_to("/keys")[0].path.endswith(
        "/discovery/v2.0/keys" if version == 2 else "/discovery/keys"
    )


def _tenant_issuer(tenant: str, version: int = 2) -> str:
    return (
        f"https://login.microsoftonline.com/{tenant}/v2.0"
        if version == 2
        else f"https://sts.windows.net/{tenant}/"
    )


@pytest.mark.anyio
@pytest.mark.parametrize("version", [1, 2])
async def test_multi_tenant_allowlist(version: int) -> None:
    issuers = providers.entra("organizations", CLIENT, tenants=[TENANT, OTHER], versions=[version])
    fake = ProviderIssuer.like(issuers[0])
    for tenant in (TENANT, OTHER):
        token = fake.token(iss=_tenant_issuer(tenant, version), tid=tenant, aud=CLIENT)
        auth = await verify(issuers, via=fake, token=token)
        assert auth.issuer == _tenant_issuer(tenant, version)  # the tenant's own issuer
        assert auth.organization_id == tenant
        assert auth.token_identifier == f"{_tenant_issuer(tenant, version)}|{auth.subject}"
    stranger = "99999999-0000-4000-8000-000000000000"
    refusals = {
        "unknown_issuer": fake.token(iss=_tenant_issuer(stranger, version), tid=stranger, aud=CLIENT),
        "invalid_claim": fake.token(iss=_tenant_issuer(TENANT, version), tid=OTHER, aud=CLIENT),
    }
    refusals["missing tid"] = fake.token(iss=_tenant_issuer(TENANT, version), aud=CLIENT)
    for expected, token in refusals.items():
        with pytest.raises(InvalidTokenError) as refused:
            await verify(issuers, via=fake, token=token)
        assert refused.value.code == ("invalid_claim" if expected == "missing tid" else expected)
    # The literal template is never an issuer of its own.
    with pytest.raises(InvalidTokenError) as refused:
        await verify(issuers, via=fake, token=fake.token(iss=issuers[0].issuer, tid="{tenantid}", aud=CLIENT))
    assert refused.value.code == "unknown_issuer"


@pytest.mark.anyio
async def test_any_tenant_is_an_explicit_opt_in() -> None:
    issuers = providers.entra("common", CLIENT, any_tenant=True, versions=[2])
    fake = ProviderIssuer.like(issuers[0])
    tenant = providers.MICROSOFT_ACCOUNTS_TENANT
    auth = await verify(
        issuers, via=fake, token=fake.token(iss=_tenant_issuer(tenant), tid=tenant, aud=CLIENT)
    )
    assert auth.organization_id == tenant
    with pytest.raises(InvalidTokenError) as refused:
        await verify(issuers, via=fake, token=fake.token(iss=_tenant_issuer("a/b"), tid="a/b", aud=CLIENT))
    assert refused.value.code == "unknown_issuer"


tenant_ids = st.uuids().map(str)
TEMPLATE = "https://login.microsoftonline.com/{tenantid}/v2.0"


@pytest.mark.anyio
@given(
    allowed=st.lists(tenant_ids, min_size=1, max_size=3, unique=True),
    tenant=tenant_ids,
    tid=tenant_ids,
    pick=st.booleans(),
)
async def test_multi_tenant_property(allowed: list[str], tenant: str, tid: str, pick: bool) -> None:
    """A token is accepted exactly when its issuer's tenant is allowed and equals its ``tid``."""
    if pick:
        tenant = tid = allowed[0]
    claims = {"iss": _tenant_issuer(tenant), "tid": tid, "aud": CLIENT}
    options: dict[str, Any] = {"audience": CLIENT, "issuer": TEMPLATE, "tenants": allowed}
    if tenant in allowed and tid == tenant:
        auth = await round_trip("entra", claims, **options)
        assert auth.organization_id == tid
    else:
        with pytest.raises(InvalidTokenError) as refused:
            await round_trip("entra", claims, **options)
        assert refused.value.code == ("unknown_issuer" if tenant not in allowed else "invalid_claim")


@pytest.mark.anyio
@given(case=entra_tokens())
async def test_round_trip(case: Case) -> None:
    claims, expected = case
    assert normalized(await round_trip("entra", claims)) == expected
