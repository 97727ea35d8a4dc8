"""Outcomes of token verification for logs and metrics: one ``Outcome`` per token, never the token.

``TokenVerifier(observer=...)`` (and ``AuthInfoMiddleware(observer=...)``) call the observer with
each outcome, so Prometheus, OpenTelemetry or StatsD can count them without this package
depending on any of them. Every refusal is also logged at INFO on the ``asgi_authinfo`` logger
with its code, issuer, ``kid`` and a short token fingerprint that ``inspect`` prints too.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from typing import Final, Literal, Protocol

from ._auth_info import AuthInfo
from ._construct import constructor
from ._errors import AuthError, ErrorCode, shown

__all__ = ["Observer", "Outcome", "fingerprint", "observe", "report"]

logger = logging.getLogger("asgi_authinfo")

FINGERPRINT_LENGTH: Final = 8


def fingerprint(token: str) -> str:
    """The first 8 hex digits of the token's SHA-256: correlates log lines, reveals nothing usable."""
    digest = hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()
    return digest[:FINGERPRINT_LENGTH]


@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened to one token.

    ``issuer`` is a configured issuer (``None`` when none matched), so it is safe as a metric
    label. ``kid`` comes from the token header and, on refusals, is whatever the caller sent:
    log it, but do not use it as a label. ``duration`` is in seconds.
    """

    accepted: bool
    code: ErrorCode | None
    issuer: str | None
    kid: str | None
    duration: float
    fingerprint: str
    status: int = 200

    @property
    def outcome(self) -> Literal["accepted", "refused"]:
        return "accepted" if self.accepted else "refused"


_new_outcome: Final = constructor(Outcome)


class Observer(Protocol):
    """Called once per verified or refused token, inline: keep it fast and non-blocking."""

    def __call__(self, outcome: Outcome, /) -> None: ...


def observe(
    token: str,
    result: AuthInfo | AuthError,
    duration: float,
    observer: Observer | None,
    kid: str | None,
    mark: str | None = None,
) -> None:
    """Build the :class:`Outcome` of one verification and :func:`report` it (cheap when nobody listens).

    ``kid`` is the header's ``kid`` as the verifier read it (the token is never parsed here);
    ``mark`` the token's :func:`fingerprint` when the caller has it already (a cached token).
    """
    error = result if isinstance(result, AuthError) else None
    if observer is None and not logger.isEnabledFor(logging.DEBUG if error is None else logging.INFO):
        return
    if mark is None:
        mark = fingerprint(token) if isinstance(token, str) else "-"
    duration = max(0.0, duration)
    if error is None:  # the fields in declaration order, set at C speed: one Outcome per request
        outcome = _new_outcome((True, None, result.issuer, kid, duration, mark, 200))
    else:
        outcome = _new_outcome((False, error.code, result.issuer, kid, duration, mark, error.status))
    report(outcome, observer, error)


def report(outcome: Outcome, observer: Observer | None, error: AuthError | None = None) -> None:
    """Log the outcome (refusals at INFO, acceptances at DEBUG) and hand it to the observer.

    A failing observer is logged and never turns a verification into an error.
    """
    if error is not None:
        _log_refusal(outcome, error)
    elif logger.isEnabledFor(logging.DEBUG):
        logger.debug(
            "token accepted issuer=%s kid=%s fingerprint=%s duration_ms=%.1f",
            outcome.issuer,
            _kid(outcome.kid),
            outcome.fingerprint,
            outcome.duration * 1000,
            extra=_extra(outcome),
        )
    if observer is None:
        return
    try:
        observer(outcome)
    except Exception:
        logger.exception("the asgi_authinfo observer %r failed", observer)


def _log_refusal(outcome: Outcome, error: AuthError) -> None:
    # The description is what the client is told (error_description); it never holds the token.
    logger.info(
        "token refused code=%s issuer=%s kid=%s fingerprint=%s duration_ms=%.1f: %s",
        outcome.code,
        outcome.issuer,
        _kid(outcome.kid),
        outcome.fingerprint,
        outcome.duration * 1000,
        error.description,
        extra=_extra(outcome),
    )


def _kid(kid: str | None) -> str | None:
    return None if kid is None else shown(kid)


def _extra(outcome: Outcome) -> dict[str, object]:
    """Fields for structured (JSON) log formatters, prefixed so they never clash with LogRecord's."""
    return {
        "auth_outcome": outcome.outcome,
        "auth_code": outcome.code,
        "auth_issuer": outcome.issuer,
        "auth_kid": _kid(outcome.kid),
        "auth_status": outcome.status,
        "token_fingerprint": outcome.fingerprint,
        "duration_ms": round(outcome.duration * 1000, 3),
    }
