"""Revocation: sign a session, a token or a user out before their tokens expire.

A JWT stays valid until its ``exp``; a :class:`RevocationList` is how the verifier refuses one
earlier. It is asked on every request, token-cache hits included, so its answer must be an
in-memory lookup: no I/O and no ``await`` on the request path. What makes the list shared between
processes (``asgi_authinfo.contrib.redis``) fills it in the background.

Three kinds of entry, each kept only while a token it matches can still be alive:

- ``sid``: a session (``AuthInfo.session_id``); kept ``max_token_lifetime`` after the revocation,
  long enough for every token the session was already given;
- ``jti``: one token (its ``jti`` claim); kept until the token's ``exp`` when given, else as a ``sid``;
- ``sub``: every token of a user issued before a time (``iat < before``; a token without ``iat``
  counts as issued before); kept until ``before + max_token_lifetime``.

Values match across all trusted issuers: a subject revoked at one issuer is revoked at all of them.

The check is the ``revoked`` rule (:func:`revoked_rule`): ``TokenVerifier(revocations=...)`` runs
it on a new token right after mapping (it needs the mapped session id), so a revoked token is
never cached, and asks the same ``refusal`` on every token-cache hit; ``inspect``'s diagnosis of
such a verifier shows its row.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Final, Literal, Protocol, runtime_checkable

from ._auth_info import AuthInfo
from ._errors import AuthError, InvalidTokenError
from ._rules import Rule
from ._token import Token

__all__ = [
    "DEFAULT_MAX_TOKEN_LIFETIME",
    "InMemoryRevocations",
    "OnVerified",
    "Revocation",
    "RevocationKind",
    "RevocationList",
    "revocation",
    "revoked_rule",
    "run_on_verified",
]

logger = logging.getLogger("asgi_authinfo")

DEFAULT_MAX_TOKEN_LIFETIME: Final = 24 * 3600.0
REVOKED_DESCRIPTION: Final = "the session was signed out; sign in again"
_PRUNE_EVERY: Final = 60.0

RevocationKind = Literal["sid", "jti", "sub"]
OnVerified = Callable[[AuthInfo], Awaitable[None]]
"""``on_verified=``: awaited with each newly verified ``AuthInfo``; raise an ``AuthError`` to refuse it."""


@runtime_checkable
class RevocationList(Protocol):
    """What the verifier asks on every request: is this verified caller signed out?"""

    def refusal(self, auth: AuthInfo, /) -> AuthError | None:
        """The error to refuse ``auth`` with, or None. An in-memory lookup: it must never wait."""
        ...


@dataclass(frozen=True, slots=True)
class Revocation:
    """One entry: ``kind`` and ``value`` say what is revoked; ``until`` when it can be forgotten.

    ``before`` (``sub`` only) revokes the user's tokens issued before it. Times are seconds since 1970.
    """

    kind: RevocationKind
    value: str
    until: float
    before: float | None = None


def _seconds(value: float | datetime | None) -> float | None:
    return value.timestamp() if isinstance(value, datetime) else value


def revocation(
    *,
    sid: str | None = None,
    jti: str | None = None,
    sub: str | None = None,
    before: float | datetime | None = None,
    until: float | datetime | None = None,
    now: float,
    max_token_lifetime: float,
) -> Revocation:
    """Build and validate one :class:`Revocation` (exactly one of ``sid``, ``jti``, ``sub``)."""
    if (sid is not None) + (jti is not None) + (sub is not None) != 1:
        raise ValueError("revoke exactly one of sid=, jti= or sub=")
    kind: RevocationKind = "sid" if sid is not None else "jti" if jti is not None else "sub"
    value = sid if sid is not None else jti if jti is not None else sub
    if not isinstance(value, str) or not value:
        raise ValueError(f"{kind}= must be a non-empty string")
    started = _seconds(before)
    if started is not None and kind != "sub":
        raise ValueError("before= only goes with sub= (a user's tokens issued before that time)")
    if kind == "sub" and started is None:
        started = now
    ends = _seconds(until)
    if ends is None:
        ends = (started if started is not None else now) + max_token_lifetime
    return Revocation(kind, value, float(ends), None if started is None else float(started))


class InMemoryRevocations:
    """A :class:`RevocationList` held in this process: three dicts, checked in well under a microsecond.

    ``max_token_lifetime`` (seconds) bounds how long any token of your issuers lives; entries are
    kept that long at most, unless ``until=`` says otherwise. ``now`` is the wall clock.
    """

    def __init__(
        self,
        *,
        max_token_lifetime: float = DEFAULT_MAX_TOKEN_LIFETIME,
        now: Callable[[], float] = time.time,
    ) -> None:
        if not max_token_lifetime > 0:
            raise ValueError(
                f"max_token_lifetime must be a positive number of seconds, got {max_token_lifetime!r}"
            )
        self.max_token_lifetime = float(max_token_lifetime)
        self._now = now
        self._sids: dict[str, float] = {}
        self._jtis: dict[str, float] = {}
        self._subs: dict[str, tuple[float, float]] = {}  # sub -> (before, until)
        self._pruned = now()

    def __len__(self) -> int:
        return len(self._sids) + len(self._jtis) + len(self._subs)

    def refusal(self, auth: AuthInfo, /) -> AuthError | None:
        if self._sids and auth.session_id in self._sids:
            return _revoked(auth)
        if self._jtis:
            jti = auth.claims.get("jti")
            if isinstance(jti, str) and jti in self._jtis:
                return _revoked(auth)
        if self._subs:
            entry = self._subs.get(auth.subject)
            if entry is not None:
                iat = auth.claims.get("iat")
                if not isinstance(iat, (int, float)) or iat < entry[0]:
                    return _revoked(auth)
        return None

    def revoke(
        self,
        *,
        sid: str | None = None,
        jti: str | None = None,
        sub: str | None = None,
        before: float | datetime | None = None,
        until: float | datetime | None = None,
    ) -> Revocation:
        """Revoke a session (``sid``), a token (``jti``, ``until`` its ``exp``) or a user's tokens
        issued before ``before`` (``sub``; default: now). Returns the entry added."""
        entry = revocation(
            sid=sid,
            jti=jti,
            sub=sub,
            before=before,
            until=until,
            now=self._now(),
            max_token_lifetime=self.max_token_lifetime,
        )
        self.add(entry)
        if self._now() - self._pruned >= _PRUNE_EVERY:  # amortized: a prune walks every entry
            self.prune()
        return entry

    def add(self, entry: Revocation) -> bool:
        """Merge one entry (later ``before`` and ``until`` win); True when it changed the list."""
        if entry.until <= self._now():
            return False
        if entry.kind == "sub":
            before = entry.before if entry.before is not None else entry.until
            known = self._subs.get(entry.value)
            merged = (before, entry.until)
            if known is not None:
                merged = (max(known[0], before), max(known[1], entry.until))
            self._subs[entry.value] = merged
            return merged != known
        table = self._sids if entry.kind == "sid" else self._jtis
        until = table.get(entry.value)
        if until is not None and until >= entry.until:
            return False
        table[entry.value] = entry.until
        return True

    def prune(self) -> int:
        """Forget the entries no live token can match any more; the number forgotten."""
        now = self._pruned = self._now()
        gone = 0
        for table in (self._sids, self._jtis):
            expired = [value for value, until in table.items() if until <= now]
            for value in expired:
                del table[value]
            gone += len(expired)
        old = [value for value, (_, until) in self._subs.items() if until <= now]
        for value in old:
            del self._subs[value]
        return gone + len(old)

    def entries(self) -> Iterator[Revocation]:
        """Every entry held (a snapshot: safe to iterate while revoking)."""
        for value, until in list(self._sids.items()):
            yield Revocation("sid", value, until)
        for value, until in list(self._jtis.items()):
            yield Revocation("jti", value, until)
        for value, (before, until) in list(self._subs.items()):
            yield Revocation("sub", value, until, before)


def _revoked(auth: AuthInfo) -> AuthError:
    return InvalidTokenError(REVOKED_DESCRIPTION, code="revoked", issuer=auth.issuer)


def revoked_rule(revocations: RevocationList) -> Rule:
    """The ``revoked`` rule: refuse the mapped ``AuthInfo`` when ``revocations`` matches it."""
    if not isinstance(revocations, RevocationList):
        raise ValueError(f"revocations must be a RevocationList (a refusal() method), got {revocations!r}")

    def check_revoked(token: Token) -> None:
        assert token.auth is not None, "the rules after mapping run on a mapped token"
        refused = revocations.refusal(token.auth)
        if refused is not None:
            raise refused

    def describe_revoked(token: Token) -> tuple[str, str]:
        expected = "no revoked session (sid), token (jti) or user (sub) matching it"
        if token.auth is None:
            return expected, ""
        return expected, "revoked" if revocations.refusal(token.auth) is not None else "none matches"

    return Rule("revoked", check_revoked, describe=describe_revoked)


async def run_on_verified(hook: OnVerified, auth: AuthInfo) -> None:
    """Await the user's ``on_verified`` hook; a failure other than an ``AuthError`` is a server bug:
    logged at ERROR with the issuer (never the token) and raised on, so the server answers 500."""
    try:
        await hook(auth)
    except AuthError:
        raise
    except Exception:
        logger.exception("the on_verified hook %r failed for a token of issuer %s", hook, auth.issuer)
        raise
