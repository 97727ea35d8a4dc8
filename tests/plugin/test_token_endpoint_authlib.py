"""The fake's token endpoint driven by a real OAuth client library (Authlib's httpx client), as an
app's own login code would: client credentials with a Basic secret, and the authorization code with
PKCE, against ``serve()`` on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from authlib.common.security import generate_token
from authlib.integrations.httpx_client import OAuth2Client

from pytest_plugin import FakeIssuer

WEB = "http://app.test/callback"


@pytest.fixture
def served() -> Iterator[FakeIssuer]:
    issuer = FakeIssuer(audience="api://orders")
    issuer.register_client("billing-service", "s3+cret/=", scopes=["orders:read"])
    issuer.register_client("web", redirect_uris=[WEB])
    issuer.add_user("alice", user_id="user_alice", email="alice@example.com")
    with issuer.serve():
        yield issuer


@pytest.mark.parametrize("method", ["client_secret_basic", "client_secret_post"])
def test_client_credentials_with_authlib(served: FakeIssuer, method: str) -> None:
    with OAuth2Client(
        "billing-service", "s3+cret/=", scope="orders:read", token_endpoint_auth_method=method
    ) as client:
        token: dict[str, Any] = client.fetch_token(served.token_endpoint, grant_type="client_credentials")
    auth = served.verify(token["access_token"])
    assert auth.subject == "billing-service" and auth.scopes == ("orders:read",)


def test_authorization_code_with_pkce_and_refresh_with_authlib(served: FakeIssuer) -> None:
    verifier = generate_token(48)
    with OAuth2Client(
        "web",
        redirect_uri=WEB,
        scope="openid email",
        code_challenge_method="S256",
        token_endpoint_auth_method="none",  # a public client
    ) as client:
        url, state = client.create_authorization_url(
            served.authorization_endpoint, code_verifier=verifier, login_hint="alice"
        )
        callback = httpx.get(url).headers["location"]  # the browser's step: a 302 to the app
        token: dict[str, Any] = client.fetch_token(
            served.token_endpoint, authorization_response=callback, code_verifier=verifier, state=state
        )
        refreshed: dict[str, Any] = client.refresh_token(served.token_endpoint)
    assert served.verify(token["access_token"]).subject == "user_alice"
    assert refreshed["access_token"] != token["access_token"]
    assert served.verify(refreshed["access_token"]).user is not None
