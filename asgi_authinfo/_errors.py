"""One error tree for every refusal: each error carries a stable code, an RFC 6750 error and a status.

Descriptions say what differed and what to do next. They never contain the token: values taken
from a token (its ``iss``, ``aud``, ``kid``) are shortened and made printable with :func:`shown`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import ClassVar, Final, Literal, Protocol, TypeVar

__all__ = [
    "AuthError",
    "DpopBindingError",
    "ErrorCode",
    "InsufficientScopeError",
    "InvalidDpopProofError",
    "InvalidRequestError",
    "InvalidTokenError",
    "IssuerUnavailableError",
    "MissingTokenError",
    "RefusalHint",
    "ReverificationError",
    "RevocationsUnavailableError",
    "UseDpopNonceError",
    "ago",
    "shown",
    "utc",
    "with_hint",
]

ErrorCode = Literal[
    "missing_token",
    "invalid_request",
    "conflicting_tokens",
    "malformed",
    "token_too_large",
    "expired",
    "not_yet_valid",
    "bad_signature",
    "unknown_issuer",
    "audience_mismatch",
    "unauthorized_party",
    "unknown_key",
    "algorithm_not_allowed",
    "missing_claim",
    "invalid_claim",
    "wrong_token_type",
    "issuer_unavailable",
    "insufficient_scope",
    "reverification_required",
    "userinfo_refused",
    "revoked",
    "revocations_unavailable",
    "invalid_dpop_proof",
    "dpop_replay",
    "dpop_binding_mismatch",
    "dpop_required",
    "dpop_disabled",
    "use_dpop_nonce",
]

_SHOWN_LIMIT: Final = 80


def quotable(text: str) -> str:
    """``text`` as an RFC 6750 quoted-string carries it: printable ASCII but ``"``/``\\``, else ``?``."""
    return "".join(ch if " " <= ch <= "~" and ch not in '"\\' else "?" for ch in text)


def shown(value: object) -> str:
    """Render a value taken from a token for an error message: printable ASCII, bounded length."""
    cleaned = quotable(value if isinstance(value, str) else repr(value))
    if len(cleaned) > _SHOWN_LIMIT:
        cleaned = cleaned[: _SHOWN_LIMIT - 3] + "..."
    return f"'{cleaned}'"


class AuthError(Exception):
    """Base of every refusal. ``code`` is stable; ``description`` is for humans and may change."""

    status: ClassVar[int] = 401
    error: ClassVar[str | None] = "invalid_token"
    default_code: ClassVar[ErrorCode] = "malformed"
    hint: str | None = None
    """What the issuer's :class:`RefusalHint` adds to the description a client reads (tests only)."""

    def __init__(
        self,
        description: str,
        *,
        code: ErrorCode | None = None,
        issuer: str | None = None,
        kid: str | None = None,
    ) -> None:
        super().__init__(description)
        self.description = description
        self.code: ErrorCode = code or self.default_code
        self.issuer = issuer
        self.kid = kid

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, description={self.description!r})"


class MissingTokenError(AuthError):
    """No credentials were sent where they are required (RFC 6750 §3.1: no error code)."""

    error = None
    default_code = "missing_token"


class InvalidRequestError(AuthError):
    """The request carried credentials in a form we cannot read (400 ``invalid_request``)."""

    status = 400
    error = "invalid_request"
    default_code = "invalid_request"


class InvalidTokenError(AuthError):
    """The token was read but refused: malformed, expired, wrong issuer, bad signature, ..."""

    default_code = "malformed"


class InvalidDpopProofError(AuthError):
    """A DPoP proof is missing, malformed or not for this request (RFC 9449 §7.1): a ``DPoP`` challenge."""

    error: ClassVar[str | None] = "invalid_dpop_proof"
    default_code: ClassVar[ErrorCode] = "invalid_dpop_proof"
    scheme: ClassVar[str] = "DPoP"

    def __init__(self, description: str, *, code: ErrorCode | None = None, algs: str | None = None) -> None:
        super().__init__(description, code=code)
        self.algs = algs


class UseDpopNonceError(InvalidDpopProofError):
    """The proof lacks the server's current nonce (RFC 9449 §8): the answer carries ``DPoP-Nonce``."""

    error = "use_dpop_nonce"
    default_code = "use_dpop_nonce"

    def __init__(self, description: str, *, nonce: str, algs: str | None = None) -> None:
        super().__init__(description, algs=algs)
        self.nonce = nonce


class DpopBindingError(AuthError):
    """A token's DPoP binding (``cnf.jkt``) and how it was sent disagree (RFC 9449 §6.1, §7.2)."""

    default_code = "dpop_binding_mismatch"
    scheme: ClassVar[str] = "DPoP"

    def __init__(self, description: str, *, code: ErrorCode | None = None, algs: str | None = None) -> None:
        super().__init__(description, code=code)
        self.algs = algs


class IssuerUnavailableError(AuthError):
    """We could not get the issuer's keys: our failure, not the caller's (503 + ``Retry-After``)."""

    status = 503
    error = "temporarily_unavailable"  # RFC 6749 §4.1.2.1; the answer carries Retry-After, no challenge
    default_code: ClassVar[ErrorCode] = "issuer_unavailable"

    def __init__(
        self,
        description: str,
        *,
        retry_after: int = 30,
        issuer: str | None = None,
        kid: str | None = None,
    ) -> None:
        super().__init__(description, issuer=issuer, kid=kid)
        self.retry_after = max(1, int(retry_after))


class RevocationsUnavailableError(IssuerUnavailableError):
    """The shared revocation list is out of reach and was configured to fail closed (503)."""

    default_code = "revocations_unavailable"


class InsufficientScopeError(AuthError):
    """The token is valid but lacks what the route requires (403 ``insufficient_scope``)."""

    status = 403
    error = "insufficient_scope"
    default_code = "insufficient_scope"

    def __init__(self, description: str, *, scope: str | None = None) -> None:
        super().__init__(description)
        self.scope = scope


class ReverificationError(AuthError):
    """The caller must verify a factor again first (403; Clerk's ``reverification-error``).

    ``reverification`` is the requirement as Clerk's front end reads it (a preset name such as
    ``"strict"`` or ``{"level": ..., "afterMinutes": ...}``); the body carries it in ``clerk_error``.
    """

    status = 403
    error = "insufficient_user_authentication"  # RFC 9470 §3
    default_code = "reverification_required"

    def __init__(self, description: str, *, reverification: str | dict[str, object]) -> None:
        super().__init__(description)
        self.reverification = reverification

    def details(self) -> dict[str, object]:
        """What the JSON body adds: Clerk's ``reverificationError()`` shape."""
        metadata = {"reverification": self.reverification}
        return {"clerk_error": {"type": "forbidden", "reason": "reverification-error", "metadata": metadata}}


class RefusalHint(Protocol):
    """``Issuer(refusal_hint=...)``: a test double's advice for a refusal of its tokens (the pytest
    plugin's fake issuers name the fixture option that fixes it), or None. Production issuers have none."""

    def __call__(self, error: AuthError, /) -> str | None: ...


_Error = TypeVar("_Error", bound=AuthError)


def with_hint(error: _Error, hint: RefusalHint | None) -> _Error:
    """``error`` with ``hint``'s advice attached (once), when there is a hint."""
    if hint is not None and error.hint is None:
        error.hint = hint(error)
    return error


def ago(seconds: float) -> str:
    """A duration as people say it: ``"42 s"``, ``"4 min"``, ``"3 h"``, ``"2 days"``."""
    seconds = abs(seconds)
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    if seconds < 172800:
        return f"{seconds / 3600:.0f} h"
    return f"{seconds / 86400:.0f} days"


def utc(timestamp: float) -> str:
    """A NumericDate as ``2027-01-15T08:00:00Z`` (the number itself when out of range)."""
    try:
        return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (OverflowError, OSError, ValueError):
        return f"{timestamp:g}"
