"""Amazon Cognito: the ``cognito`` preset and ``providers.cognito()`` with its token_use rules.

Payload shapes from AWS's "Understanding the access token" and "Understanding the identity (ID)
token" (https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-the-access-token.html,
.../amazon-cognito-user-pools-using-the-id-token.html) and the payload types of
``awslabs/aws-jwt-verify`` ``src/jwt-model.ts``; the token_use and client id rules follow
``validateCognitoJwtFields`` in ``src/cognito-verifier.ts`` (``aud`` on ID tokens, ``client_id``
on access tokens).
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given

from asgi_authinfo import InvalidTokenError, providers
from asgi_authinfo._claim_checks import CognitoTokenUse
from asgi_authinfo.claims import resolve
from asgi_authinfo.claims.cognito import map_claims

from ._support import ProviderIssuer, normalized, round_trip, verify
from .strategies import COGNITO_CLIENT, Case, cognito_tokens

POOL = "us-east-1_EXAMPLE1a"
CLIENT = "1example23456789"
ISSUER = f"https://cognito-idp.us-east-1.amazonaws.com/{POOL}"

ACCESS_TOKEN: dict[str, Any] = {
    "sub": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
    "device_key": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
    "cognito:groups": ["admin"],
    "iss": ISSUER,
    "version": 2,
    "client_id": CLIENT,
    "origin_jti": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
    "event_id": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
    "token_use": "access",
    "scope": "phone openid profile resourceserver.1/appclient2 email",
    "auth_time": 1676312777,
    "jti": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
    "username": "my-test-user",
}

ID_TOKEN: dict[str, Any] = {
    "sub": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
    "cognito:groups": ["test-group-a", "test-group-b", "test-group-c"],
    "email_verified": True,
    "cognito:preferred_role": "arn:aws:iam::111122223333:role/my-test-role",
    "iss": ISSUER,
    "cognito:username": "my-test-user",
    "middle_name": "Jane",
    "nonce": "abcdefg",
    "origin_jti": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
    "cognito:roles": ["arn:aws:iam::111122223333:role/my-test-role"],
    "aud": CLIENT,
    "identities": [
        {
            "userId": "amzn1.account.EXAMPLE",
            "providerName": "LoginWithAmazon",
            "providerType": "LoginWithAmazon",
            "issuer": None,
            "primary": "true",
            "dateCreated": "1642699117273",
        }
    ],
    "event_id": "64f513be-32db-42b0-b78e-b02127b4f463",
    "token_use": "id",
    "auth_time": 1676312777,
    "jti": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
    "email": "my-test-user@example.com",
    "custom:tenant": "acme-corp::1fa48bf2",
    "custom:plan": "pro",
}


def test_registered_as_cognito() -> None:
    assert resolve("cognito") is map_claims


def test_access_token() -> None:
    mapped = map_claims(ACCESS_TOKEN)
    assert mapped.user.id == "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
    assert mapped.roles == ("admin",) and mapped.role == "admin"
    assert mapped.scopes == ("phone", "openid", "profile", "resourceserver.1/appclient2", "email")
    assert mapped.session_id == "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
    assert mapped.user.custom_attributes == {"username": "my-test-user"}
    assert mapped.user.email is None


def test_id_token() -> None:
    mapped = map_claims(ID_TOKEN)
    assert mapped.roles == ("test-group-a", "test-group-b", "test-group-c")
    assert mapped.role is None
    assert mapped.scopes == ()
    assert mapped.user.email == "my-test-user@example.com" and mapped.user.email_verified is True
    assert mapped.user.custom_attributes == {
        "username": "my-test-user",
        "tenant": "acme-corp::1fa48bf2",
        "plan": "pro",
    }


def test_helper_configuration() -> None:
    (issuer,) = providers.cognito(POOL, CLIENT)
    assert issuer.issuer == ISSUER
    assert issuer.jwks_uri == f"{ISSUER}/.well-known/jwks.json"
    assert issuer.audience is None  # access tokens carry no aud: the client is checked in client_id
    assert issuer.claim_checks == (CognitoTokenUse("access", CLIENT),)
    gov = providers.cognito("us-gov-west-1_AbC123", CLIENT)[0]
    assert gov.issuer == "https://cognito-idp.us-gov-west-1.amazonaws.com/us-gov-west-1_AbC123"


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: providers.cognito("not-a-pool", CLIENT), "user_pool_id"),
        (lambda: providers.cognito(POOL, ""), "client_id"),
        (lambda: providers.cognito(POOL, CLIENT, token_use="refresh"), "token_use"),  # type: ignore[arg-type]
        (lambda: providers.cognito(POOL, CLIENT, audience="x"), "client_id="),
    ],
)
def test_helper_validates_its_configuration(call: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()


def _without_iss(claims: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in claims.items() if key != "iss"}


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("token_use", "claims", "code"),
    [
        ("access", ACCESS_TOKEN, None),
        ("access", ID_TOKEN, "wrong_token_type"),
        ("id", ID_TOKEN, None),
        ("id", ACCESS_TOKEN, "wrong_token_type"),
        (("access", "id"), ID_TOKEN, None),
        (("access", "id"), ACCESS_TOKEN, None),
        ("access", {**ACCESS_TOKEN, "client_id": "another-app-client"}, "audience_mismatch"),
        ("access", {**ACCESS_TOKEN, "client_id": None, "aud": CLIENT}, "audience_mismatch"),
        ("id", {**ID_TOKEN, "aud": "another-app-client"}, "audience_mismatch"),
        ("access", {**ACCESS_TOKEN, "token_use": None}, "wrong_token_type"),
        ("access", {**ACCESS_TOKEN, "token_use": "refresh"}, "wrong_token_type"),
    ],
)
async def test_token_use_and_app_client(token_use: Any, claims: dict[str, Any], code: str | None) -> None:
    issuers = providers.cognito(POOL, [CLIENT, "second-client"], token_use=token_use)
    fake = ProviderIssuer.like(issuers[0])
    token = fake.token(**_without_iss(claims))
    if code is None:
        auth = await verify(issuers, via=fake, token=token)
        assert auth.issuer == ISSUER
        assert auth.user_id == claims["sub"]
    else:
        with pytest.raises(InvalidTokenError) as refused:
            await verify(issuers, via=fake, token=token)
        assert refused.value.code == code
        assert "eyJ" not in refused.value.description


@pytest.mark.anyio
@given(case=cognito_tokens())
async def test_round_trip(case: Case) -> None:
    claims, expected = case
    check = CognitoTokenUse(("access", "id"), COGNITO_CLIENT)
    assert normalized(await round_trip("cognito", claims, claim_checks=[check])) == expected
