"""Key loading refuses what a careful verifier refuses: ROCA-weak RSA moduli (CVE-2017-15361),
oversized moduli, odd exponents, and too many keys under one ``kid``. Each skipped key is logged
with its kid, and the other keys of the set keep working."""

from __future__ import annotations

import base64
import logging
import random
from typing import Any

import httpx
import pytest

from asgi_authinfo import AuthError, Issuer, TokenVerifier
from asgi_authinfo._key_set import MAX_KEYS_PER_KID, KeySet
from asgi_authinfo._rsa_checks import MAX_RSA_BITS, is_roca_weak, rsa_refusal
from pytest_plugin import Clock, FakeIssuer

pytestmark = pytest.mark.anyio

_SMALL_PRIMES = [p for p in range(2, 168) if all(p % d for d in range(2, p))]


def _b64(number: int) -> str:
    return (
        base64.urlsafe_b64encode(number.to_bytes((number.bit_length() + 7) // 8, "big")).rstrip(b"=").decode()
    )


def _probably_prime(n: int, rng: random.Random) -> bool:
    if n < 2 or any(n % p == 0 for p in _SMALL_PRIMES if p < n):
        return n in _SMALL_PRIMES
    d, s = n - 1, 0
    while d % 2 == 0:
        d, s = d // 2, s + 1
    for _ in range(24):
        x = pow(rng.randrange(2, n - 1), d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


def roca_prime(bits: int, rng: random.Random) -> int:
    """A prime as Infineon's library built them: ``k·M + (65537^a mod M)``, M the primorial of 2..167.

    At least ``sqrt(2)·2^(bits-1)``, so the product of two has exactly ``2·bits`` bits."""
    primorial = 1
    for p in _SMALL_PRIMES:
        primorial *= p
    while True:
        k = rng.randrange((0xB505 << (bits - 16)) // primorial + 1, (1 << bits) // primorial - 1)
        candidate = k * primorial + pow(65537, rng.randrange(1, 2**20), primorial)
        if _probably_prime(candidate, rng):
            return candidate


def rsa_jwk(n: int, kid: str, e: int = 65537) -> dict[str, Any]:
    return {"kty": "RSA", "kid": kid, "n": _b64(n), "e": _b64(e), "use": "sig"}


def no_network() -> httpx.AsyncClient:
    def refuse(request: httpx.Request) -> httpx.Response:
        pytest.fail(f"unexpected HTTP request: {request.url}")

    return httpx.AsyncClient(transport=httpx.MockTransport(refuse))


@pytest.fixture(scope="module")
def roca_modulus() -> int:
    rng = random.Random(15361)
    return roca_prime(1024, rng) * roca_prime(1024, rng)


def test_the_roca_fingerprint_flags_a_roca_modulus_and_not_real_keys(roca_modulus: int) -> None:
    assert roca_modulus.bit_length() == 2048
    assert is_roca_weak(roca_modulus)
    for algorithm in ("RS256", "PS256"):
        key = FakeIssuer(algorithm=algorithm).key.private_key.public_key()
        assert not is_roca_weak(key.public_numbers().n)
    rng = random.Random(7)
    assert not any(is_roca_weak(rng.getrandbits(2048) | 1) for _ in range(1000))


async def test_a_roca_key_is_skipped_and_the_good_keys_still_verify(
    roca_modulus: int, caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock(1_800_000_000.0)
    fake = FakeIssuer(now=clock)
    with caplog.at_level(logging.WARNING, logger="asgi_authinfo"):
        issuer = fake.issuer_config(
            jwks_uri=None, jwks={"keys": [rsa_jwk(roca_modulus, "roca"), fake.key.public_jwk]}
        )
    assert "'roca'" in caplog.text and "CVE-2017-15361" in caplog.text
    async with no_network() as client:
        verifier = TokenVerifier([issuer], client=client, now=clock, clock=clock)
        assert (await verifier.verify(fake.token(sub="u"))).subject == "u"
        with pytest.raises(AuthError) as refused:
            await verifier.verify(fake.token(headers={"kid": "roca"}))
    assert refused.value.code == "unknown_key"


async def test_a_16384_bit_key_in_a_jwks_is_skipped_and_the_rest_works(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = Clock(1_800_000_000.0)
    fake = FakeIssuer(now=clock)
    huge = random.Random(16384).getrandbits(16384) | 1 << 16383 | 1  # a public modulus needs no factoring
    document = {"keys": [rsa_jwk(huge, "huge"), fake.key.public_jwk]}
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json=document))
    with caplog.at_level(logging.WARNING, logger="asgi_authinfo"):
        async with httpx.AsyncClient(transport=transport) as client:
            verifier = TokenVerifier([fake.issuer_config()], client=client, now=clock, clock=clock)
            assert (await verifier.verify(fake.token(sub="u"))).subject == "u"
            with pytest.raises(AuthError):
                await verifier.verify(fake.token(headers={"kid": "huge"}))
    assert "'huge'" in caplog.text and f"over the {MAX_RSA_BITS}-bit limit" in caplog.text


@pytest.mark.parametrize(
    ("exponent", "refused"),
    [(65537, False), (3, False), (2**32 - 1, False), (2**32 + 1, True), (65536, True), (1, True)],
)
def test_the_rsa_exponent_is_bounded_and_odd(exponent: int, refused: bool) -> None:
    n = FakeIssuer().key.private_key.public_key().public_numbers().n
    assert (rsa_refusal(n, exponent) is not None) is refused


def test_one_kid_names_a_bounded_number_of_keys(caplog: pytest.LogCaptureFixture) -> None:
    keys = [{**FakeIssuer(f"https://idp{i}.example.com").key.public_jwk, "kid": "same"} for i in range(6)]
    with caplog.at_level(logging.WARNING, logger="asgi_authinfo"):
        key_set = KeySet.from_document({"keys": keys}, "https://idp.example.com/jwks")
    assert len(key_set.by_kid["same"]) == MAX_KEYS_PER_KID
    assert caplog.text.count("keys share its kid") == 6 - MAX_KEYS_PER_KID


def test_a_jwks_of_only_refused_keys_fails_the_issuer(roca_modulus: int) -> None:
    with pytest.raises(ValueError, match="no usable signing keys"):
        Issuer("https://idp.example.com", jwks={"keys": [rsa_jwk(roca_modulus, "roca")]})
