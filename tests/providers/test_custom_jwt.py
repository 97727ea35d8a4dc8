"""``providers.custom_jwt()``: Convex's ``customJwt`` provider, field for field.

Convex's fields (https://docs.convex.dev/auth/advanced/custom-jwt and ``AuthProvider`` in
``convex/src/server/authentication.ts``): ``type: "customJwt"``, ``issuer``, ``jwks``,
``algorithm`` (``"RS256"`` or ``"ES256"``) and the optional ``applicationID`` that tokens must
have in their audiences.
"""

from __future__ import annotations

import pytest

from asgi_authinfo import InvalidTokenError, providers

from ._support import ProviderIssuer, verify


def test_fields_map_one_to_one() -> None:
    (issuer,) = providers.custom_jwt(
        issuer="https://auth.example.com/",
        jwks="https://auth.example.com/.well-known/jwks.json",
        algorithm="ES256",
        application_id="convex",
    )
    assert issuer.issuer == "https://auth.example.com/"  # exactly as the tokens spell it
    assert issuer.jwks_uri == "https://auth.example.com/.well-known/jwks.json"
    assert issuer.algorithms == ("ES256",)
    assert issuer.audience == ("convex",)
    assert issuer.claims == "oidc"


def test_workos_as_in_convex_docs() -> None:
    # The two customJwt providers of Convex's AuthKit set-up, as one-liners.
    client_id = "client_01HXYZ"
    issuers = (
        *providers.custom_jwt(
            issuer="https://api.workos.com/",
            jwks=f"https://api.workos.com/sso/jwks/{client_id}",
            application_id=client_id,
            claims="workos",
        ),
        *providers.custom_jwt(
            issuer=f"https://api.workos.com/user_management/{client_id}",
            jwks=f"https://api.workos.com/sso/jwks/{client_id}",
            claims="workos",
        ),
    )
    assert {issuer.issuer for issuer in issuers} == {issuer.issuer for issuer in providers.workos(client_id)}


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"algorithm": "HS256"}, "cannot be verified"),
        ({"jwks": "http://auth.example.com/jwks"}, "https"),
    ],
)
def test_validated_when_built(options: dict[str, str], message: str) -> None:
    config = {"issuer": "https://auth.example.com", "jwks": "https://auth.example.com/jwks", **options}
    with pytest.raises(ValueError, match=message):
        providers.custom_jwt(**config)


@pytest.mark.anyio
@pytest.mark.parametrize("algorithm", ["RS256", "ES256"])
async def test_application_id_is_the_required_audience(algorithm: str) -> None:
    checked = providers.custom_jwt(
        issuer="https://auth.example.com",
        jwks="https://keys.example.net/auth/jwks.json",
        algorithm=algorithm,
        application_id="my-app",
    )
    unchecked = providers.custom_jwt(
        issuer="https://auth.example.com", jwks="https://keys.example.net/auth/jwks.json", algorithm=algorithm
    )
    fake = ProviderIssuer.like(checked[0])
    assert (await verify(checked, via=fake, token=fake.token(aud="my-app"))).user_id == fake.default_claims()[
        "sub"
    ]
    assert (await verify(unchecked, via=fake, token=fake.token(aud="anything"))).is_signed_in
    with pytest.raises(InvalidTokenError) as refused:
        await verify(checked, via=fake, token=fake.token(aud="another-app"))
    assert refused.value.code == "audience_mismatch"
