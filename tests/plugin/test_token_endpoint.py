"""``FakeIssuer``'s OAuth 2.0 token endpoint (RFC 6749) and authorization endpoint (PKCE, RFC 7636),
driven with httpx through respx and against ``serve()``; the tokens it mints pass the real middleware."""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest

from asgi_authinfo import AuthInfoMiddleware, Issuer, get_auth
from pytest_plugin import PRESETS, Clock, FakeIssuer, code_challenge

API = "api://orders"
WEB = "http://app.test/callback"


@pytest.fixture(params=["respx", "serve"])
def fake(request: pytest.FixtureRequest) -> Iterator[FakeIssuer]:
    """A fake issuer with a confidential service client, a public web client and a user, answering
    through respx or as a real server on 127.0.0.1."""
    issuer = FakeIssuer(audience=API, now=Clock())
    issuer.register_client("billing-service", "s3cret", scopes=["orders:read", "orders:write"])
    issuer.register_client("web", redirect_uris=[WEB])
    issuer.add_user("alice", user_id="user_alice", email="alice@example.com", role="admin")
    if request.param == "respx":
        with issuer:
            yield issuer
    else:
        with issuer.serve():
            yield issuer


async def whoami(scope: Any, receive: Any, send: Any) -> None:
    auth = get_auth(scope)
    body = {
        "sub": auth.subject,
        "scopes": list(auth.scopes),
        "role": auth.role,
        "email": auth.user and auth.user.email,
    }
    await send(
        {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]}
    )
    await send({"type": "http.response.body", "body": json.dumps(body).encode()})


async def app_answer(fake: FakeIssuer, token: str, issuer: Issuer | None = None) -> httpx.Response:
    """What an app behind ``AuthInfoMiddleware`` trusting ``fake`` answers to ``token``."""
    verifier = fake.verifier() if issuer is None else None
    app = AuthInfoMiddleware(
        whoami, required=True, **({"verifier": verifier} if verifier else {"issuers": [issuer]})
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        return await client.get("/", headers={"Authorization": f"Bearer {token}"})


def claims_of(token: str) -> dict[str, Any]:
    payload: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return payload


def refused(response: httpx.Response, error: str, status: int = 400) -> str:
    assert response.status_code == status, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["error"] == error
    description: str = body["error_description"]
    return description


# -- discovery --------------------------------------------------------------------------------


def test_discovery_lists_the_endpoints(fake: FakeIssuer) -> None:
    document = httpx.get(fake.discovery_uri).json()
    assert document["token_endpoint"] == fake.token_endpoint == f"{fake.issuer}/oauth2/token"
    assert document["authorization_endpoint"] == fake.authorization_endpoint
    assert document["grant_types_supported"] == ["authorization_code", "client_credentials", "refresh_token"]
    assert document["code_challenge_methods_supported"] == ["S256"]


# -- client credentials -----------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize("how", ["basic", "form"])
async def test_client_credentials_token_is_accepted_by_the_app(fake: FakeIssuer, how: str) -> None:
    form = {"grant_type": "client_credentials", "scope": "orders:read"}
    async with httpx.AsyncClient() as client:
        if how == "basic":
            response = await client.post(fake.token_endpoint, data=form, auth=("billing-service", "s3cret"))
        else:
            form |= {"client_id": "billing-service", "client_secret": "s3cret"}
            response = await client.post(fake.token_endpoint, data=form)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    answer = response.json()
    assert answer["token_type"] == "Bearer" and answer["expires_in"] == fake.lifetime
    assert answer["scope"] == "orders:read"
    claims = claims_of(answer["access_token"])
    assert claims["iss"] == fake.issuer and claims["aud"] == API
    assert claims["sub"] == claims["azp"] == claims["client_id"] == "billing-service"
    assert claims["gty"] == "client-credentials" and "sid" not in claims
    seen = await app_answer(fake, answer["access_token"])
    assert seen.status_code == 200, seen.text
    assert seen.json()["sub"] == "billing-service"
    assert seen.json()["scopes"] == ["orders:read"]


def test_client_credentials_without_scope_get_every_registered_scope(fake: FakeIssuer) -> None:
    form = {"grant_type": "client_credentials", "audience": API}
    answer = httpx.post(fake.token_endpoint, data=form, auth=("billing-service", "s3cret")).json()
    assert answer["scope"] == "orders:read orders:write"


def test_a_client_may_get_its_own_audience(fake: FakeIssuer) -> None:
    fake.register_client("reports", "pw", audience="api://reports")
    answer = httpx.post(
        fake.token_endpoint, data={"grant_type": "client_credentials"}, auth=("reports", "pw")
    )
    assert claims_of(answer.json()["access_token"])["aud"] == "api://reports"


@pytest.mark.parametrize(
    ("auth", "form", "error", "status"),
    [
        (("billing-service", "wrong"), {}, "invalid_client", 401),
        (("nobody", "s3cret"), {}, "invalid_client", 401),
        (None, {"client_id": "billing-service"}, "invalid_client", 401),
        (("billing-service", "s3cret"), {"client_secret": "s3cret"}, "invalid_request", 400),
        (("billing-service", "s3cret"), {"scope": "orders:delete"}, "invalid_scope", 400),
        (("billing-service", "s3cret"), {"audience": "api://other"}, "invalid_request", 400),
        (None, {"client_id": "web"}, "unauthorized_client", 400),
    ],
    ids=["wrong-secret", "unknown-client", "no-secret", "two-methods", "scope", "audience", "public-client"],
)
def test_client_credentials_errors(
    fake: FakeIssuer, auth: tuple[str, str] | None, form: dict[str, str], error: str, status: int
) -> None:
    data = {"grant_type": "client_credentials", **form}
    response = httpx.post(fake.token_endpoint, data=data, auth=auth)
    refused(response, error, status)
    if error == "invalid_client" and auth is not None:
        assert response.headers["www-authenticate"].startswith("Basic ")


def test_an_unknown_client_is_told_how_to_register(fake: FakeIssuer) -> None:
    response = httpx.post(fake.token_endpoint, data={"grant_type": "client_credentials"}, auth=("x", "y"))
    assert "fake_issuer.register_client(" in refused(response, "invalid_client", 401)


@pytest.mark.parametrize(
    ("form", "error"),
    [
        ({"grant_type": "password", "username": "a", "password": "b"}, "unsupported_grant_type"),
        ({}, "invalid_request"),
        ({"grant_type": "authorization_code"}, "invalid_request"),
    ],
    ids=["password", "no-grant-type", "no-code"],
)
def test_request_errors(fake: FakeIssuer, form: dict[str, str], error: str) -> None:
    refused(httpx.post(fake.token_endpoint, data=form, auth=("billing-service", "s3cret")), error)


def test_a_repeated_parameter_is_invalid(fake: FakeIssuer) -> None:
    body = "grant_type=client_credentials&scope=orders:read&scope=orders:write"
    headers = {"content-type": "application/x-www-form-urlencoded"}
    response = httpx.post(
        fake.token_endpoint, content=body, headers=headers, auth=("billing-service", "s3cret")
    )
    assert "scope" in refused(response, "invalid_request")


def test_the_token_endpoint_takes_post_only(fake: FakeIssuer) -> None:
    assert httpx.get(fake.token_endpoint).status_code == 405


def test_basic_credentials_are_form_encoded(fake: FakeIssuer) -> None:
    # RFC 6749 §2.3.1: client id and secret are form-urlencoded before base64
    fake.register_client("svc:1", "p@ss word")
    basic = base64.b64encode(b"svc%3A1:p%40ss+word").decode()
    response = httpx.post(
        fake.token_endpoint,
        data={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {basic}"},
    )
    assert response.status_code == 200, response.text


def test_basic_credentials_sent_raw_as_http_clients_do(fake: FakeIssuer) -> None:
    # httpx, requests and Authlib put the secret into Basic as it is, a "+" included
    fake.register_client("svc-plus", "a+b/c=%")
    response = httpx.post(
        fake.token_endpoint, data={"grant_type": "client_credentials"}, auth=("svc-plus", "a+b/c=%")
    )
    assert response.status_code == 200, response.text
    wrong = httpx.post(
        fake.token_endpoint, data={"grant_type": "client_credentials"}, auth=("svc-plus", "a b/c=%")
    )
    refused(wrong, "invalid_client", 401)


# -- authorization code with PKCE -------------------------------------------------------------


class Login:
    """A public client's sign-in: ``/authorize`` (the browser's GET), then the code at ``/token``."""

    def __init__(self, fake: FakeIssuer, *, login_hint: str = "alice", **params: str) -> None:
        self.fake = fake
        self.verifier = secrets.token_urlsafe(48)
        self.state = secrets.token_urlsafe(8)
        query = {
            "client_id": "web",
            "response_type": "code",
            "redirect_uri": WEB,
            "scope": "openid email",
            "state": self.state,
            "nonce": "n-0S6_WzA2Mj",
            "code_challenge": code_challenge(self.verifier),
            "code_challenge_method": "S256",
            "login_hint": login_hint,
            **params,
        }
        self.response = httpx.get(fake.authorization_endpoint, params=query)

    @property
    def answer(self) -> dict[str, str]:
        assert self.response.status_code == 302, self.response.text
        location = urlsplit(self.response.headers["location"])
        assert f"{location.scheme}://{location.netloc}{location.path}" == WEB
        return {name: values[0] for name, values in parse_qs(location.query).items()}

    def redeem(self, **form: str) -> httpx.Response:
        data = {
            "grant_type": "authorization_code",
            "code": self.answer["code"],
            "redirect_uri": WEB,
            "client_id": "web",
            "code_verifier": self.verifier,
            **form,
        }
        return httpx.post(self.fake.token_endpoint, data=data)


@pytest.mark.anyio
async def test_authorization_code_with_pkce_signs_the_user_in(fake: FakeIssuer) -> None:
    login = Login(fake)
    assert login.answer["state"] == login.state
    assert login.answer["iss"] == fake.issuer  # RFC 9207
    response = login.redeem()
    assert response.status_code == 200, response.text
    tokens = response.json()
    assert set(tokens) == {"access_token", "id_token", "refresh_token", "token_type", "expires_in", "scope"}
    seen = await app_answer(fake, tokens["access_token"])
    assert seen.status_code == 200, seen.text
    assert seen.json() == {
        "sub": "user_alice",
        "scopes": ["openid", "email"],
        "role": "admin",
        "email": "alice@example.com",
    }
    id_claims = claims_of(tokens["id_token"])
    assert id_claims["aud"] == "web" and id_claims["nonce"] == "n-0S6_WzA2Mj"
    assert id_claims["sub"] == "user_alice"
    # the ID token is for the client: an Issuer with the client's audience accepts it
    as_client = await app_answer(fake, tokens["id_token"], fake.issuer_config(audience="web"))
    assert as_client.status_code == 200, as_client.text
    assert as_client.json()["email"] == "alice@example.com"


def test_an_unknown_login_hint_is_a_user_with_that_id(fake: FakeIssuer) -> None:
    tokens = Login(fake, login_hint="bob@example.com").redeem().json()
    assert claims_of(tokens["id_token"])["email"] == "bob@example.com"
    assert claims_of(Login(fake, login_hint="user_bob").redeem().json()["access_token"])["sub"] == "user_bob"


def test_a_code_is_single_use(fake: FakeIssuer) -> None:
    login = Login(fake)
    assert login.redeem().status_code == 200
    assert "already used" in refused(login.redeem(), "invalid_grant")


@pytest.mark.parametrize(
    ("form", "error"),
    [
        ({"code_verifier": secrets.token_urlsafe(48)}, "invalid_grant"),
        ({"code_verifier": "short"}, "invalid_request"),
        ({"redirect_uri": "http://app.test/other"}, "invalid_grant"),
        ({"code": "not-a-code"}, "invalid_grant"),
    ],
    ids=["wrong-verifier", "short-verifier", "other-redirect-uri", "unknown-code"],
)
def test_a_code_redemption_is_checked(fake: FakeIssuer, form: dict[str, str], error: str) -> None:
    refused(Login(fake).redeem(**form), error)


def test_a_code_needs_its_verifier(fake: FakeIssuer) -> None:
    login = Login(fake)
    data = {
        "grant_type": "authorization_code",
        "code": login.answer["code"],
        "redirect_uri": WEB,
        "client_id": "web",
    }
    assert "code_verifier" in refused(httpx.post(fake.token_endpoint, data=data), "invalid_grant")


@pytest.mark.parametrize("verifier", ["a" * 42, "a" * 129, "a" * 42 + "+", "ä" * 43])
def test_a_code_verifier_is_43_to_128_unreserved_characters(fake: FakeIssuer, verifier: str) -> None:
    login = Login(fake)
    login.verifier = verifier
    assert "RFC 7636" in refused(login.redeem(), "invalid_request")


def test_authorize_grants_only_the_clients_scopes(fake: FakeIssuer) -> None:
    fake.register_client("reader", redirect_uris=[WEB], scopes=["orders:read"])
    wanting_more = Login(fake, client_id="reader", scope="openid orders:write")
    assert wanting_more.answer["error"] == "invalid_scope"
    assert "code" not in wanting_more.answer
    fine = Login(fake, client_id="reader", scope="openid profile orders:read")  # OIDC scopes: always
    assert fine.redeem(client_id="reader").status_code == 200


def test_a_code_expires(fake: FakeIssuer) -> None:
    login = Login(fake)
    code = login.answer["code"]
    assert isinstance(fake.now, Clock)
    fake.now.advance(61)
    assert "expired" in refused(login.redeem(code=code), "invalid_grant")


def test_a_confidential_client_must_authenticate_to_redeem(fake: FakeIssuer) -> None:
    fake.register_client("server-app", "pw", redirect_uris=[WEB])
    login = Login(fake, client_id="server-app")
    refused(login.redeem(client_id="server-app"), "invalid_client", 401)
    login = Login(fake, client_id="server-app")
    assert login.redeem(client_id="server-app", client_secret="pw").status_code == 200


def test_a_code_for_another_client_is_refused(fake: FakeIssuer) -> None:
    fake.register_client("other", redirect_uris=[WEB])
    assert "another client" in refused(Login(fake).redeem(client_id="other"), "invalid_grant")


def test_authorize_refuses_without_redirecting(fake: FakeIssuer) -> None:
    unregistered = Login(fake, redirect_uri="https://evil.example/cb")
    assert unregistered.response.status_code == 400
    assert "not registered" in unregistered.response.json()["error_description"]
    unknown = Login(fake, client_id="nobody")
    assert unknown.response.status_code == 400
    assert unknown.response.json()["error"] == "invalid_client"


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge": ""}, "invalid_request"),
        ({"response_type": "token"}, "unsupported_response_type"),
    ],
    ids=["plain-pkce", "no-pkce", "implicit"],
)
def test_authorize_errors_are_redirected_with_the_state(
    fake: FakeIssuer, params: dict[str, str], error: str
) -> None:
    login = Login(fake, **params)
    assert login.answer["error"] == error
    assert login.answer["state"] == login.state
    assert "code" not in login.answer


def test_refresh_tokens_rotate(fake: FakeIssuer) -> None:
    first = Login(fake).redeem().json()
    form = {"grant_type": "refresh_token", "refresh_token": first["refresh_token"], "client_id": "web"}
    second = httpx.post(fake.token_endpoint, data=form)
    assert second.status_code == 200, second.text
    assert claims_of(second.json()["access_token"])["sub"] == "user_alice"
    assert second.json()["refresh_token"] != first["refresh_token"]
    refused(httpx.post(fake.token_endpoint, data=form), "invalid_grant")


def test_authorize_in_python_signs_a_persona_in(fake: FakeIssuer) -> None:
    verifier = secrets.token_urlsafe(48)
    location = fake.authorize(
        "web", WEB, code_challenge=code_challenge(verifier), state="s", role="viewer", user_id="user_carol"
    )
    code = parse_qs(urlsplit(location).query)["code"][0]
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": WEB, "client_id": "web"}
    tokens = httpx.post(fake.token_endpoint, data={**data, "code_verifier": verifier}).json()
    assert claims_of(tokens["access_token"])["sub"] == "user_carol"


def test_authorize_in_python_rejects_what_the_endpoint_would(fake: FakeIssuer) -> None:
    with pytest.raises(ValueError, match="not registered"):
        fake.authorize("web", "https://evil.example/cb", code_challenge="x" * 43)
    with pytest.raises(TypeError, match="unknown signed-in user field"):
        fake.add_user("eve", colour="red")


def test_token_requests_are_recorded(fake: FakeIssuer) -> None:
    httpx.post(
        fake.token_endpoint, data={"grant_type": "client_credentials"}, auth=("billing-service", "s3cret")
    )
    assert [request.method for request in fake.requests_to("/oauth2/token")] == ["POST"]


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_every_preset_mints_tokens_its_issuer_config_accepts(preset: str) -> None:
    fake = FakeIssuer(preset=preset)
    fake.register_client("svc", "pw", scopes=["read"])
    fake.register_client("web", redirect_uris=[WEB])
    verifier = secrets.token_urlsafe(48)
    with fake, httpx.Client() as http:
        machine = http.post(
            fake.token_endpoint, data={"grant_type": "client_credentials"}, auth=("svc", "pw")
        )
        location = fake.authorize("web", WEB, code_challenge=code_challenge(verifier), user_id="user_dan")
        code = parse_qs(urlsplit(location).query)["code"][0]
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": WEB, "client_id": "web"}
        person = http.post(fake.token_endpoint, data={**form, "code_verifier": verifier})
    assert fake.verify(machine.json()["access_token"]).subject == "svc"
    assert fake.verify(person.json()["access_token"]).subject == "user_dan"


def test_a_persona_the_preset_cannot_mint_fails_early() -> None:
    fake = FakeIssuer(preset="workos")
    fake.register_client("web", redirect_uris=[WEB])
    with pytest.raises(ValueError, match="workos tokens have no claim for scopes"):
        fake.add_user("alice", scopes=["read"])
    with pytest.raises(ValueError, match="the persona cannot sign in"):
        fake.authorize("web", WEB, code_challenge="x" * 43, scopes=["read"])


def test_the_injected_transport_answers_the_token_endpoint_too() -> None:
    fake = FakeIssuer(audience=API)
    fake.register_client("svc", "pw")
    with httpx.Client(transport=fake.transport()) as http:  # no respx, no server
        answer = http.post(fake.token_endpoint, data={"grant_type": "client_credentials"}, auth=("svc", "pw"))
    assert answer.status_code == 200, answer.text
    assert fake.verify(answer.json()["access_token"]).subject == "svc"
