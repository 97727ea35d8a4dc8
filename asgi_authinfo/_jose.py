"""The JOSE layer: every byte of token parsing and signature checking is PyJWT's and cryptography's.

This module is the one place that touches PyJWT, so the verifier reads as a list of rules.
A token is parsed once (header, payload, signature) and verified with a key built once per JWKS
fetch.
"""

from __future__ import annotations

import binascii
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa
from jwt.algorithms import Algorithm
from jwt.utils import base64url_decode, base64url_encode

from ._errors import InvalidTokenError, shown

__all__ = ["ParsedToken", "VerifyingKey", "key_from_jwk", "parse", "verify_signature"]

MIN_RSA_BITS: Final = 2048
MAX_JSON_DEPTH: Final = 32
"""Deepest nesting of objects and arrays accepted in a token's header or payload."""

_COMPACT: Final = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")

_BASE64URL: Final = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_URL_TO_STD: Final = bytes.maketrans(b"-_", b"+/")
_STD_TO_URL: Final = bytes.maketrans(b"+/", b"-_")


class _PyJWS(jwt.api_jws.PyJWS):
    """PyJWT's JWS, with the common case of its base64url segment check done at C speed.

    PyJWT checks a segment's alphabet byte by byte in Python (about half of ``jwt.decode`` for a
    typical token). A clean, unpadded, canonical segment is decoded here with ``binascii`` alone;
    anything else goes to PyJWT's own check, which accepts or refuses it.
    """

    @staticmethod
    def _decode_base64url_segment(segment: bytes, name: str) -> bytes:
        if len(segment) % 4 != 1 and not segment.translate(None, _BASE64URL):
            decoded = binascii.a2b_base64(segment.translate(_URL_TO_STD) + b"=" * (-len(segment) % 4))
            if binascii.b2a_base64(decoded, newline=False).rstrip(b"=").translate(_STD_TO_URL) == segment:
                return decoded
        return jwt.api_jws.PyJWS._decode_base64url_segment(segment, name)


_JWS: Final = _PyJWS()
_SEGMENTS_CHECKED: Final = hasattr(jwt.api_jws.PyJWS, "_decode_base64url_segment")
"""Whether ``_load`` calls the canonical per-segment check above (PyJWT releases that have it)."""
_ALGORITHMS: Final[dict[str, Algorithm]] = {
    name: _JWS.get_algorithm_by_name(name)
    for name in ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA")
}
_EC_CURVE_FOR_ALG: Final = {"ES256": "secp256r1", "ES384": "secp384r1", "ES512": "secp521r1"}
_JWK_CURVES: Final = {"P-256": "secp256r1", "P-384": "secp384r1", "P-521": "secp521r1"}


@dataclass(frozen=True, slots=True)
class ParsedToken:
    """A compact JWS split and decoded, not yet trusted."""

    header: Mapping[str, Any]
    claims: dict[str, Any]
    signing_input: bytes
    signature: bytes


@dataclass(frozen=True, slots=True, eq=False)
class VerifyingKey:
    """One usable public key from a JWKS, built once per fetch. Identity is the key object."""

    kid: str | None
    kty: str
    alg: str | None
    public_key: Any
    curve: str | None = None

    def fits(self, alg: str) -> bool:
        """Whether a token signed with ``alg`` may be checked with this key (no cross-family use)."""
        if self.alg is not None and self.alg != alg:
            return False
        if alg.startswith(("RS", "PS")):
            return self.kty == "RSA"
        if alg.startswith("ES"):
            return self.kty == "EC" and self.curve == _EC_CURVE_FOR_ALG.get(alg)
        if alg == "EdDSA":
            return self.kty == "OKP"
        return False


def parse(token: str) -> ParsedToken:
    """Split and decode a compact JWS with PyJWT; read its header and payload as strict JSON.

    Strict means: only the unpadded base64url alphabet, a canonical encoding of every segment
    (one token string per signed token, whatever the PyJWT version), UTF-8 JSON objects without
    repeated names, nested at most ``MAX_JSON_DEPTH`` deep (RFC 7515 §2, §4; RFC 8725 §2.6, §3.7).
    """
    if token.count(".") != 2:
        segments = token.count(".") + 1
        hint = " (5 segments: an encrypted JWE, which is not supported)" if segments == 5 else ""
        raise InvalidTokenError(
            f"the token has {segments} segments, a signed JWT has 3{hint}", code="malformed"
        )
    if not _COMPACT.fullmatch(token):
        raise InvalidTokenError(
            "the token has characters outside the unpadded base64url alphabet (RFC 7515 §2)",
            code="malformed",
        )
    try:
        payload, signing_input, _, signature = _JWS._load(token)
        header_bytes = base64url_decode(token[: token.index(".")])
    except (jwt.DecodeError, UnicodeError, ValueError, RecursionError) as exc:
        raise InvalidTokenError(f"the token is not a well-formed JWT ({exc})", code="malformed") from None
    # One spelling per token (no unused bits set): PyJWT versions with a per-segment check have
    # made it already, through _PyJWS above; older ones need it here.
    if not _SEGMENTS_CHECKED and (
        b".".join(map(base64url_encode, (header_bytes, payload, signature))).decode("ascii") != token
    ):
        raise InvalidTokenError("the token is not canonical base64url (RFC 7515 §2)", code="malformed")
    header = _json_object(header_bytes, "header")
    claims = _json_object(payload, "payload")
    return ParsedToken(header, claims, signing_input, signature)


class _RepeatedName(ValueError):
    """A JSON object names the same member twice."""


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for name, _ in pairs:
            if name in seen:
                raise _RepeatedName(name)
            seen.add(name)
    return result


_STRICT_JSON: Final = json.JSONDecoder(object_pairs_hook=_unique)
"""Built once: ``json.loads`` with a hook builds a new decoder on every call."""


def _json_object(data: bytes, part: str) -> dict[str, Any]:
    """Decode one segment as a UTF-8 JSON object, refusing what RFC 7515 and RFC 8259 do not allow."""
    try:
        value = _STRICT_JSON.decode(data.decode("utf-8"))
    except _RepeatedName as exc:
        raise InvalidTokenError(
            f"the token's {part} names {shown(exc.args[0])} twice (RFC 7515 §4: names must be unique)",
            code="malformed",
        ) from None
    except (ValueError, RecursionError):
        raise InvalidTokenError(f"the token's {part} is not valid UTF-8 JSON", code="malformed") from None
    if not isinstance(value, dict):
        raise InvalidTokenError(f"the token's {part} is not a JSON object", code="malformed")
    # Each nested object or array opens with a bracket, so fewer brackets than the limit (the
    # common case, counted at C speed) cannot nest too deep; only then is the tree walked.
    brackets = data.count(b"{") + data.count(b"[")
    if brackets > MAX_JSON_DEPTH and not _nested_within(value, MAX_JSON_DEPTH):
        raise InvalidTokenError(
            f"the token's {part} nests deeper than {MAX_JSON_DEPTH} levels", code="malformed"
        )
    return value


def _nested_within(value: Any, limit: int) -> bool:
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        for child in children:
            if isinstance(child, dict | list):
                if depth >= limit:
                    return False
                stack.append((child, depth + 1))
    return True


def verify_signature(parsed: ParsedToken, alg: str, key: VerifyingKey) -> bool:
    """Check the signature with PyJWT's algorithm object for ``alg`` (already allow-listed)."""
    try:
        return bool(_ALGORITHMS[alg].verify(parsed.signing_input, key.public_key, parsed.signature))
    except Exception:
        return False


def key_from_jwk(jwk: Any) -> VerifyingKey | None:
    """A verifying key from one JWKS entry, or None when it is malformed, not for signing, or weak."""
    if not isinstance(jwk, dict):
        return None
    kty = jwk.get("kty")
    kid = jwk.get("kid")
    alg = jwk.get("alg")
    if kid is not None and not isinstance(kid, str):
        return None
    if alg is not None and alg not in _ALGORITHMS:
        return None
    if jwk.get("use", "sig") != "sig":
        return None
    key_ops = jwk.get("key_ops")
    if key_ops is not None and (not isinstance(key_ops, list) or "verify" not in key_ops):
        return None
    if "d" in jwk or kty not in ("RSA", "EC", "OKP"):
        return None  # a private key published by mistake, or HMAC/unknown key types
    try:
        parsed = jwt.PyJWK(jwk, algorithm=alg or _default_alg(jwk))
    except (jwt.PyJWKError, jwt.InvalidKeyError, ValueError, TypeError, KeyError):
        return None
    public_key = parsed.key
    curve: str | None = None
    if isinstance(public_key, rsa.RSAPublicKey):
        if public_key.key_size < MIN_RSA_BITS:
            return None
    elif isinstance(public_key, ec.EllipticCurvePublicKey):
        curve = public_key.curve.name
        if _JWK_CURVES.get(jwk.get("crv", "")) != curve:
            return None
    elif not isinstance(public_key, ed25519.Ed25519PublicKey | ed448.Ed448PublicKey):
        return None
    key = VerifyingKey(kid=kid, kty=kty, alg=alg, public_key=public_key, curve=curve)
    if alg is not None and not key.fits(alg):
        return None  # e.g. a P-256 key labelled ES384: it could never verify anything
    return key


def _default_alg(jwk: Mapping[str, Any]) -> str:
    kty = jwk.get("kty")
    if kty == "EC":
        return {"P-256": "ES256", "P-384": "ES384", "P-521": "ES512"}.get(jwk.get("crv", ""), "ES256")
    if kty == "OKP":
        return "EdDSA"
    return "RS256"
