"""Interop with a real third-party OpenID provider: ``oidc-provider-mock`` (Authlib on Flask).

The provider runs on 127.0.0.1 (a free port) under werkzeug in a thread; its discovery document,
JWKS and ID tokens are its own (RS256, its own key, no ``kid``), obtained through its
authorization-code flow with PKCE, driven with httpx as a browser and a client would.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import warnings
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from asgi_authinfo import AuthError, AuthInfoMiddleware, Issuer, TokenVerifier, get_auth
from pytest_plugin import assert_refused, assert_signed_in, code_challenge

with warnings.catch_warnings():  # Authlib 1.9 deprecates authlib.jose, which the provider imports
    import authlib.deprecate  # (it adds an "always" filter for its warnings: kept inside this block)

    warnings.simplefilter("ignore", authlib.deprecate.AuthlibDeprecationWarning)
    import oidc_provider_mock
    import werkzeug.serving as werkzeug_serving

pytestmark = [
    pytest.mark.anyio,
    # Authlib 1.9 warns about APIs oidc-provider-mock 0.3.4 still uses, in its server thread.
    pytest.mark.filterwarnings("ignore:get_jwt_config:DeprecationWarning"),
]

CLIENT_ID = "orders-web"
REDIRECT_URI = "http://127.0.0.1:8000/callback"


@dataclass(frozen=True)
class Provider:
    """A running oidc-provider-mock: its issuer URL (``http://127.0.0.1:<port>``) and discovery."""

    issuer: str
    discovery: dict[str, Any]

    def issuer_config(self, **options: Any) -> Issuer:
        """Our ``Issuer`` for it, found by OIDC discovery (no ``jwks_uri`` given)."""
        return Issuer(self.issuer, **{"audience": CLIENT_ID, **options})

    def sign_in(self, sub: str, *, client_id: str = CLIENT_ID) -> dict[str, Any]:
        """The token response after ``sub`` signs in: authorization code with PKCE S256, then /token."""
        verifier = secrets.token_urlsafe(48)
        query = {
            "client_id": client_id,
            "response_type": "code",
            "redirect_uri": REDIRECT_URI,
            "scope": "openid email profile",
            "state": secrets.token_urlsafe(8),
            "nonce": secrets.token_urlsafe(8),
            "code_challenge": code_challenge(verifier),
            "code_challenge_method": "S256",
        }
        with httpx.Client() as browser:
            # the provider's login form, submitted as the user would
            redirect = browser.post(self.discovery["authorization_endpoint"], params=query, data={"sub": sub})
            assert redirect.status_code == 302, redirect.text
            location = urlsplit(redirect.headers["location"])
            assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT_URI
            answer = parse_qs(location.query)
            assert answer["state"] == [query["state"]]
            response = browser.post(
                self.discovery["token_endpoint"],
                data={
                    "grant_type": "authorization_code",
                    "code": answer["code"][0],
                    "redirect_uri": REDIRECT_URI,
                    "code_verifier": verifier,
                },
                auth=(client_id, "any-secret"),  # the provider accepts any unregistered client
            )
        assert response.status_code == 200, response.text
        tokens: dict[str, Any] = response.json()
        return tokens


@contextmanager
def running_provider(users: Sequence[Any] = ()) -> Iterator[Provider]:
    """oidc-provider-mock under werkzeug on 127.0.0.1 (a free port), shut down when the block ends."""
    server = werkzeug_serving.make_server(
        "127.0.0.1", 0, oidc_provider_mock.app(user_claims=users), threaded=True
    )
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        issuer = f"http://127.0.0.1:{server.server_port}"
        discovery = httpx.get(f"{issuer}/.well-known/openid-configuration").json()
        yield Provider(issuer, discovery)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    alice = oidc_provider_mock.User(
        sub="alice", claims={"email": "alice@example.com", "email_verified": True, "name": "Alice Liddell"}
    )
    with running_provider([alice]) as provider:
        yield provider


@pytest.fixture
def foreign_token() -> str:
    """An ID token from a second provider instance: its own key and its own issuer URL."""
    with running_provider() as other:
        token: str = other.sign_in("alice")["id_token"]
        return token


@pytest.fixture
async def verifier(provider: Provider) -> AsyncIterator[TokenVerifier]:
    verifier = TokenVerifier([provider.issuer_config()])
    yield verifier
    await verifier.aclose()


async def whoami(scope: Any, receive: Any, send: Any) -> None:
    auth = get_auth(scope)
    body = json.dumps({"user_id": auth.user_id, "email": auth.user and auth.user.email}).encode()
    headers = [(b"content-type", b"application/json")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def client_for(app: AuthInfoMiddleware) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


async def test_discovery_and_jwks_are_read_from_the_provider(
    provider: Provider, verifier: TokenVerifier
) -> None:
    assert provider.discovery["issuer"] == provider.issuer
    (check,) = await verifier.start(strict=True)
    assert check.error is None
    assert check.jwks_uri == provider.discovery["jwks_uri"]
    assert check.keys == 1  # its one RSA key, published without `alg`


async def test_its_id_tokens_are_accepted_and_mapped(provider: Provider, verifier: TokenVerifier) -> None:
    id_token = provider.sign_in("alice")["id_token"]
    auth = await verifier.verify(id_token)
    assert auth.issuer == provider.issuer
    assert auth.subject == auth.user.id == "alice"
    assert auth.user.email == "alice@example.com"
    assert auth.user.email_verified is True
    assert auth.user.name == "Alice Liddell"
    assert auth.claims["aud"] == (CLIENT_ID,)


async def test_a_user_the_provider_makes_up_signs_in(provider: Provider, verifier: TokenVerifier) -> None:
    # an unknown subject: the provider makes a user whose email is the subject
    auth = await verifier.verify(provider.sign_in("bob@example.com")["id_token"])
    assert (auth.subject, auth.user.email) == ("bob@example.com", "bob@example.com")


async def test_an_app_behind_the_middleware_accepts_its_id_tokens(provider: Provider) -> None:
    id_token = provider.sign_in("alice")["id_token"]
    app = AuthInfoMiddleware(whoami, issuers=[provider.issuer_config()], required=True)
    async with client_for(app) as client:
        response = await client.get("/", headers={"Authorization": f"Bearer {id_token}"})
        refused = await client.get("/")
    assert_signed_in(response)
    assert response.json() == {"user_id": "alice", "email": "alice@example.com"}
    assert_refused(refused, "missing_token", status=401)


async def test_a_token_for_another_client_is_refused(provider: Provider, verifier: TokenVerifier) -> None:
    id_token = provider.sign_in("alice", client_id="another-app")["id_token"]
    with pytest.raises(AuthError) as refused:
        await verifier.verify(id_token)
    assert refused.value.code == "audience_mismatch"
    assert "another-app" in refused.value.description


async def test_the_wrong_audience_is_refused_by_the_app(provider: Provider) -> None:
    id_token = provider.sign_in("alice")["id_token"]
    app = AuthInfoMiddleware(whoami, issuers=[provider.issuer_config(audience="api://orders")], required=True)
    async with client_for(app) as client:
        response = await client.get("/", headers={"Authorization": f"Bearer {id_token}"})
    body = assert_refused(response, "audience_mismatch", status=401)
    assert 'error="invalid_token"' in response.headers["www-authenticate"]
    assert "api://orders" in body["error_description"]


def _altered(token: str, **claims: Any) -> str:
    """``token`` with its payload changed and its signature kept."""
    header, payload, signature = token.split(".")
    decoded = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    changed = json.dumps({**decoded, **claims}, separators=(",", ":")).encode()
    return ".".join((header, base64.urlsafe_b64encode(changed).rstrip(b"=").decode(), signature))


@pytest.mark.parametrize("claims", [{"sub": "mallory"}, {"email": "mallory@example.com"}])
async def test_an_altered_token_is_refused(
    provider: Provider, verifier: TokenVerifier, claims: dict[str, str]
) -> None:
    id_token = provider.sign_in("alice")["id_token"]
    with pytest.raises(AuthError) as refused:
        await verifier.verify(_altered(id_token, **claims))
    assert refused.value.code == "bad_signature"


async def test_a_token_signed_by_another_provider_instance_is_refused(
    provider: Provider, verifier: TokenVerifier, foreign_token: str
) -> None:
    with pytest.raises(AuthError) as unknown:
        await verifier.verify(foreign_token)
    assert unknown.value.code == "unknown_issuer"
    # the same token with our provider's iss: the signature no longer matches any key it publishes
    with pytest.raises(AuthError) as forged:
        await verifier.verify(_altered(foreign_token, iss=provider.issuer))
    assert forged.value.code == "bad_signature"
