"""DPoP server nonces (RFC 9449 §8): the server says which ``nonce`` a proof must carry.

A proof made with a server nonce cannot have been made before the server issued it, so a stolen
key cannot pre-compute proofs for later. ``SignedNonces`` needs no shared state: a nonce is a
time and its HMAC, so every replica given the same secret accepts every replica's nonces.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
import secrets
import time
from collections.abc import Callable
from typing import Protocol, runtime_checkable

__all__ = ["NonceSource", "SignedNonces"]


@runtime_checkable
class NonceSource(Protocol):
    """Issues the nonce clients must put in their proofs, and says whether a nonce is still good."""

    def current(self) -> str: ...

    def accepts(self, nonce: str) -> bool: ...


class SignedNonces:
    """Stateless nonces: a new one every ``lifetime / 2`` seconds, each accepted for ``lifetime``.

    Give every replica the same ``secret`` (32 random bytes or more); without one, a random secret
    is made, which suits a single process.
    """

    def __init__(
        self, secret: bytes | None = None, *, lifetime: float = 300.0, now: Callable[[], float] = time.time
    ) -> None:
        if secret is not None and (not isinstance(secret, bytes) or len(secret) < 32):
            raise ValueError("the nonce secret must be at least 32 bytes")
        if not isinstance(lifetime, int | float) or math.isnan(lifetime) or lifetime < 2:
            raise ValueError(f"lifetime must be a number of seconds >= 2, got {lifetime!r}")
        self._secret = secret if secret is not None else secrets.token_bytes(32)
        self.lifetime = float(lifetime)
        self._now = now

    def _mac(self, stamp: str) -> str:
        digest = hmac.new(self._secret, stamp.encode(), hashlib.sha256).digest()[:16]
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    def current(self) -> str:
        step = self.lifetime / 2
        stamp = str(int(self._now() // step * step))
        return f"{stamp}.{self._mac(stamp)}"

    def accepts(self, nonce: str) -> bool:
        stamp, _, mac = nonce.partition(".")
        if not stamp.isdigit() or len(stamp) > 12 or not hmac.compare_digest(mac, self._mac(stamp)):
            return False
        return 0 <= self._now() - int(stamp) <= self.lifetime
