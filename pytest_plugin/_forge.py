"""Forged and damaged tokens for negative tests: what an attacker or a broken client sends.

PyJWT refuses to produce most of these (``alg: none`` variants, a non-string ``kid``, an HMAC
signature keyed with a public key), so segments are encoded with PyJWT's base64url and signed with
PyJWT's algorithm objects, and only joined here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Final

from jwt.algorithms import get_default_algorithms
from jwt.utils import base64url_decode, base64url_encode

from ._keys import SigningKey

__all__ = ["b64", "decode_segment", "forge", "json_bytes", "replace_segment", "segments"]

_ALGORITHMS: Final = get_default_algorithms()


def json_bytes(value: Any) -> bytes:
    """Compact JSON, as PyJWT encodes headers and payloads."""
    return json.dumps(value, separators=(",", ":")).encode()


def b64(data: bytes) -> str:
    return base64url_encode(data).decode("ascii")


def segments(token: str) -> list[str]:
    return token.split(".")


def decode_segment(segment: str) -> bytes:
    return base64url_decode(segment.encode("ascii"))


def replace_segment(token: str, index: int, segment: str) -> str:
    """``token`` with segment ``index`` (0 header, 1 payload, 2 signature) replaced, nothing re-signed."""
    parts = segments(token)
    parts[index] = segment
    return ".".join(parts)


def forge(
    header: Mapping[str, Any],
    payload: Mapping[str, Any] | bytes,
    *,
    key: SigningKey | None = None,
    alg: str | None = None,
    secret: bytes | None = None,
) -> str:
    """A compact JWS with exactly ``header``, signed by ``key`` (as ``alg``), by HMAC with ``secret``
    (``alg`` is then an ``HS*``), or unsigned (empty signature) when neither is given."""
    body = payload if isinstance(payload, bytes) else json_bytes(dict(payload))
    signing_input = f"{b64(json_bytes(dict(header)))}.{b64(body)}".encode("ascii")
    signature = b""
    if secret is not None:
        signature = _ALGORITHMS[alg or "HS256"].sign(signing_input, secret)
    elif key is not None:
        signature = _ALGORITHMS[alg or key.alg].sign(signing_input, key.private_key)
    return f"{signing_input.decode('ascii')}.{b64(signature)}"
