"""The verification pipeline: an ordered tuple of small, named rules that ``TokenVerifier`` runs.

Each rule has one job and a stable name (the row ``inspect`` shows). A rule reads and fills one
:class:`Token` (the state of one verification) and raises an :class:`AuthError` to refuse it; the
key rule waits for the issuer's keys, so a rule may return an awaitable. ``inspect``'s diagnosis
runs the very same tuple with a recorder (see ``_diagnosis``). Adding a rule is one edit: add it
to :data:`RULES` (or pass ``TokenVerifier(rules=...)``).
"""

from __future__ import annotations

import difflib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final, cast

from ._claim_rules import CLAIM_RULES, value_of
from ._errors import InvalidTokenError, shown
from ._issuer import Issuer
from ._issuer_keys import IssuerKeys
from ._jose import ParsedToken, parse, verify_signature
from ._token import Token, Trust

__all__ = ["RULES", "Rule", "Token", "Trust"]


@dataclass(frozen=True, slots=True)
class Rule:
    """One named rule. ``check`` refuses by raising; it may return an awaitable (the key fetch).

    ``claims=True``: the rule reads only the verified claims and the issuer, so ``inspect`` runs it
    even after another claim rule failed (every claim problem shows, not only the first).
    ``option`` names the :class:`Issuer` option that turns the rule on; while it is unset the rule
    passes and ``inspect`` shows it as skipped. ``describe`` gives ``inspect`` the row's
    ``(expected, actual)``; it only reads the state and must not fail on a half-filled one.
    """

    name: str
    check: Callable[[Token], Awaitable[None] | None]
    claims: bool = False
    option: str | None = None
    describe: Callable[[Token], tuple[str, str]] | None = None


def check_size(token: Token) -> None:
    if not isinstance(token.text, str) or not token.text:
        raise InvalidTokenError("the token is empty", code="malformed")
    limit = token.trust.max_token_bytes
    if len(token.text) > limit:
        raise InvalidTokenError(
            f"the token is {len(token.text)} bytes, over the {limit} byte limit", code="token_too_large"
        )


def check_format(token: Token) -> None:
    parsed = token.parsed = parse(token.text)
    kid = parsed.header.get("kid")
    token.kid = kid if isinstance(kid, str) else None  # read once, for the key, the log and metrics


def check_issuer(token: Token) -> Awaitable[None] | None:
    """Pick the trusted issuer by ``iss``: exact match, or a multi-tenant template's allowed tenant,
    else the issuer resolver's answer (static issuers win; the resolver is never asked for them)."""
    trust = token.trust
    iss = _claims(token).get("iss")
    keys = trust.by_iss.get(iss) if isinstance(iss, str) else None
    if keys is None and isinstance(iss, str):
        keys = _by_template(trust, iss)
        if keys is None and trust.resolved is not None:
            return _resolve_issuer(token, iss)
    if keys is None:
        raise InvalidTokenError(_unknown_issuer(trust, iss), code="unknown_issuer")
    token.keys = keys
    token.issuer = keys.issuer
    return None


async def _resolve_issuer(token: Token, iss: str) -> None:
    resolved = token.trust.resolved
    assert resolved is not None
    keys = await resolved.keys_for(iss)  # a 503 when the resolver fails or its limit is spent
    if keys is None:
        raise InvalidTokenError(_unknown_issuer(token.trust, iss), code="unknown_issuer")
    token.keys = keys
    token.issuer = keys.issuer


def check_algorithm(token: Token) -> None:
    issuer = _issuer(token)
    alg = _header(token).get("alg")
    if not isinstance(alg, str) or alg not in issuer.algorithms:
        raise InvalidTokenError(
            f"the token's alg {shown(alg)} is not allowed for issuer {issuer.issuer} "
            f"(allowed: {', '.join(issuer.algorithms)})",
            code="algorithm_not_allowed",
            issuer=issuer.issuer,
        )
    token.alg = alg


def check_header(token: Token) -> None:
    """No critical extensions we do not understand (RFC 7515 §4.1.11), and a string ``kid``."""
    header = _header(token)
    if "crit" in header:
        raise InvalidTokenError(
            "the token's header lists critical extensions (`crit`) this verifier does not "
            "understand (RFC 7515 §4.1.11)",
            code="malformed",
            issuer=_issuer(token).issuer,
        )
    if header.get("kid") is not None and token.kid is None:
        raise InvalidTokenError("the token's `kid` header is not a string", code="malformed")


def check_token_type(token: Token) -> None:
    required = _issuer(token).token_type
    if required is None:
        return
    typ = _header(token).get("typ")
    if not isinstance(typ, str) or _media_type(typ) != _media_type(required):
        got = " has no typ header; this issuer requires" if typ is None else f"'s typ {shown(typ)} is not"
        raise InvalidTokenError(
            f"the token{got} the required {required!r} "
            "(RFC 9068 access tokens carry typ at+jwt)",
            code="wrong_token_type",
            issuer=_issuer(token).issuer,
        )


async def find_key(token: Token) -> None:
    keys = token.keys
    assert keys is not None
    jwks = token.jwks = await keys.jwks()
    issuer = keys.issuer
    allowed = cast("tuple[str, ...]", issuer.algorithms)  # made a tuple when the Issuer was built
    iat = _claims(token).get("iat")  # unverified: only says whether the key may be newer than ours
    issued_at = iat if isinstance(iat, int | float) and not isinstance(iat, bool) else None
    token.key = await jwks.key_for(
        token.kid, token.alg, issuer=issuer.issuer, allowed=allowed, issued_at=issued_at, leeway=issuer.leeway
    )


def check_signature(token: Token) -> None:
    key = token.key
    assert key is not None and token.parsed is not None
    if not verify_signature(token.parsed, token.alg, key):
        raise InvalidTokenError(
            f"the token's signature does not verify with the issuer's key {shown(token.kid)}; "
            "it was altered or signed by another key",
            code="bad_signature",
            issuer=_issuer(token).issuer,
            kid=token.kid,
        )
    token.signed = True


# -- what inspect shows for each rule ---------------------------------------------------------


def describe_size(token: Token) -> tuple[str, str]:
    return f"at most {token.trust.max_token_bytes} bytes", f"{len(token.text)} bytes"


def describe_format(token: Token) -> tuple[str, str]:
    expected = "a signed JWT: header.payload.signature"
    if token.parsed is None:
        return expected, f"{token.text.count('.') + 1} segments"
    return expected, "3 segments, JSON header and claims"


def describe_issuer(token: Token) -> tuple[str, str]:
    trusted = ", ".join(repr(issuer.issuer) for issuer in token.trust.issuers)
    if token.trust.resolved is not None:
        trusted = (
            f"{trusted} or an issuer the resolver returns" if trusted else "an issuer the resolver returns"
        )
        return trusted, _shown_field(token.parsed, "claims", "iss")
    return f"one of {trusted}", _shown_field(token.parsed, "claims", "iss")


def describe_algorithm(token: Token) -> tuple[str, str]:
    issuer = token.issuer
    expected = "" if issuer is None else f"one of {', '.join(issuer.algorithms)}"
    return expected, _shown_field(token.parsed, "header", "alg")


def describe_header(token: Token) -> tuple[str, str]:
    header: Mapping[str, Any] = {} if token.parsed is None else token.parsed.header
    parts = [f"{name}={shown(header[name])}" for name in ("crit", "kid") if name in header]
    return "no `crit`, a string `kid`", ", ".join(parts) or "no crit, no kid"


def describe_token_type(token: Token) -> tuple[str, str]:
    issuer = token.issuer
    expected = "" if issuer is None or issuer.token_type is None else repr(issuer.token_type)
    return expected, _shown_field(token.parsed, "header", "typ")


def describe_key(token: Token) -> tuple[str, str]:
    kid = token.kid
    expected = f"a key for {token.alg}" + ("" if kid is None else " with this kid") + " in the issuer's JWKS"
    key = token.key
    if key is None:
        return expected, "none found"  # a not-reached row shows no actual value
    return expected, f"kid {shown(key.kid)} ({key.kty}{'' if key.alg is None else ', ' + key.alg})"


def describe_signature(token: Token) -> tuple[str, str]:
    expected = f"a valid {token.alg} signature"
    key = token.key
    if key is None:
        return expected, ""
    return expected, f"verified with key {shown(key.kid)}" if token.signed else "does not verify"


RULES: Final[tuple[Rule, ...]] = (
    Rule("size", check_size, describe=describe_size),
    Rule("format", check_format, describe=describe_format),
    Rule("issuer", check_issuer, describe=describe_issuer),
    Rule("alg", check_algorithm, describe=describe_algorithm),
    Rule("header", check_header, describe=describe_header),
    Rule("typ", check_token_type, option="token_type", describe=describe_token_type),
    Rule("key", find_key, describe=describe_key),
    Rule("signature", check_signature, describe=describe_signature),
    *(
        Rule(name, check, claims=True, option=option, describe=describe)
        for name, check, option, describe in CLAIM_RULES
    ),
)
"""The rules every token passes, in order; the first to refuse decides the answer."""


# -- helpers ----------------------------------------------------------------------------------


def _claims(token: Token) -> dict[str, Any]:
    assert token.parsed is not None, "the format rule runs first"
    return token.parsed.claims


def _header(token: Token) -> Mapping[str, Any]:
    assert token.parsed is not None, "the format rule runs first"
    return token.parsed.header


def _issuer(token: Token) -> Issuer:
    assert token.issuer is not None, "the issuer rule runs first"
    return token.issuer


def _shown_field(parsed: ParsedToken | None, part: str, name: str) -> str:
    if parsed is None:
        return ""
    return value_of(parsed.header if part == "header" else parsed.claims, name)


def _media_type(typ: str) -> str:
    return typ.lower().removeprefix("application/")


def _by_template(trust: Trust, iss: str) -> IssuerKeys | None:
    """The multi-tenant issuer whose template and tenant allowlist fit ``iss``."""
    for keys in trust.templates:
        if keys.issuer.tenant_of(iss) is not None:
            return keys
    for keys in trust.templates:
        template = keys.issuer.template
        assert template is not None
        if iss.startswith(template[0]) and iss.endswith(template[1]):
            allowed = keys.issuer.tenants
            raise InvalidTokenError(
                f"the token's issuer {shown(iss)} names a tenant that {keys.issuer.issuer} does not "
                + ("accept" if allowed is None else f"allow (allowed: {list(allowed)}); add it to tenants="),
                code="unknown_issuer",
                issuer=keys.issuer.issuer,
            )
    return None


def _unknown_issuer(trust: Trust, iss: object) -> str:
    configured = [*trust.by_iss, *(keys.issuer.issuer for keys in trust.templates)]
    listed = ", ".join(repr(name) for name in configured)
    if trust.resolved is not None:  # asked already when iss is a string: it trusts no such issuer
        listed = (
            f"{listed} and those the issuer resolver returns"
            if listed
            else "those the issuer resolver returns"
        )
    if iss is None:
        return f"the token has no `iss` claim; trusted issuers are {listed}"
    if not isinstance(iss, str):
        return f"the token's `iss` is not a string; trusted issuers are {listed}"
    message = f"the token's issuer {shown(iss)} is not trusted; trusted issuers are {listed}"
    for name in configured:
        if name.rstrip("/") == iss.rstrip("/"):
            return message + f" (nearest: {name!r}, which differs only by a trailing slash)"
        if name.lower() == iss.lower():
            return message + f" (nearest: {name!r}, which differs only in letter case)"
    for name in configured:  # e.g. WorkOS AuthKit's https://api.workos.com/user_management/<client_id>
        if iss.startswith(name.rstrip("/") + "/"):
            return message + (
                f" (nearest: {name!r}, a prefix of it; issuers must match exactly, so trust "
                f"{shown(iss)} too if it is yours)"
            )
    for name in configured:  # a dev issuer reached as localhost by one side and 127.0.0.1 by the other
        if _loopback_alias(name) == _loopback_alias(iss):
            return message + f" (did you mean {name!r}? localhost and 127.0.0.1 are different issuers)"
    nearest = difflib.get_close_matches(iss, configured, n=1, cutoff=0.6)
    if nearest:
        return message + f" (nearest: {nearest[0]!r})"
    return message


def _loopback_alias(url: str) -> str:
    """``url`` with ``localhost`` and ``127.0.0.1`` hosts written the same way."""
    for host in ("//localhost:", "//localhost/", "//[::1]:"):
        url = url.replace(host, host.replace("localhost", "127.0.0.1").replace("[::1]", "127.0.0.1"), 1)
    return url.rstrip("/")
