"""``Clock``: a frozen, settable wall clock shared by a fake issuer and a verifier.

Expiry tests then move time instead of sleeping: mint a token, ``clock.advance(3600)``, verify.
"""

from __future__ import annotations

import time

__all__ = ["Clock"]


class Clock:
    """A callable returning a frozen Unix time; pass it as ``FakeIssuer(now=...)`` and
    ``TokenVerifier(now=..., clock=...)`` so minting and checking agree on "now".

    It only moves when told to, so it also serves as the verifier's monotonic clock (JWKS ages).
    """

    __slots__ = ("_value",)

    def __init__(self, start: float | None = None) -> None:
        self._value = float(time.time() if start is None else start)

    def __call__(self) -> float:
        return self._value

    def __repr__(self) -> str:
        return f"Clock({self._value!r})"

    @property
    def time(self) -> float:
        """The current frozen time."""
        return self._value

    def advance(self, seconds: float) -> float:
        """Move forward by ``seconds`` (never backwards: JWKS ages must not run back); return now."""
        if seconds < 0:
            raise ValueError("a Clock only moves forward; use set() to start again at an earlier time")
        self._value += seconds
        return self._value

    def set(self, timestamp: float) -> float:
        """Jump to ``timestamp`` (Unix seconds); return it."""
        self._value = float(timestamp)
        return self._value
