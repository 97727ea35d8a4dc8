"""DPoP (RFC 9449) through the real middleware on HTTP, with real keys and real signatures."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from asgi_authinfo import (
    AuthInfo,
    AuthInfoMiddleware,
    InMemoryReplayCache,
    Issuer,
    NoAuthInfo,
    TokenVerifier,
    get_auth,
    jwk_thumbprint,
)
from pytest_plugin import Clock, DpopKey, FakeIssuer, dpop_key
from pytest_plugin.strategies import DPOP_KINDS, invalid_dpop_requests

pytestmark = pytest.mark.anyio

URL = "http://testserver/orders"
KEY_ALGS = ["ES256", "RS256", "EdDSA", "PS256", "ES384"]


async def echo_app(scope: Any, receive: Any, send: Any) -> None:
    auth = get_auth(scope)
    body = json.dumps({"auth": auth.to_dict(), "jkt": auth.dpop_jkt}).encode()
    await send(
        {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]}
    )
    await send({"type": "http.response.body", "body": body})


@pytest.fixture
def clock() -> Clock:
    return Clock(1_800_000_000.0)


@pytest.fixture
def fake(clock: Clock) -> Iterator[FakeIssuer]:
    with FakeIssuer(audience="api://orders", now=clock) as issuer:
        yield issuer


def app_for(fake: FakeIssuer, clock: Clock, *, dpop: str = "allowed", **options: Any) -> AuthInfoMiddleware:
    verifier_options = {name: options.pop(name) for name in list(options) if name.startswith("dpop_")}
    origin = verifier_options.pop("dpop_origin", None)
    verifier = TokenVerifier([fake.issuer_config(dpop=dpop)], now=clock, clock=clock, **verifier_options)
    return AuthInfoMiddleware(echo_app, verifier=verifier, dpop_origin=origin, **options)


def client_for(app: Any, base_url: str = "http://testserver") -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base_url)


def sent(token: str, proof: str) -> dict[str, str]:
    return {"Authorization": f"DPoP {token}", "DPoP": proof}


@pytest.mark.parametrize("alg", KEY_ALGS)
async def test_dpop_request_is_signed_in_with_the_key_thumbprint(
    fake: FakeIssuer, clock: Clock, alg: str
) -> None:
    key = dpop_key(alg)
    token = fake.token(cnf=key.cnf)
    async with client_for(app_for(fake, clock)) as client:
        response = await client.get(
            "/orders", headers=sent(token, fake.dpop_proof("GET", URL, token=token, key=key))
        )
    assert response.status_code == 200
    assert response.json()["jkt"] == key.thumbprint


async def test_cached_token_still_needs_a_fresh_proof_every_request(fake: FakeIssuer, clock: Clock) -> None:
    key = dpop_key()
    token = fake.token(cnf=key.cnf)
    app = app_for(fake, clock)
    async with client_for(app) as client:
        for _ in range(3):
            proof = fake.dpop_proof("GET", URL, token=token, key=key)
            assert (await client.get("/orders", headers=sent(token, proof))).status_code == 200
        replay = await client.get("/orders", headers=sent(token, proof))
        without = await client.get("/orders", headers={"Authorization": f"DPoP {token}"})
    assert app.verifier.token_cache is not None and len(app.verifier.token_cache) == 1
    assert replay.status_code == 401 and replay.json()["error_code"] == "dpop_replay"
    assert without.status_code == 401 and without.json()["error_code"] == "invalid_dpop_proof"


async def test_refusal_is_a_dpop_challenge_with_algs(fake: FakeIssuer, clock: Clock) -> None:
    key = dpop_key()
    token = fake.token(cnf=key.cnf)
    proof = fake.dpop_proof("POST", URL, token=token, key=key)
    async with client_for(app_for(fake, clock)) as client:
        response = await client.get("/orders", headers=sent(token, proof))
    assert response.status_code == 401
    challenge = response.headers["www-authenticate"]
    assert challenge.startswith(
        'DPoP realm="api", error="invalid_dpop_proof", error_description="the DPoP proof is for method'
    )
    assert 'algs="ES256 ES384 ES512 PS256 PS384 PS512 RS256 EdDSA"' in challenge
    assert response.json()["error"] == "invalid_dpop_proof"
    assert token not in response.text and proof not in response.text and token not in challenge


async def test_bound_token_sent_as_bearer_is_refused(fake: FakeIssuer, clock: Clock) -> None:
    token = fake.token(cnf=dpop_key().cnf)
    async with client_for(app_for(fake, clock)) as client:
        response = await client.get("/orders", headers={"Authorization": f"Bearer {token}"})
        again = await client.get("/orders", headers={"Authorization": f"Bearer {token}"})  # token cached? no
    for answer in (response, again):
        assert answer.status_code == 401
        assert answer.json()["error_code"] == "dpop_binding_mismatch"
        assert answer.headers["www-authenticate"].startswith('DPoP realm="api", error="invalid_token"')


async def test_bound_token_as_bearer_is_refused_also_after_a_dpop_request_cached_it(
    fake: FakeIssuer, clock: Clock
) -> None:
    key = dpop_key()
    token = fake.token(cnf=key.cnf)
    async with client_for(app_for(fake, clock)) as client:
        ok = await client.get(
            "/orders", headers=sent(token, fake.dpop_proof("GET", URL, token=token, key=key))
        )
        stolen = await client.get("/orders", headers={"Authorization": f"Bearer {token}"})
    assert ok.status_code == 200
    assert stolen.status_code == 401 and stolen.json()["error_code"] == "dpop_binding_mismatch"


async def test_unbound_token_with_the_dpop_scheme_is_refused(fake: FakeIssuer, clock: Clock) -> None:
    token = fake.token()
    proof = fake.dpop_proof("GET", URL, token=token)
    async with client_for(app_for(fake, clock)) as client:
        response = await client.get("/orders", headers=sent(token, proof))
        bearer = await client.get("/orders", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401 and response.json()["error_code"] == "dpop_binding_mismatch"
    assert bearer.status_code == 200 and bearer.json()["jkt"] is None


async def test_required_policy_refuses_bearer_tokens(fake: FakeIssuer, clock: Clock) -> None:
    key = dpop_key()
    token = fake.token(cnf=key.cnf)
    async with client_for(app_for(fake, clock, dpop="required")) as client:
        bearer = await client.get("/orders", headers={"Authorization": f"Bearer {fake.token()}"})
        dpop = await client.get(
            "/orders", headers=sent(token, fake.dpop_proof("GET", URL, token=token, key=key))
        )
    assert bearer.status_code == 401 and bearer.json()["error_code"] == "dpop_required"
    assert bearer.headers["www-authenticate"].startswith("DPoP ")
    assert dpop.status_code == 200


async def test_disabled_policy_refuses_dpop_and_bound_tokens(fake: FakeIssuer, clock: Clock) -> None:
    key = dpop_key()
    token = fake.token(cnf=key.cnf)
    async with client_for(app_for(fake, clock, dpop="disabled")) as client:
        dpop = await client.get(
            "/orders", headers=sent(token, fake.dpop_proof("GET", URL, token=token, key=key))
        )
        bound = await client.get("/orders", headers={"Authorization": f"Bearer {token}"})
        plain = await client.get("/orders", headers={"Authorization": f"Bearer {fake.token()}"})
    assert dpop.json()["error_code"] == bound.json()["error_code"] == "dpop_disabled"
    assert dpop.headers["www-authenticate"].startswith("Bearer ")
    assert plain.status_code == 200


@pytest.mark.parametrize(
    ("proofs", "expected"),
    [(0, "invalid_dpop_proof"), (2, "invalid_dpop_proof")],
)
async def test_exactly_one_proof_header(fake: FakeIssuer, clock: Clock, proofs: int, expected: str) -> None:
    key = dpop_key()
    token = fake.token(cnf=key.cnf)
    headers = [("Authorization", f"DPoP {token}")]
    headers += [("DPoP", fake.dpop_proof("GET", URL, token=token, key=key)) for _ in range(proofs)]
    async with client_for(app_for(fake, clock)) as client:
        response = await client.get("/orders", headers=headers)
    assert response.status_code == 401 and response.json()["error_code"] == expected


@pytest.mark.parametrize(
    "htu",
    [
        "HTTP://TESTSERVER/orders",
        "http://testserver:80/orders",
        "http://testserver/%6Frders",
        "http://testserver/orders?x=1#f",
    ],
)
async def test_htu_is_compared_normalized(fake: FakeIssuer, clock: Clock, htu: str) -> None:
    key = dpop_key()
    token = fake.token(cnf=key.cnf)
    proof = key.proof("GET", URL, token=token, at=clock(), claims={"htu": htu})
    async with client_for(app_for(fake, clock)) as client:
        response = await client.get("/orders?page=2", headers=sent(token, proof))
    assert response.status_code == 200


async def test_behind_a_proxy_the_configured_origin_is_the_url(fake: FakeIssuer, clock: Clock) -> None:
    key = dpop_key()
    token = fake.token(cnf=key.cnf)
    public = "https://api.example.com/orders"
    app = app_for(fake, clock, dpop_origin="https://api.example.com")
    async with client_for(app) as client:
        ok = await client.get(
            "/orders", headers=sent(token, fake.dpop_proof("GET", public, token=token, key=key))
        )
        internal = await client.get(
            "/orders", headers=sent(token, fake.dpop_proof("GET", URL, token=token, key=key))
        )
    assert ok.status_code == 200
    assert internal.status_code == 401 and internal.json()["error_code"] == "invalid_dpop_proof"


def test_dpop_origin_is_validated(fake: FakeIssuer) -> None:
    with pytest.raises(ValueError, match="dpop_origin"):
        AuthInfoMiddleware(echo_app, issuers=[fake.issuer_config()], dpop_origin="https://api.example.com/v1")


async def test_iat_window_is_configurable(fake: FakeIssuer, clock: Clock) -> None:
    key = dpop_key()
    token = fake.token(cnf=key.cnf)
    old = key.proof("GET", URL, token=token, at=clock() - 200)
    async with client_for(app_for(fake, clock)) as client:
        refused = await client.get("/orders", headers=sent(token, old))
    async with client_for(app_for(fake, clock, dpop_max_age=300)) as client:
        accepted = await client.get("/orders", headers=sent(token, old))
    assert (
        refused.json()["error_code"] == "invalid_dpop_proof"
        and "200 s ago" in refused.json()["error_description"]
    )
    assert accepted.status_code == 200


async def test_replay_cache_is_pluggable_and_bounded(fake: FakeIssuer, clock: Clock) -> None:
    cache = InMemoryReplayCache(2, now=clock)
    key = dpop_key()
    token = fake.token(cnf=key.cnf)
    async with client_for(app_for(fake, clock, dpop_replay_cache=cache)) as client:
        for _ in range(5):
            proof = fake.dpop_proof("GET", URL, token=token, key=key)
            assert (await client.get("/orders", headers=sent(token, proof))).status_code == 200
    assert len(cache) == 2


async def test_replay_after_the_window_is_refused_as_stale(fake: FakeIssuer, clock: Clock) -> None:
    key = dpop_key()
    token = fake.token(cnf=key.cnf, exp=int(clock()) + 3600)
    proof = fake.dpop_proof("GET", URL, token=token, key=key)
    async with client_for(app_for(fake, clock)) as client:
        assert (await client.get("/orders", headers=sent(token, proof))).status_code == 200
        clock.advance(120)
        late = await client.get("/orders", headers=sent(token, proof))
    assert late.status_code == 401 and late.json()["error_code"] == "invalid_dpop_proof"


def test_thumbprint_matches_rfc7638_example() -> None:
    # RFC 7638 §3.1: the example RSA key and its SHA-256 thumbprint.
    jwk = {
        "kty": "RSA",
        "n": (
            "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJE"
            "CPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2Q"
            "vzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6"
            "WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"
        ),
        "e": "AQAB",
        "alg": "RS256",
        "kid": "2011-04-29",
    }
    assert jwk_thumbprint(jwk) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"


def test_issuer_dpop_policy_is_validated() -> None:
    with pytest.raises(ValueError, match="dpop must be"):
        Issuer("https://auth.example.com", dpop="sometimes")  # type: ignore[arg-type]


def test_no_auth_info_mirrors_dpop_jkt() -> None:
    assert NoAuthInfo().dpop_jkt is None
    assert "dpop_jkt" in AuthInfo.__dataclass_fields__


@pytest.mark.parametrize("kind", sorted(DPOP_KINDS))
async def test_each_invalid_kind_is_refused_with_its_code(fake: FakeIssuer, clock: Clock, kind: str) -> None:
    await _refused_examples(fake, clock, kind)


async def _refused_examples(fake: FakeIssuer, clock: Clock, kind: str) -> None:
    examples: list[Any] = []

    @settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(st.data())
    def collect(data: st.DataObject) -> None:
        examples.append(data.draw(invalid_dpop_requests(fake, url=URL + "/1", kinds=(kind,))))

    collect()
    app = app_for(fake, clock)
    async with client_for(app) as client:
        for example in examples:
            if example.primer is not None:
                first = await client.get("/orders/1", headers=example.primer)
                assert first.status_code == 200, example
            response = await client.get("/orders/1", headers=example.headers)
            assert response.status_code == 401, example
            assert response.json()["error_code"] == example.code, (example, response.json())


@pytest.mark.signed_in_user(dpop=True, role="admin")
async def test_signed_in_user_fixture_with_dpop(signed_in_user: Any, fake_issuer: FakeIssuer) -> None:
    assert isinstance(signed_in_user.dpop_key, DpopKey)
    assert signed_in_user.auth_info.dpop_jkt == signed_in_user.dpop_key.thumbprint
    verifier = TokenVerifier([fake_issuer.issuer_config()], now=fake_issuer.now)
    app = AuthInfoMiddleware(echo_app, verifier=verifier, required=True)
    async with client_for(app) as client:
        by_auth = [await client.post("/orders", auth=signed_in_user.auth) for _ in range(2)]
        by_headers = await client.get(
            "/orders", headers=signed_in_user.headers_for("GET", "http://testserver/orders")
        )
        bearer = await client.get("/orders", headers={"Authorization": f"Bearer {signed_in_user.token}"})
    assert [r.status_code for r in by_auth] == [200, 200]
    assert by_headers.json()["jkt"] == signed_in_user.dpop_key.thumbprint
    assert bearer.status_code == 401
