"""Signing keys for fake issuers: real keys, generated once per process and reused (RSA is slow).

Keys are pooled by key family, owner and index: the same fake issuer URL gets the same keys in
every test of a session, while two different fake issuers never share key material (so a token
signed by one is really refused by the other), and "stranger" keys that no issuer publishes are
available for forged-token tests.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from typing import Any, Final

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm

__all__ = ["ALGORITHMS", "KeyRing", "SigningKey", "signing_key", "stranger_key"]

_FAMILY: Final = {
    "RS256": "RSA",
    "RS384": "RSA",
    "RS512": "RSA",
    "PS256": "RSA",
    "PS384": "RSA",
    "PS512": "RSA",
    "ES256": "P-256",
    "ES384": "P-384",
    "ES512": "P-521",
    "EdDSA": "Ed25519",
}
ALGORITHMS: Final = tuple(_FAMILY)
"""Every algorithm a fake issuer can sign with (the asymmetric JWS algorithms)."""

_CURVES: Final[dict[str, ec.EllipticCurve]] = {
    "P-256": ec.SECP256R1(),
    "P-384": ec.SECP384R1(),
    "P-521": ec.SECP521R1(),
}
_STRANGER: Final = "\0stranger"


@dataclass(frozen=True, slots=True)
class SigningKey:
    """A private key, its ``kid`` and ``alg``, and the public JWK a JWKS lists for it."""

    kid: str
    alg: str
    private_key: Any

    @property
    def public_jwk(self) -> dict[str, Any]:
        public = self.private_key.public_key()
        if isinstance(public, rsa.RSAPublicKey):
            data = RSAAlgorithm.to_jwk(public, as_dict=True)
        elif isinstance(public, ec.EllipticCurvePublicKey):
            data = ECAlgorithm.to_jwk(public, as_dict=True)
        else:
            data = OKPAlgorithm.to_jwk(public, as_dict=True)
        return {**json.loads(json.dumps(data)), "kid": self.kid, "alg": self.alg, "use": "sig"}

    @property
    def public_pem(self) -> bytes:
        """The public key as PEM: what an HMAC key-confusion attack uses as its "secret"."""
        pem: bytes = self.private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return pem

    def sign(self, claims: dict[str, Any], headers: dict[str, Any] | None = None) -> str:
        """Sign ``claims`` as they are (even a non-string ``iss``, for negative tests); a header
        given as ``None`` (e.g. ``{"kid": None}``) is left out."""
        merged = {"kid": self.kid, **(headers or {})}
        # PyJWT adds typ "JWT" unless told typ None, so that None is passed on (and drops it).
        kept = {name: value for name, value in merged.items() if value is not None or name == "typ"}
        payload = json.dumps(claims, separators=(",", ":")).encode()
        return jwt.api_jws.encode(payload, self.private_key, algorithm=self.alg, headers=kept)


_pool: dict[tuple[str, str, int], Any] = {}
_lock = threading.Lock()


def _generate(family: str) -> Any:
    if family == "RSA":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    if family == "Ed25519":
        return ed25519.Ed25519PrivateKey.generate()
    return ec.generate_private_key(_CURVES[family])


def signing_key(alg: str, index: int, kid: str, *, owner: str = "") -> SigningKey:
    """The ``index``-th pooled key of ``owner`` for ``alg``'s key family, labelled ``kid``."""
    family = _FAMILY.get(alg)
    if family is None:
        raise ValueError(f"fake issuers sign with {', '.join(_FAMILY)}; got {alg!r}")
    with _lock:
        private = _pool.get((family, owner, index))
        if private is None:
            private = _pool[(family, owner, index)] = _generate(family)
    return SigningKey(kid=kid, alg=alg, private_key=private)


def stranger_key(alg: str, kid: str) -> SigningKey:
    """A key of ``alg``'s family that no fake issuer publishes, labelled ``kid`` (for forgeries)."""
    return signing_key(alg, 0, kid, owner=_STRANGER)


class KeyRing:
    """One fake issuer's keys: those it signs with (the newest first) and those its JWKS lists.

    Keys are labelled ``fake-<alg>-<n>`` and drawn from the pool of ``owner`` (see :func:`signing_key`).
    """

    def __init__(self, alg: str, *, owner: str, count: int) -> None:
        if count < 1:
            raise ValueError("a fake issuer needs at least one key")
        self.alg = alg
        self.owner = owner
        self._minted = 0
        self.signing: list[SigningKey] = [self._new() for _ in range(count)]
        self.published: list[SigningKey] = list(self.signing)

    def _new(self) -> SigningKey:
        index = self._minted
        self._minted += 1
        return signing_key(self.alg, index, f"fake-{self.alg.lower()}-{index}", owner=self.owner)

    def rotate(self, *, keep_old: bool = True) -> SigningKey:
        """Sign with a new key from now on; keep the old ones in the JWKS or remove them."""
        new = self._new()
        self.signing.insert(0, new)
        self.published = [new, *self.published] if keep_old else [new]
        return new
