"""Pooled signing keys: one per family, owner and index; stranger keys; PEM for key-confusion tests."""

from __future__ import annotations

import jwt
import pytest

from pytest_plugin import ALGORITHMS
from pytest_plugin._keys import signing_key, stranger_key


@pytest.mark.parametrize("alg", ALGORITHMS)
def test_each_algorithm_signs_what_its_public_jwk_verifies(alg: str) -> None:
    key = signing_key(alg, 0, "k1", owner="https://keys.test")
    token = key.sign({"sub": "u", "iss": 7}, {"typ": "at+jwt"})
    public = jwt.PyJWK(key.public_jwk).key
    assert jwt.decode(token, public, algorithms=[alg], options={"verify_iss": False}) == {
        "sub": "u",
        "iss": 7,
    }
    assert jwt.get_unverified_header(token) == {"alg": alg, "kid": "k1", "typ": "at+jwt"}
    assert key.public_jwk["kid"] == "k1" and "d" not in key.public_jwk
    assert key.public_pem.startswith(b"-----BEGIN PUBLIC KEY-----")


def test_keys_are_generated_once_per_family_owner_and_index() -> None:
    first = signing_key("RS256", 0, "a", owner="https://one.test")
    assert signing_key("PS256", 0, "b", owner="https://one.test").private_key is first.private_key
    assert signing_key("RS256", 1, "c", owner="https://one.test").private_key is not first.private_key
    assert signing_key("RS256", 0, "d", owner="https://two.test").private_key is not first.private_key
    assert stranger_key("RS256", "a").private_key is not first.private_key


def test_unknown_algorithms_are_refused() -> None:
    with pytest.raises(ValueError, match="fake issuers sign with RS256"):
        signing_key("HS256", 0, "k")
