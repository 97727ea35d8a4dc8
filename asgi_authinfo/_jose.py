"""The JOSE layer: a strict compact-JWS parser of our own, and signature checks by cryptography.

Ours (this module, standard library only): splitting a compact JWS (RFC 7515 §7.1), the unpadded
base64url alphabet, one canonical spelling per segment (RFC 4648 §3.5), one decode per segment,
and strict JSON (UTF-8, objects, unique names, bounded nesting). PyJWT's, through its public API:
reading a JWK into a public key (``jwt.PyJWK``) and the PS algorithm objects
(``get_default_algorithms``). RS*, ES* and EdDSA signatures go to cryptography directly, as
PyJWT's own objects would send them (an ES* signature of the wrong length is a bad signature). No other module
imports PyJWT or cryptography: the rest calls ``parse``, ``key_from_jwk`` and ``verify_signature``.
"""

from __future__ import annotations

import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, NamedTuple

import jwt
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from jwt.algorithms import Algorithm, get_default_algorithms

from ._errors import InvalidTokenError, shown
from ._rsa_checks import MIN_RSA_BITS, rsa_refusal

__all__ = [
    "MAX_JSON_DEPTH",
    "MIN_RSA_BITS",
    "ParsedToken",
    "VerifyingKey",
    "jwk_from_pem",
    "key_build",
    "key_from_jwk",
    "parse",
    "verify_signature",
]

MAX_JSON_DEPTH: Final = 32
"""Deepest nesting of objects and arrays accepted in a token's header or payload."""

_COMPACT: Final = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."
_URL_TO_STD: Final = bytes.maketrans(b"-_", b"+/")
_PADDING: Final = (b"", b"", b"==", b"=")
_CANONICAL_LAST: Final = (b"", b"", b"AQgw", b"AEIMQUYcgkosw048")
"""By segment length mod 4: the last characters whose unused low bits are zero (RFC 4648 §3.5)."""

_HEADERS_KEPT: Final = 64
_HEADER_CHARS_KEPT: Final = 512
_HEADERS: dict[bytes, dict[str, Any]] = {}
"""Decoded headers by segment: an issuer's tokens share one or two. Full means cleared, so a flood
of made-up headers can only evict; only flat headers are kept and each parse gets its own copy."""

_ALGORITHMS: Final[dict[str, Algorithm]] = {
    name: algorithm
    for name, algorithm in get_default_algorithms().items()
    if name in ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA")
}
_ALGORITHMS["Ed25519"] = _ALGORITHMS["Ed448"] = _ALGORITHMS["EdDSA"]
"""RFC 9864's fully-specified names: the same check, with the key's curve pinned by ``fits``."""
_PKCS1: Final = padding.PKCS1v15()
_RSA_HASHES: Final = {"RS256": hashes.SHA256(), "RS384": hashes.SHA384(), "RS512": hashes.SHA512()}
_ECDSA: Final = {
    "ES256": ec.ECDSA(hashes.SHA256()),
    "ES384": ec.ECDSA(hashes.SHA384()),
    "ES512": ec.ECDSA(hashes.SHA512()),
}
_EDDSA: Final = frozenset({"EdDSA", "Ed25519", "Ed448"})
_EC_CURVE_FOR_ALG: Final = {"ES256": "secp256r1", "ES384": "secp384r1", "ES512": "secp521r1"}
_JWK_CURVES: Final = {"P-256": "secp256r1", "P-384": "secp384r1", "P-521": "secp521r1"}


class ParsedToken(NamedTuple):
    """A compact JWS split and decoded, not yet trusted.

    A named tuple rather than a frozen dataclass: one is built per new token, at a third of the cost.
    """

    header: Mapping[str, Any]
    claims: dict[str, Any]
    signing_input: bytes
    signature: bytes
    payload: bytes = b""
    """The payload's JSON text, as decoded from base64url (the token cache sizes entries by it)."""


@dataclass(frozen=True, slots=True, eq=False)
class VerifyingKey:
    """One usable public key from a JWKS, built once per fetch. Identity is the key object."""

    kid: str | None
    kty: str
    alg: str | None
    public_key: Any
    curve: str | None = None

    def fits(self, alg: str, allowed: tuple[str, ...] = ()) -> bool:
        """Whether a token signed with ``alg`` may be checked with this key (no cross-family use).

        RFC 9864: a key labelled ``EdDSA`` and a token labelled ``Ed25519`` (or the reverse) name
        the same check, but they fit only when the issuer ``allowed`` both names.
        """
        if (
            self.alg is not None
            and self.alg != alg
            and not (self.alg in allowed and {self.alg, alg} == {"EdDSA", self.curve})
        ):
            return False
        if alg.startswith(("RS", "PS")):
            return self.kty == "RSA"
        if alg.startswith("ES"):
            return self.kty == "EC" and self.curve == _EC_CURVE_FOR_ALG.get(alg)
        if alg == "EdDSA":
            return self.kty == "OKP"
        if alg == "Ed25519" or alg == "Ed448":
            return self.kty == "OKP" and self.curve == alg
        return False


def parse(token: str) -> ParsedToken:
    """Split and decode a compact JWS; read its header and payload as strict JSON.

    Strict means: only the unpadded base64url alphabet, a canonical encoding of every segment
    (one token string per signed token), UTF-8 JSON objects without repeated names, nested at
    most ``MAX_JSON_DEPTH`` deep, and no unencoded payload (RFC 7515 §2, §4, §7.1; RFC 7797;
    RFC 8725 §2.6, §3.7).
    """
    data = token.encode("ascii", "replace")  # anything else becomes "?", outside the alphabet
    segments = data.split(b".")
    if len(segments) != 3:
        hint = " (5 segments: an encrypted JWE, which is not supported)" if len(segments) == 5 else ""
        if len(segments) == 1:
            raise InvalidTokenError(
                "the token is not a JWT (opaque access token?): ask the provider for a JWT access "
                "token, e.g. by requesting it for your API's audience",
                code="malformed",
            )
        raise InvalidTokenError(
            f"the token has {len(segments)} segments, a signed JWT has 3{hint}", code="malformed"
        )
    if data.translate(None, _COMPACT):
        raise InvalidTokenError(
            "the token has characters outside the unpadded base64url alphabet (RFC 7515 §2)",
            code="malformed",
        )
    header_segment, payload_segment, signature_segment = segments
    header = _HEADERS.get(header_segment)
    if header is None:
        header = _header(header_segment)
    if not payload_segment:
        raise InvalidTokenError("the token's payload segment is empty", code="malformed")
    payload = _decoded(payload_segment, "payload")
    claims = _json_object(payload, "payload")
    signature = _decoded(signature_segment, "signature")
    signing_input = data[: len(header_segment) + 1 + len(payload_segment)]
    return ParsedToken(header.copy(), claims, signing_input, signature, payload)


def _header(segment: bytes) -> dict[str, Any]:
    """Decode a header segment not seen lately, and keep it if it is short and flat."""
    if not segment:
        raise InvalidTokenError("the token's header segment is empty", code="malformed")
    header = _json_object(_decoded(segment, "header"), "header")
    if header.get("b64", True) is False:
        raise InvalidTokenError(
            "the token's header sets `b64` to false (an unencoded payload, RFC 7797), "
            "which bearer tokens never use",
            code="malformed",
        )
    if len(segment) <= _HEADER_CHARS_KEPT and all(
        value is None or isinstance(value, str | int | float) for value in header.values()
    ):
        if len(_HEADERS) >= _HEADERS_KEPT:
            _HEADERS.clear()
        _HEADERS[segment] = header
    return header


def _decoded(segment: bytes, part: str) -> bytes:
    """One base64url segment (alphabet already checked) to bytes, if it is the canonical spelling."""
    rest = len(segment) & 3
    if rest == 1 or (rest and segment[-1] not in _CANONICAL_LAST[rest]):
        raise InvalidTokenError(
            f"the token's {part} is not canonical base64url (RFC 7515 §2, RFC 4648 §3.5)",
            code="malformed",
        )
    return binascii.a2b_base64(segment.translate(_URL_TO_STD) + _PADDING[rest])


class _RepeatedName(ValueError):
    """A JSON object names the same member twice."""


_NAMES_KEPT: Final = 256
_NAME_CHARS_KEPT: Final = 64
_NAMES: dict[str, str] = {}
"""Member names seen lately, so the claims of cached tokens share one copy of ``"email"``. Bounded
like the header cache: full means cleared, and only short names are kept."""


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    if len(_NAMES) >= _NAMES_KEPT:
        _NAMES.clear()
    shared = _NAMES.setdefault
    result = {shared(name, name) if len(name) <= _NAME_CHARS_KEPT else name: value for name, value in pairs}
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
        text = data.decode("utf-8")
        try:  # the common case: no whitespace around the value
            value, end = _STRICT_JSON.raw_decode(text)
        except json.JSONDecodeError:
            end = -1
        if end != len(text):  # whitespace around it, or not JSON: decode() accepts or says why
            value = _STRICT_JSON.decode(text)
    except _RepeatedName as exc:
        raise InvalidTokenError(
            f"the token's {part} names {shown(exc.args[0])} twice (RFC 7515 §4: names must be unique)",
            code="malformed",
        ) from None
    except (ValueError, RecursionError):
        raise InvalidTokenError(f"the token's {part} is not valid UTF-8 JSON", code="malformed") from None
    if type(value) is not dict:
        raise InvalidTokenError(f"the token's {part} is not a JSON object", code="malformed")
    # Each nested object or array opens with a bracket, so fewer brackets than the limit (the
    # common case, counted at C speed) cannot nest too deep; only then is the tree walked.
    if data.count(b"{") + data.count(b"[") > MAX_JSON_DEPTH and not _nested_within(value, MAX_JSON_DEPTH):
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
    """Whether the signature verifies with ``key`` under ``alg`` (already allow-listed and fitted).

    A bad signature, whatever its length, is ``False``: cryptography raises ``InvalidSignature``
    and PyJWT's algorithm objects turn that (and an unreadable ECDSA signature) into ``False``.
    Anything else, such as a key object of the wrong type, is a bug and propagates.
    """
    rsa_hash = _RSA_HASHES.get(alg)
    try:
        if rsa_hash is not None:
            key.public_key.verify(parsed.signature, parsed.signing_input, _PKCS1, rsa_hash)
            return True
        if alg in _EDDSA:
            key.public_key.verify(parsed.signature, parsed.signing_input)
            return True
        ecdsa = _ECDSA.get(alg)
        if ecdsa is not None:  # JWS carries r || s, each the curve's size (RFC 7518 §3.4)
            signature = parsed.signature
            size = (key.public_key.curve.key_size + 7) // 8
            if len(signature) != 2 * size:
                return False
            r, s = int.from_bytes(signature[:size], "big"), int.from_bytes(signature[size:], "big")
            key.public_key.verify(encode_dss_signature(r, s), parsed.signing_input, ecdsa)
            return True
        return _ALGORITHMS[alg].verify(parsed.signing_input, key.public_key, parsed.signature)
    except InvalidSignature:
        return False


def key_from_jwk(jwk: Any) -> VerifyingKey | None:
    """A verifying key from one JWKS entry, or None when it is malformed, not for signing, or weak."""
    key = key_build(jwk)
    return key if isinstance(key, VerifyingKey) else None


def key_build(jwk: Any) -> VerifyingKey | str:
    """A verifying key from one JWKS entry, or why it cannot be one (a line for the log)."""
    if not isinstance(jwk, dict):
        return "not a JSON object"
    kty = jwk.get("kty")
    kid = jwk.get("kid")
    alg = jwk.get("alg")
    if kid is not None and not isinstance(kid, str):
        return "its kid is not a string"
    if alg is not None and alg not in _ALGORITHMS:
        return f"its alg {shown(alg)} is not an asymmetric JWS algorithm"
    if jwk.get("use", "sig") != "sig":
        return "it is not for signatures (use)"
    key_ops = jwk.get("key_ops")
    if key_ops is not None and (not isinstance(key_ops, list) or "verify" not in key_ops):
        return "it is not for verifying (key_ops)"
    if "d" in jwk:
        return "it is a private key, published by mistake"
    if kty not in ("RSA", "EC", "OKP"):
        return f"its kty {shown(kty)} is not RSA, EC or OKP"
    try:
        parsed = jwt.PyJWK(jwk, algorithm="EdDSA" if kty == "OKP" else alg or _default_alg(jwk))
    except (jwt.PyJWKError, jwt.InvalidKeyError, ValueError, TypeError, KeyError):
        return "it is malformed"
    public_key = parsed.key
    curve: str | None = None
    if isinstance(public_key, rsa.RSAPublicKey):
        numbers = public_key.public_numbers()
        refusal = rsa_refusal(numbers.n, numbers.e)
        if refusal is not None:
            return refusal
    elif isinstance(public_key, ec.EllipticCurvePublicKey):
        curve = public_key.curve.name
        if _JWK_CURVES.get(jwk.get("crv", "")) != curve:
            return "its crv does not name its curve"
    elif isinstance(public_key, ed25519.Ed25519PublicKey):
        curve = "Ed25519"
    elif isinstance(public_key, ed448.Ed448PublicKey):
        curve = "Ed448"
    else:
        return "it is not a signing key type"
    key = VerifyingKey(kid=kid, kty=kty, alg=alg, public_key=public_key, curve=curve)
    if alg is not None and not key.fits(alg):
        return f"it can never verify its own alg {alg}"  # e.g. a P-256 key labelled ES384
    return key


def jwk_from_pem(pem: str) -> dict[str, Any]:
    """The public JWK of one PEM public key (``-----BEGIN PUBLIC KEY-----``), for local key sets."""
    try:
        public_key = serialization.load_pem_public_key(pem.encode())
    except (ValueError, TypeError) as exc:
        raise ValueError(f"public_key is not a PEM public key ({exc})") from None
    algorithm = get_default_algorithms()[
        "RS256" if isinstance(public_key, rsa.RSAPublicKey)
        else "ES256" if isinstance(public_key, ec.EllipticCurvePublicKey)
        else "EdDSA"
    ]  # fmt: skip
    try:
        jwk: dict[str, Any] = algorithm.to_jwk(public_key, as_dict=True)
    except (ValueError, TypeError, jwt.InvalidKeyError) as exc:
        raise ValueError(f"public_key is not an RSA, EC or Ed25519/Ed448 key ({exc})") from None
    return jwk


def _default_alg(jwk: Mapping[str, Any]) -> str:
    kty = jwk.get("kty")
    if kty == "EC":
        return {"P-256": "ES256", "P-384": "ES384", "P-521": "ES512"}.get(jwk.get("crv", ""), "ES256")
    if kty == "OKP":
        return "EdDSA"
    return "RS256"
