"""FakeIssuer: tokens, keys, rotation, endpoints, respx coexistence, transport, and the loopback server."""

from __future__ import annotations

import socket
from typing import Any

import httpx
import jwt
import pytest
import respx

from asgi_authinfo import AuthError, AuthInfoMiddleware, TokenVerifier
from pytest_plugin import ALGORITHMS, Clock, FakeIssuer

from .conftest import client_for, protected

pytestmark = pytest.mark.anyio


def decode(fake: FakeIssuer, token: str) -> dict[str, Any]:
    """Decode with PyJWT and the issuer's published key: an independent check of what was minted."""
    kid = jwt.get_unverified_header(token)["kid"]
    key = next(k for k in fake.published_keys if k.kid == kid)
    claims: dict[str, Any] = jwt.decode(
        token,
        key.private_key.public_key(),
        algorithms=[key.alg],
        options={"verify_aud": False, "verify_exp": False, "verify_nbf": False, "verify_iat": False},
    )
    return claims


def test_token_has_sensible_defaults() -> None:
    clock = Clock(1_800_000_000)
    fake = FakeIssuer(audience="api://orders", now=clock)
    claims = decode(fake, fake.token())
    assert claims["iss"] == "https://fake-issuer.test"
    assert claims["aud"] == "api://orders"
    assert claims["sub"] == "user_01FAKE0000000000000000000"
    assert claims["sid"]
    assert claims["iat"] == claims["nbf"] == 1_800_000_000
    assert claims["exp"] == 1_800_000_000 + 300


def test_token_overrides_and_drops_claims_and_headers() -> None:
    fake = FakeIssuer()
    token = fake.token(headers={"typ": "at+jwt", "kid": None}, sub="user_2", sid=None, tenant="t1")
    header = jwt.get_unverified_header(token)
    assert header["typ"] == "at+jwt"
    assert "kid" not in header
    claims = jwt.decode(token, options={"verify_signature": False})
    assert (claims["sub"], claims["tenant"]) == ("user_2", "t1")
    assert "sid" not in claims


def test_token_at_and_expires_in_mint_expired_tokens_without_sleeping() -> None:
    fake = FakeIssuer(now=Clock(1_800_000_000))
    minted_earlier = decode(fake, fake.token(at=1_700_000_000))
    assert minted_earlier["exp"] == 1_700_000_300
    expired = decode(fake, fake.token_for(expires_in=-60))
    assert expired["exp"] == 1_800_000_000 - 60
    assert expired["iat"] == expired["nbf"] == expired["exp"] - 300


@pytest.mark.parametrize("algorithm", ALGORITHMS)
async def test_every_algorithm_verifies_with_the_real_verifier(algorithm: str) -> None:
    fake = FakeIssuer(algorithm=algorithm)
    verifier = fake.verifier()
    auth = await verifier.verify(fake.token(email="ada@example.com"))
    assert (auth.subject, auth.user.email) == ("user_01FAKE0000000000000000000", "ada@example.com")
    assert fake.jwks["keys"][0]["alg"] == algorithm


def test_issuer_config_is_ready_for_the_middleware() -> None:
    fake = FakeIssuer(audience="api://orders", algorithm="ES256")
    config = fake.issuer_config(leeway=0)
    assert (config.issuer, config.jwks_uri, config.audience) == (
        fake.issuer,
        fake.jwks_uri,
        ("api://orders",),
    )
    assert (config.algorithms, config.leeway, config.claims) == (("ES256",), 0, "oidc")


def test_keys_are_pooled_per_issuer_url() -> None:
    first, again, other = FakeIssuer(), FakeIssuer(), FakeIssuer("https://other-issuer.test")
    assert first.key.private_key is again.key.private_key
    assert first.key.public_jwk["n"] != other.key.public_jwk["n"]


async def test_a_token_signed_by_another_fake_issuer_is_refused() -> None:
    mine, theirs = FakeIssuer(), FakeIssuer("https://other-issuer.test")
    forged = theirs.token(iss=mine.issuer)
    with pytest.raises(AuthError) as refused:
        await mine.verifier().verify(forged)
    assert refused.value.code == "bad_signature"


async def test_rotation_keeps_or_removes_the_old_key() -> None:
    fake = FakeIssuer(now=Clock())
    old_token = fake.token()
    new_key = fake.rotate_keys(keep_old=True)
    assert [key["kid"] for key in fake.jwks["keys"]] == [new_key.kid, "fake-rs256-0"]
    assert jwt.get_unverified_header(fake.token())["kid"] == new_key.kid
    await fake.verifier().verify(old_token)
    fake.rotate_keys(keep_old=False)
    with pytest.raises(AuthError) as refused:
        await fake.verifier().verify(old_token)
    assert refused.value.code == "unknown_key"


def test_configuration_is_validated() -> None:
    with pytest.raises(ValueError, match="at least one key"):
        FakeIssuer(keys=0)
    with pytest.raises(ValueError, match="lifetime"):
        FakeIssuer(lifetime=0)
    with pytest.raises(ValueError, match="https"):
        FakeIssuer("http://fake.example")
    with pytest.raises(ValueError, match="RS256"):
        FakeIssuer(algorithm="HS256")
    with pytest.raises(ValueError, match="unknown preset"):
        FakeIssuer(preset="okta-ish")


async def test_one_jwks_fetch_for_a_thousand_requests() -> None:
    with FakeIssuer() as fake:
        app, recorder = protected(TokenVerifier([fake.issuer_config()]))
        headers = {"Authorization": f"Bearer {fake.token()}"}
        async with client_for(app) as client:
            for _ in range(1000):
                assert (await client.get("/", headers=headers)).status_code == 200
        await app.verifier.aclose()
    assert fake.jwks_fetches == 1
    assert len(recorder.seen) == 1000
    assert [request.path for request in fake.requests] == ["/.well-known/jwks.json"]


async def test_discovery_through_respx() -> None:
    async with FakeIssuer() as fake:
        verifier = TokenVerifier([fake.issuer_config(jwks_uri=None)])
        assert (await verifier.verify(fake.token())).issuer == fake.issuer
        await verifier.aclose()
    assert [request.path for request in fake.requests] == [
        "/.well-known/openid-configuration",
        "/.well-known/jwks.json",
    ]
    assert fake.discovery["userinfo_endpoint"] == fake.userinfo_uri


async def test_userinfo_answers_from_a_valid_token_only() -> None:
    clock = Clock()
    fake = FakeIssuer(now=clock)
    token = fake.token_for(email="ada@example.com", name="Ada", role="admin")
    async with httpx.AsyncClient(transport=fake.transport()) as client:
        info = await client.get(fake.userinfo_uri, headers={"Authorization": f"Bearer {token}"})
        stranger = FakeIssuer("https://stranger.test").token(iss=fake.issuer)
        forged = await client.get(fake.userinfo_uri, headers={"Authorization": f"Bearer {stranger}"})
        anonymous = await client.get(fake.userinfo_uri)
        clock.advance(3600)
        expired = await client.get(fake.userinfo_uri, headers={"Authorization": f"Bearer {token}"})
    assert info.status_code == 200
    assert info.json() == {
        "sub": "user_01FAKE0000000000000000000",
        "email": "ada@example.com",
        "name": "Ada",
    } | {"role": "admin"}
    assert [forged.status_code, anonymous.status_code, expired.status_code] == [401, 401, 401]


async def test_userinfo_can_be_turned_off() -> None:
    fake = FakeIssuer(userinfo=False)
    assert "userinfo_endpoint" not in fake.discovery
    async with httpx.AsyncClient(transport=fake.transport()) as client:
        response = await client.get(fake.userinfo_uri, headers={"Authorization": f"Bearer {fake.token()}"})
    assert response.status_code == 404


async def test_transport_records_requests_and_refuses_other_urls() -> None:
    fake = FakeIssuer()
    async with httpx.AsyncClient(transport=fake.transport()) as client:
        assert (await client.get(fake.jwks_uri)).json() == fake.jwks
        assert (await client.get("https://elsewhere.test/")).status_code == 404
        assert (await client.post(fake.jwks_uri)).status_code == 405
    assert [(r.method, r.path) for r in fake.requests] == [
        ("GET", "/.well-known/jwks.json"),
        ("POST", "/.well-known/jwks.json"),
    ]


async def test_other_urls_pass_through_to_the_app_under_test() -> None:
    """The middleware's test client goes through respx's patched transport: it must pass through."""
    with FakeIssuer() as fake:
        app = AuthInfoMiddleware(_ok, issuers=[fake.issuer_config()])
        async with client_for(app) as client:
            response = await client.get("/", headers={"Authorization": f"Bearer {fake.token()}"})
        await app.verifier.aclose()
    assert response.status_code == 200


@pytest.mark.parametrize("user_router_first", [True, False])
async def test_the_users_own_respx_routes_keep_working(user_router_first: bool) -> None:
    fake = FakeIssuer()
    user = respx.MockRouter(assert_all_called=False)
    user.get("https://api.example.com/orders").respond(json={"orders": []})
    first, second = (user, fake) if user_router_first else (fake, user)
    with first, second:
        async with httpx.AsyncClient() as client:
            assert (await client.get("https://api.example.com/orders")).json() == {"orders": []}
            assert (await client.get(fake.jwks_uri)).json() == fake.jwks
            with pytest.raises(respx.models.AllMockedAssertionError):
                await client.get("https://api.example.com/unmocked")
    assert fake.jwks_fetches == 1


async def test_two_fake_issuers_answer_side_by_side() -> None:
    with FakeIssuer() as first, FakeIssuer("https://second.test") as second:
        verifier = TokenVerifier([first.issuer_config(), second.issuer_config()])
        assert (await verifier.verify(first.token())).issuer == first.issuer
        assert (await verifier.verify(second.token())).issuer == second.issuer
        app = AuthInfoMiddleware(_ok, verifier=verifier)
        async with client_for(app) as client:
            assert (await client.get("/")).status_code == 200
        await verifier.aclose()
    assert (first.jwks_fetches, second.jwks_fetches) == (1, 1)


@pytest.mark.parametrize("user_mock_first", [True, False])
async def test_the_users_respx_mock_and_a_fake_issuer_both_answer(user_mock_first: bool) -> None:
    """``with respx.mock:`` (respx's global router) beside a started fake issuer: each answers its
    own hosts, whichever starts first, and a host neither mocks still fails loudly."""
    fake = FakeIssuer()
    first, second = (respx.mock, fake) if user_mock_first else (fake, respx.mock)
    with first, second:
        orders = respx.get("https://api.example.com/orders").respond(json={"orders": []})
        async with httpx.AsyncClient() as client:
            assert (await client.get("https://api.example.com/orders")).json() == {"orders": []}
            assert (await client.get(fake.jwks_uri)).json() == fake.jwks
            assert (await client.get(fake.discovery_uri)).json() == fake.discovery
            with pytest.raises(respx.models.AllMockedAssertionError):
                await client.get("https://unknown.example.com/")
        assert orders.call_count == 1
    assert fake.jwks_fetches == 1


async def test_a_url_no_fake_issuer_owns_fails_loudly() -> None:
    with FakeIssuer(), FakeIssuer("https://second.test"):
        async with httpx.AsyncClient() as client:
            with pytest.raises(respx.models.AllMockedAssertionError):
                await client.get("https://unknown.example.com/")
            with pytest.raises(respx.models.AllMockedAssertionError):
                await client.get("https://fake-issuer.test.example.com/.well-known/jwks.json")


async def test_stopping_one_fake_issuer_leaves_the_other_answering() -> None:
    with FakeIssuer() as first, FakeIssuer("https://second.test") as second:
        first.stop()
        async with httpx.AsyncClient() as client:
            assert (await client.get(second.jwks_uri)).json() == second.jwks
            with pytest.raises(respx.models.AllMockedAssertionError):
                await client.get(first.jwks_uri)
        assert not first.started and second.started
        assert first.start().start() is first and first.started


async def test_stopping_removes_the_routes() -> None:
    fake = FakeIssuer().start()
    fake.stop()
    fake.stop()
    transport = httpx.MockTransport(lambda request: httpx.Response(418))
    async with httpx.AsyncClient(transport=transport) as client:
        assert (await client.get(fake.jwks_uri)).status_code == 418


async def test_serve_runs_a_real_http_server_on_loopback() -> None:
    fake = FakeIssuer(preset="workos")
    with fake.serve() as served:
        assert served.issuer.startswith("http://127.0.0.1:")
        assert served.issuer.endswith("/user_management/client_01FAKE")
        port = int(served.issuer.split(":")[2].split("/")[0])
        verifier = TokenVerifier([served.issuer_config(jwks_uri=None)])
        auth = await verifier.verify(served.token_for(role="admin"))
        await verifier.aclose()
        assert (auth.issuer, auth.role) == (served.issuer, "admin")
    assert fake.issuer == "https://api.workos.com/user_management/client_01FAKE"
    assert [request.path for request in fake.requests] == [
        "/user_management/client_01FAKE/.well-known/openid-configuration",
        "/sso/jwks/client_01FAKE",
    ]
    with socket.socket() as probe, pytest.raises(ConnectionRefusedError):
        probe.connect(("127.0.0.1", port))


async def _ok(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


async def test_a_provider_host_is_shared_with_the_users_own_mocks() -> None:
    """A WorkOS-preset fake answers its JWKS and its issuer URL's paths, not WorkOS's other APIs."""
    fake = FakeIssuer(preset="workos")
    user = respx.MockRouter(assert_all_called=False)
    user.get("https://api.workos.com/user_management/users").respond(json={"data": []})
    with fake, user:
        async with httpx.AsyncClient() as client:
            assert (await client.get("https://api.workos.com/user_management/users")).json() == {"data": []}
            assert (await client.get(fake.jwks_uri)).json() == fake.jwks
            assert (await client.get(f"{fake.issuer}/unknown")).status_code == 404
    assert [request.path for request in fake.requests] == [
        "/sso/jwks/client_01FAKE",
        "/user_management/client_01FAKE/unknown",
    ]
