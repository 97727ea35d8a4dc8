"""Hostile or broken keys in the issuer's JWKS (RFC 7517 §4, RFC 8725 §3.5, NIST SP 800-131A):
each is skipped, tokens it would verify are refused, and the good keys beside it keep working."""

from __future__ import annotations

import base64
import functools
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from pytest_plugin import SigningKey

from .conftest import Target, make_target
from .forge import b64, sign_raw

pytestmark = pytest.mark.anyio


@pytest.fixture
def algorithm() -> str:
    return "RS256"


def jwk_of(public: Any, **extra: Any) -> dict[str, Any]:
    if isinstance(public, rsa.RSAPublicKey):
        data = dict(RSAAlgorithm.to_jwk(public, as_dict=True))
    else:
        data = dict(ECAlgorithm.to_jwk(public, as_dict=True))
    return {**data, **extra}


def int_b64(value: int) -> str:
    return b64(value.to_bytes((value.bit_length() + 7) // 8 or 1, "big"))


@functools.cache
def rsa_key(bits: int) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


@functools.cache
def bad_keys() -> dict[str, tuple[dict[str, Any], SigningKey | None]]:
    """Name -> (the JWKS entry, published under kid 'bad', and the private key that matches it)."""
    weak, medium, strong = rsa_key(1024), rsa_key(1536), rsa_key(2048)
    p384 = ec.generate_private_key(ec.SECP384R1())
    p256 = ec.generate_private_key(ec.SECP256R1())
    p256_jwk = jwk_of(p256.public_key())
    strong_jwk = jwk_of(strong.public_key())
    y_plus_one = int.from_bytes(base64.urlsafe_b64decode(p256_jwk["y"] + "=="), "big") + 1

    def signer(private: Any, alg: str = "RS256") -> SigningKey:
        return SigningKey("bad", alg, private)

    return {
        "rsa-1024": (jwk_of(weak.public_key(), alg="RS256"), signer(weak)),
        "rsa-1536": (jwk_of(medium.public_key(), alg="RS256"), signer(medium)),
        "rsa-private-d-published": ({**strong_jwk, "d": int_b64(strong.private_numbers().d)}, signer(strong)),
        "rsa-e-1": ({"kty": "RSA", "n": strong_jwk["n"], "e": int_b64(1), "alg": "RS256"}, None),
        "rsa-n-not-base64": ({"kty": "RSA", "n": "!!!not-base64!!!", "e": "AQAB", "alg": "RS256"}, None),
        "rsa-n-missing": ({"kty": "RSA", "e": "AQAB", "alg": "RS256"}, None),
        "rsa-n-number": ({"kty": "RSA", "n": 12345, "e": "AQAB", "alg": "RS256"}, None),
        "ec-wrong-curve-label": (
            {**jwk_of(p384.public_key()), "crv": "P-256", "alg": "ES256"},
            signer(p384, "ES384"),
        ),
        "ec-point-not-on-curve": ({**p256_jwk, "y": int_b64(y_plus_one)}, None),
        "ec-secp256k1": ({**p256_jwk, "crv": "secp256k1", "alg": "ES256K"}, signer(p256, "ES256")),
        "ec-alg-curve-mismatch": ({**p256_jwk, "alg": "ES384"}, signer(p256, "ES256")),
        "oct-hmac": ({"kty": "oct", "k": b64(b"secret" * 8), "alg": "HS256"}, None),
        "use-enc": ({**strong_jwk, "use": "enc"}, signer(strong)),
        "key-ops-encrypt": ({**strong_jwk, "key_ops": ["encrypt"]}, signer(strong)),
        "key-ops-not-a-list": ({**strong_jwk, "key_ops": "verify"}, signer(strong)),
        "alg-none": ({**strong_jwk, "alg": "none"}, signer(strong)),
        "alg-hs256": ({**strong_jwk, "alg": "HS256"}, signer(strong)),
        "kid-not-a-string": ({**strong_jwk, "kid": 7}, signer(strong)),
        "kty-missing": ({"n": strong_jwk["n"], "e": "AQAB"}, signer(strong)),
        "kty-unknown": ({"kty": "PQC", "pub": "AAAA"}, None),
        "okp-x25519": ({"kty": "OKP", "crv": "X25519", "x": b64(bytes(32))}, None),
    }


BAD = list(bad_keys())


async def allowing(target: Target, private: SigningKey | None) -> Target:
    algorithms = sorted({"RS256", private.alg}) if private is not None else ["RS256"]
    return await make_target(target.fake, target.network, target.fake.now, algorithms=algorithms)


def signed_by(target: Target, private: SigningKey) -> str:
    """A token the bad key would verify (``sign_raw``: PyJWT's encoder refuses weak keys outright)."""
    return sign_raw(
        private, {"alg": private.alg, "kid": private.kid}, target.fake.default_claims(), alg=private.alg
    )


@pytest.mark.parametrize("name", BAD)
async def test_bad_key_is_skipped_and_good_keys_still_work(target: Target, name: str) -> None:
    entry, private = bad_keys()[name]
    target.network.jwks = {"keys": [{"kid": "bad", **entry}, target.fake.key.public_jwk]}
    issuer = await allowing(target, private)
    await issuer.accept(target.fake.token())
    if private is not None:
        await issuer.refuse(signed_by(target, private), "unknown_key")


@pytest.mark.parametrize("name", BAD)
async def test_a_key_set_of_only_bad_keys_is_unavailable_not_open(target: Target, name: str) -> None:
    entry, private = bad_keys()[name]
    target.network.jwks = {"keys": [{"kid": target.fake.key.kid, **entry}]}
    issuer = await allowing(target, private)
    tokens = [target.fake.token()] + ([signed_by(target, private)] if private is not None else [])
    for token in tokens:
        error = await issuer.refuse(token, "issuer_unavailable")
        assert error.status == 503


@pytest.mark.parametrize(
    "document",
    [
        {"keys": "nope"},
        {"keys": None},
        {"keys": [1, "two", None, [], {}]},
        [],
        "keys",
        1,
        None,
        {"nokeys": []},
    ],
)
async def test_malformed_key_set_documents(target: Target, document: Any) -> None:
    target.network.jwks = document
    await target.refuse(target.fake.token(), "issuer_unavailable")
    target.network.jwks = {"keys": [1, "two", None, {}, target.fake.key.public_jwk]}
    fresh = await make_target(target.fake, target.network, target.fake.now)
    await fresh.accept(target.fake.token())
