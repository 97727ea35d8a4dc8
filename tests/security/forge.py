"""Test tooling that builds hostile tokens byte by byte: what an attacker sends, signed with real keys.

PyJWT's ``jwt.encode`` refuses many of these tokens (``alg: none`` with a signature, HMAC keyed
with a PEM public key, a non-object header), so they are assembled here from base64url segments
and raw signature bytes. Signatures still come from PyJWT's algorithm objects and cryptography.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from pytest_plugin import SigningKey


def b64(data: bytes) -> str:
    """Unpadded base64url, as RFC 7515 §2 writes every segment."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def encode_json(value: Any) -> bytes:
    """Compact JSON bytes; bytes given as-is let a test write JSON no encoder would produce."""
    if isinstance(value, bytes):
        return value
    return json.dumps(value, separators=(",", ":")).encode()


def assemble(header: Any, payload: Any, signature: bytes = b"") -> str:
    return f"{b64(encode_json(header))}.{b64(encode_json(payload))}.{b64(signature)}"


def signing_input(header: Any, payload: Any) -> bytes:
    return f"{b64(encode_json(header))}.{b64(encode_json(payload))}".encode()


def sign_raw(key: SigningKey, header: Any, payload: Any, *, alg: str | None = None) -> str:
    """Sign any header and payload bytes with a real private key (PyJWT's algorithm object)."""
    algorithm = jwt.get_algorithm_by_name(alg or key.alg)
    message = signing_input(header, payload)
    signature = algorithm.sign(message, key.private_key)
    return f"{message.decode()}.{b64(signature)}"


def hmac_token(secret: bytes, header: Any, payload: Any, *, hs: str | None = None) -> str:
    """An HMAC token keyed with ``secret`` (e.g. the issuer's public key as PEM); ``hs`` defaults to
    the header's ``alg``, so a header may claim RS256 over an HMAC signature."""
    digest = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}[hs or header["alg"]]
    message = signing_input(header, payload)
    return f"{message.decode()}.{b64(hmac.new(secret, message, digest).digest())}"


def split(token: str) -> tuple[dict[str, Any], dict[str, Any], bytes]:
    header, payload, signature = token.split(".")
    return json.loads(unb64(header)), json.loads(unb64(payload)), unb64(signature)


def with_signature(token: str, signature: bytes) -> str:
    return token.rsplit(".", 1)[0] + "." + b64(signature)


def curve_order(key: SigningKey) -> int:
    """The order ``n`` of an EC key's curve (for r/s out-of-range signatures)."""
    orders = {
        "secp256r1": 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551,
        "secp384r1": int(
            "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF581A0DB248B0A77AECEC196ACCC52973",
            16,
        ),
        "secp521r1": int(
            "01FF"
            + "FFFFFFFF" * 7
            + "FFFFFFFA51868783BF2F966B7FCC0148F709A5D03BB5C9B8899C47AEBB6FB71E91386409",
            16,
        ),
    }
    assert isinstance(key.private_key, ec.EllipticCurvePrivateKey)
    return orders[key.private_key.curve.name]


def ec_size(key: SigningKey) -> int:
    """Bytes of r (and of s) in a raw JOSE ECDSA signature for this key's curve."""
    assert isinstance(key.private_key, ec.EllipticCurvePrivateKey)
    return (key.private_key.curve.key_size + 7) // 8


def rsa_modulus(key: SigningKey) -> int:
    assert isinstance(key.private_key, rsa.RSAPrivateKey)
    return key.private_key.public_key().public_numbers().n
