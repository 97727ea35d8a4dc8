"""The claim rules of the pipeline (``sub``, times, audience, party, required claims, claim checks).

They read only the verified claims, the issuer and the clock, so ``inspect`` runs each of them even
after another one failed. The time rules (:func:`expired`, :func:`too_early`) are also what
:class:`~asgi_authinfo.TokenCache` applies on every hit: one rule, one place.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping
from typing import Any, Final

from ._errors import AuthError, InvalidTokenError, ago, shown, utc
from ._issuer import Issuer
from ._token import Token

__all__ = ["CLAIM_RULES", "TIME_CLAIMS", "describe_time", "expired", "too_early", "value_of"]

logger = logging.getLogger("asgi_authinfo")

TIME_CLAIMS: Final = ("exp", "nbf", "iat", "auth_time")
_MAX_TIMESTAMP: Final = 253402300799  # 9999-12-31T23:59:59Z
_LISTED: Final = 5


def expired(exp: float, now: float, leeway: float) -> bool:
    """A token expires once ``now - leeway >= exp`` (RFC 7519 §4.1.4, with the issuer's leeway)."""
    return now - leeway >= exp


def too_early(start: float, now: float, leeway: float) -> bool:
    """A token whose ``nbf`` or ``iat`` is after ``now + leeway`` is not valid yet."""
    return start > now + leeway


def check_subject(token: Token) -> None:
    claims, name = _claims(token), _name(token)
    sub = claims.get("sub")
    if sub is None:
        raise InvalidTokenError(
            "the token has no `sub` claim, which names the caller (AuthInfo.user_id; RFC 9068 §2.2 "
            "requires it); a client-credentials token must carry the client's id in `sub`",
            code="missing_claim",
            issuer=name,
        )
    if not isinstance(sub, str) or not sub:
        raise InvalidTokenError(
            "the token's `sub` is not a non-empty string", code="invalid_claim", issuer=name
        )


def check_expiry(token: Token) -> None:
    exp = _timestamp(token, "exp", required=True)
    assert exp is not None
    now, leeway = token.now, _leeway(token)
    if expired(exp, now, leeway):
        raise InvalidTokenError(
            f"the token expired {ago(now - exp)} ago (exp {utc(exp)}, leeway {leeway:g} s); "
            "get a fresh token from the issuer",
            code="expired",
            issuer=_name(token),
        )


def check_not_before(token: Token) -> None:
    _not_in_the_future(token, "nbf", "is not valid for another {} (nbf")


def check_issued_at(token: Token) -> None:
    _not_in_the_future(token, "iat", "was issued {} in the future (iat")


def _not_in_the_future(token: Token, claim: str, wording: str) -> None:
    """The ``nbf`` and ``iat`` rule: a time claim, if present, is not after now + leeway."""
    when = _timestamp(token, claim)
    now, leeway = token.now, _leeway(token)
    if when is not None and too_early(when, now, leeway):
        raise InvalidTokenError(
            f"the token {wording.format(ago(when - now))} {utc(when)}, leeway {leeway:g} s); "
            "check the clocks of this server and the issuer",
            code="not_yet_valid",
            issuer=_name(token),
        )


def check_audience(token: Token) -> None:
    expected = _issuer(token).audience
    if expected is None:
        return
    aud = _claims(token).get("aud")
    if type(aud) is str and aud in expected:  # the common case: one audience, the expected one
        return
    name = _name(token)
    if aud is None:
        raise InvalidTokenError(
            f"the token has no `aud` claim, but this issuer expects audience {list(expected)}; "
            "request the token for your API's audience",
            code="audience_mismatch",
            issuer=name,
        )
    audiences = [aud] if isinstance(aud, str) else aud
    if not isinstance(audiences, list) or not all(isinstance(item, str) for item in audiences):
        raise InvalidTokenError(
            "the token's `aud` is neither a string nor a list of strings", code="invalid_claim", issuer=name
        )
    if not set(audiences).intersection(expected):
        got = ", ".join(shown(item) for item in audiences[:5]) or "an empty list"
        raise InvalidTokenError(
            f"the token's audience {got} is not the expected {list(expected)}; request the token "
            "for this API's audience or fix `audience=` in the Issuer",
            code="audience_mismatch",
            issuer=name,
        )


def check_authorized_party(token: Token) -> None:
    parties = _issuer(token).authorized_parties
    if parties is None:
        return
    azp = _claims(token).get("azp")
    if azp is not None and azp not in parties:
        raise InvalidTokenError(
            f"the token's authorized party `azp` {shown(azp)} is not one of {list(parties)}; add "
            "your front-end origin to authorized_parties if it is yours",
            code="unauthorized_party",
            issuer=_name(token),
        )


def check_required_claims(token: Token) -> None:
    claims = _claims(token)
    for required in _issuer(token).required_claims:
        if required not in claims:
            raise InvalidTokenError(
                f"the token has no `{required}` claim, which this issuer requires",
                code="missing_claim",
                issuer=_name(token),
            )


def run_claim_checks(token: Token) -> None:
    """The issuer's ``claim_checks`` (provider rules, then yours), in order.

    A check that raises anything but an :class:`AuthError` has a bug: that is not the client's
    fault, so it is logged at ERROR (issuer and check, never the token) and propagates, and the
    ASGI server answers 500, as for any other exception in the application.
    """
    claims, name = _claims(token), _name(token)
    for check in _issuer(token).claim_checks:
        try:
            check(claims, name)
        except AuthError:
            raise
        except Exception as exc:
            logger.error(
                "the claim check %s of issuer %s raised %s (rule `checks`): a bug in the check, "
                "not a bad token; the request fails with a server error",
                _callable_name(check),
                name,
                type(exc).__name__,
                exc_info=True,
            )
            raise


# -- what inspect shows for each rule ---------------------------------------------------------


def _describe(name: str, expected: Callable[[Issuer], str]) -> Callable[[Token], tuple[str, str]]:
    def describe(token: Token) -> tuple[str, str]:
        claims: Mapping[str, Any] = {} if token.parsed is None else token.parsed.claims
        issuer = token.issuer
        return ("" if issuer is None else expected(issuer)), value_of(claims, name, token.now)

    return describe


def _describe_required(token: Token) -> tuple[str, str]:
    issuer = token.issuer
    names = () if issuer is None else tuple(issuer.required_claims)
    claims: Mapping[str, Any] = {} if token.parsed is None else token.parsed.claims
    return "present: " + ", ".join(names), ", ".join(value_of(claims, name) for name in names)


def _describe_checks(token: Token) -> tuple[str, str]:
    issuer = token.issuer
    checks = () if issuer is None else issuer.claim_checks
    return "accepted by " + ", ".join(_callable_name(check) for check in checks), ""


def _after(issuer: Issuer) -> str:
    return f"after now - {issuer.leeway:g} s leeway"


def _not_after(issuer: Issuer) -> str:
    return f"absent, or not after now + {issuer.leeway:g} s leeway"


CLAIM_RULES: Final = (
    ("sub", check_subject, None, _describe("sub", lambda issuer: "a non-empty string")),
    ("exp", check_expiry, None, _describe("exp", _after)),
    ("nbf", check_not_before, None, _describe("nbf", _not_after)),
    ("iat", check_issued_at, None, _describe("iat", _not_after)),
    ("aud", check_audience, "audience", _describe("aud", lambda issuer: _listed(issuer.audience))),
    (
        "azp",
        check_authorized_party,
        "authorized_parties",
        _describe("azp", lambda issuer: "absent, or " + _listed(issuer.authorized_parties)),
    ),
    ("required", check_required_claims, "required_claims", _describe_required),
    ("checks", run_claim_checks, "claim_checks", _describe_checks),
)
"""``(name, check, issuer option that turns it on, describe)`` for each claim rule, in order."""


def describe_time(name: str, value: object, now: float) -> tuple[str, str] | None:
    """UTC and relative forms of a NumericDate, e.g. ``("2027-01-15T08:00:00Z", "expired 4 min ago")``."""
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        return None
    delta = float(value) - now
    how_long = ago(delta)
    if name == "exp":
        relative = f"expired {how_long} ago" if delta <= 0 else f"expires in {how_long}"
    elif name == "nbf":
        relative = f"valid since {how_long} ago" if delta <= 0 else f"not valid for another {how_long}"
    else:
        relative = f"{how_long} ago" if delta <= 0 else f"{how_long} in the future"
    return utc(value), relative


def value_of(mapping: Mapping[str, Any], name: str, now: float | None = None) -> str:
    """A header or claim value as ``inspect`` shows it (bounded, printable; times also in UTC)."""
    if name not in mapping:
        return "absent"
    value = mapping[name]
    text = shown(value)
    if isinstance(value, list):
        items = [shown(item) for item in value[:_LISTED]]
        text = "[" + ", ".join(items) + (", ..." if len(value) > _LISTED else "") + "]"
    if now is not None and name in TIME_CLAIMS:
        when = describe_time(name, value, now)
        if when is not None:
            text = f"{value} ({when[0]}, {when[1]})"
    return text


# -- helpers ----------------------------------------------------------------------------------


def _claims(token: Token) -> dict[str, Any]:
    assert token.parsed is not None, "the format rule runs first"
    return token.parsed.claims


def _issuer(token: Token) -> Issuer:
    assert token.issuer is not None, "the issuer rule runs first"
    return token.issuer


def _name(token: Token) -> str:
    return _issuer(token).issuer


def _leeway(token: Token) -> float:
    return _issuer(token).leeway


def _timestamp(token: Token, name: str, *, required: bool = False) -> float | None:
    claims = _claims(token)
    value = claims.get(name)
    if type(value) is int and -_MAX_TIMESTAMP <= value <= _MAX_TIMESTAMP:  # the common case
        return float(value)
    if value is None:
        if name in claims or required:
            raise InvalidTokenError(
                f"the token has no `{name}` claim"
                + ("; tokens without an expiry are refused" if name == "exp" else ""),
                code="missing_claim",
                issuer=_name(token),
            )
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not -_MAX_TIMESTAMP <= value <= _MAX_TIMESTAMP  # first: a huge int overflows isfinite()
        or not math.isfinite(value)
    ):
        raise InvalidTokenError(
            f"the token's `{name}` claim {shown(value)} is not a NumericDate "
            "(seconds since 1970, RFC 7519 §2)",
            code="invalid_claim",
            issuer=_name(token),
        )
    return float(value)


def _listed(values: tuple[str, ...] | Any) -> str:
    if not values:
        return "anything"
    return "one of " + ", ".join(repr(value) for value in values)


def _callable_name(check: object) -> str:
    name = getattr(check, "__qualname__", None)
    return name if isinstance(name, str) else type(check).__name__
