"""JWKSCache: single flight, max age, unknown-kid cooldown, last good keys, bad bodies skipped."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import anyio
import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from asgi_authinfo import AuthError, InvalidTokenError, IssuerUnavailableError, JWKSCache
from asgi_authinfo._key_set import KeySet
from pytest_plugin import Clock, FakeIssuer

pytestmark = pytest.mark.anyio

URI = "https://keys.example/jwks.json"


class JWKSServer:
    """An httpx transport serving a JWKS body we control, counting requests."""

    def __init__(self, body: Callable[[], Any]) -> None:
        self.body = body
        self.requests = 0
        self.status = 200

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        body = self.body()
        if isinstance(body, Exception):
            raise body
        if isinstance(body, bytes):
            return httpx.Response(self.status, content=body)
        return httpx.Response(self.status, json=body)

    def cache(self, clock: Clock, **options: float) -> JWKSCache:
        client = httpx.AsyncClient(transport=httpx.MockTransport(self.handler))
        return JWKSCache(URI, client=client, clock=clock, **options)


@pytest.fixture
def fake() -> FakeIssuer:
    return FakeIssuer(keys=2)


async def test_concurrent_cold_requests_make_one_fetch(fake: FakeIssuer, clock: Clock) -> None:
    server = JWKSServer(lambda: fake.jwks)
    cache = server.cache(clock)
    found: list[str | None] = []

    async def one() -> None:
        found.append((await cache.key_for(fake.key.kid, "RS256", issuer="i")).kid)

    async with anyio.create_task_group() as group:
        for _ in range(1000):
            group.start_soon(one)
    assert server.requests == 1
    assert found == [fake.key.kid] * 1000


async def test_unknown_kids_cost_one_fetch_per_cooldown(fake: FakeIssuer, clock: Clock) -> None:
    server = JWKSServer(lambda: fake.jwks)
    cache = server.cache(clock, cooldown=30)
    await cache.key_for(fake.key.kid, "RS256", issuer="i")
    rng = random.Random(7)
    for _ in range(10_000):
        with pytest.raises(InvalidTokenError) as caught:
            await cache.key_for(f"kid-{rng.getrandbits(64)}", "RS256", issuer="i")
        assert caught.value.code == "unknown_key"
    assert server.requests == 1  # keys fetched less than a cooldown ago are not refetched
    clock.advance(30)
    for _ in range(10_000):
        with pytest.raises(InvalidTokenError):
            await cache.key_for(f"kid-{rng.getrandbits(64)}", "RS256", issuer="i")
    assert server.requests == 2  # one refetch for the whole next window


async def test_rotation_is_picked_up_by_an_unknown_kid(fake: FakeIssuer, clock: Clock) -> None:
    server = JWKSServer(lambda: fake.jwks)
    cache = server.cache(clock)
    await cache.key_for(fake.key.kid, "RS256", issuer="i")
    clock.advance(31)
    new = fake.rotate_keys(keep_old=False)
    assert (await cache.key_for(new.kid, "RS256", issuer="i")).kid == new.kid
    assert server.requests == 2


async def test_max_age_refetches(fake: FakeIssuer, clock: Clock) -> None:
    server = JWKSServer(lambda: fake.jwks)
    cache = server.cache(clock, max_age=600)
    key = await cache.key_for(fake.key.kid, "RS256", issuer="i")
    clock.advance(599)
    await cache.key_for(fake.key.kid, "RS256", issuer="i")
    assert server.requests == 1
    clock.advance(1)
    await cache.key_for(fake.key.kid, "RS256", issuer="i")
    assert server.requests == 2
    assert cache.holds(key)  # an unchanged key keeps its key object (and what it verified)
    assert await cache.key_for(fake.key.kid, "RS256", issuer="i") is key
    fake.rotate_keys(keep_old=False)
    clock.advance(600)
    await cache.key_for(fake.key.kid, "RS256", issuer="i")
    assert cache.holds(key) is False  # a key that left the JWKS is gone


async def test_failed_refresh_keeps_last_good_keys(fake: FakeIssuer, clock: Clock) -> None:
    bodies: list[Any] = [fake.jwks]
    server = JWKSServer(lambda: bodies[-1])
    cache = server.cache(clock, max_age=60)
    key = await cache.key_for(fake.key.kid, "RS256", issuer="i")
    for broken in (httpx.ConnectError("down"), b"not json", {"keys": "nope"}, {"keys": []}):
        bodies.append(broken)
        clock.advance(61)
        assert await cache.key_for(fake.key.kid, "RS256", issuer="i") is key
    assert cache.holds(key)


async def test_no_keys_and_unreachable_is_503_with_retry_after(clock: Clock) -> None:
    server = JWKSServer(lambda: httpx.ConnectError("connection refused"))
    cache = server.cache(clock, cooldown=30)
    with pytest.raises(IssuerUnavailableError) as caught:
        await cache.key_for("k", "RS256", issuer="https://issuer.example")
    error = caught.value
    assert error.status == 503 and error.code == "issuer_unavailable"
    assert 1 <= error.retry_after <= 5
    assert "https://issuer.example" in error.description
    # Within the back-off no new fetch is made: a flood cannot hammer a down issuer.
    for _ in range(100):
        with pytest.raises(IssuerUnavailableError):
            await cache.key_for("k", "RS256", issuer="i")
    assert server.requests == 1


async def test_http_error_status_is_unavailable(clock: Clock) -> None:
    server = JWKSServer(lambda: {"error": "oops"})
    server.status = 500
    cache = server.cache(clock)
    with pytest.raises(IssuerUnavailableError, match="HTTP 500"):
        await cache.key_for("k", "RS256", issuer="i")


def _rsa_jwk(bits: int, kid: str, **extra: Any) -> dict[str, Any]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits).public_key()
    return {**RSAAlgorithm.to_jwk(key, as_dict=True), "kid": kid, **extra}


async def test_bad_keys_are_skipped_good_ones_kept(fake: FakeIssuer, clock: Clock) -> None:
    p256 = ec.generate_private_key(ec.SECP256R1()).public_key()
    wrong_curve = {**ECAlgorithm.to_jwk(p256, as_dict=True), "kid": "wrong-curve", "crv": "P-384"}
    entries = [
        _rsa_jwk(1024, "weak"),
        _rsa_jwk(2048, "for-encryption", use="enc"),
        _rsa_jwk(2048, "wrong-ops", key_ops=["encrypt"]),
        {"kty": "oct", "k": "c2VjcmV0", "kid": "hmac"},
        {"kty": "RSA", "kid": "broken", "n": "!!", "e": "AQAB"},
        {"kty": "EC", "kid": "no-coords", "crv": "P-256"},
        wrong_curve,
        {"kid": 5, "kty": "RSA"},
        "not an object",
        None,
        fake.key.public_jwk,
    ]
    server = JWKSServer(lambda: {"keys": entries})
    cache = server.cache(clock)
    assert (await cache.key_for(fake.key.kid, "RS256", issuer="i")).kid == fake.key.kid
    assert [key.kid for key in cache.keys] == [fake.key.kid]
    for kid in ("weak", "for-encryption", "wrong-ops", "hmac", "broken", "no-coords", "wrong-curve"):
        with pytest.raises(AuthError):
            await cache.key_for(kid, "RS256", issuer="i")


async def test_private_key_in_jwks_is_never_used() -> None:
    fake = FakeIssuer()
    private = {**RSAAlgorithm.to_jwk(fake.key.private_key, as_dict=True), "kid": "leaked"}
    server = JWKSServer(lambda: {"keys": [private, fake.key.public_jwk]})
    cache = server.cache(Clock())
    await cache.key_for(fake.key.kid, "RS256", issuer="i")
    assert [key.kid for key in cache.keys] == [fake.key.kid]


async def test_unexpected_transport_failure_is_unavailable_not_a_crash(clock: Clock) -> None:
    server = JWKSServer(lambda: RuntimeError("transport bug"))
    cache = server.cache(clock)
    with pytest.raises(IssuerUnavailableError, match="RuntimeError: transport bug"):
        await cache.key_for("k", "RS256", issuer="i")


# -- the key set: built once per fetch, replaced only when the keys change ---------------------------


async def test_key_set_is_replaced_exactly_when_the_keys_change(fake: FakeIssuer, clock: Clock) -> None:
    bodies: list[Any] = [fake.jwks]
    server = JWKSServer(lambda: bodies[-1])
    cache = server.cache(clock, max_age=60, cooldown=30)
    empty = cache.key_set
    assert empty.keys == () and cache.keys == ()
    key = await cache.key_for(fake.key.kid, "RS256", issuer="i")
    first = cache.key_set
    assert first is not empty and first.keys is cache.keys and first.holds(key)
    assert cache.fresh_until == clock() + 60

    clock.advance(60)
    await cache.key_for(fake.key.kid, "RS256", issuer="i")  # refetched, same keys
    assert server.requests == 2 and cache.key_set is first
    assert cache.fresh_until == clock() + 60  # fresh again, though nothing else changed

    bodies.append(httpx.ConnectError("down"))
    clock.advance(60)
    await cache.key_for(fake.key.kid, "RS256", issuer="i")  # failed: the last good set serves
    assert server.requests == 3 and cache.key_set is first
    assert clock() >= cache.fresh_until  # still stale

    new = fake.rotate_keys(keep_old=True)
    bodies.append(fake.jwks)
    clock.advance(5)
    await cache.key_for(new.kid, "RS256", issuer="i")
    second = cache.key_set
    assert second is not first and second.holds(key)  # a kept key keeps its key object
    assert {k.kid for k in second.keys} == {k.kid for k in first.keys} | {new.kid}
    assert len(first.keys) == 2 and not first.holds(second.lookup(new.kid, "RS256", issuer="i"))


def test_key_set_lookup_and_its_refusals(fake: FakeIssuer) -> None:
    key_set = KeySet.from_document(fake.jwks, URI)
    key = key_set.lookup(fake.key.kid, "RS256", issuer="i")
    assert key.kid == fake.key.kid
    assert key_set.lookup(fake.key.kid, "RS256", issuer="i") is key
    assert key_set.find("other", "RS256", issuer="i") is None
    with pytest.raises(InvalidTokenError, match=r"kid` 'other' is not in the issuer's JWKS at") as unknown:
        key_set.lookup("other", "RS256", issuer="i")
    assert unknown.value.code == "unknown_key" and "known kids: " in unknown.value.description
    with pytest.raises(InvalidTokenError, match="no `kid` header and the issuer's JWKS has 2 RS256 keys"):
        key_set.lookup(None, "RS256", issuer="i")
    with pytest.raises(InvalidTokenError, match="which is a RSA key") as mismatch:
        key_set.lookup(fake.key.kid, "ES256", issuer="i")
    assert mismatch.value.code == "algorithm_not_allowed"
    single = KeySet.from_document({"keys": [fake.key.public_jwk]}, URI)
    assert single.lookup(None, "RS256", issuer="i").kid == fake.key.kid  # the only key may go unnamed
    assert KeySet.from_document(fake.jwks, URI, previous=key_set) is key_set
