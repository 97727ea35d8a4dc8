"""Property-based tests with ``pytest_plugin.strategies``: every invalid token is refused, with its code."""

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from asgi_authinfo import AuthInfo
from examples.testing.orders import create_app, summary
from pytest_plugin import FakeIssuer
from pytest_plugin.strategies import claim_sets, invalid_tokens, tokens

ISSUER = FakeIssuer(audience="api://orders")
APP = create_app(verifier=ISSUER.verifier())  # answers JWKS requests in-process, no respx needed


async def get_me(headers):
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=APP), base_url="http://t") as client:
        return await client.get("/me", headers=headers)


@pytest.mark.anyio
@settings(max_examples=60, deadline=None)
@given(bad=invalid_tokens(ISSUER))
async def test_every_invalid_token_is_refused_with_its_code(bad):
    response = await get_me(bad.headers)
    assert (response.status_code, response.json()["error_code"]) == (401, bad.code), bad.why


@pytest.mark.anyio
@settings(max_examples=30, deadline=None)
@given(token=tokens(ISSUER, org_id="org_1"))
async def test_valid_tokens_reach_the_app(token):
    response = await get_me({"Authorization": f"Bearer {token}"})
    assert response.json()["organization_id"] == "org_1"


@settings(max_examples=30, deadline=None)
@given(auth=st.from_type(AuthInfo))
def test_summary_handles_every_signed_in_caller(auth):
    assert summary(auth)["user_id"] == auth.user_id


@settings(max_examples=30, deadline=None)
@given(claims=claim_sets("clerk"))
def test_clerk_claim_sets_look_like_clerks(claims):
    assert claims["v"] == 2 and claims["sub"].startswith("user_2")
    assert claims["iat"] <= claims["nbf"] < claims["exp"]
