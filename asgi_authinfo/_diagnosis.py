"""Why a token is accepted or refused, rule by rule: the verifier's own rules, run with a recorder.

:func:`diagnose` runs the verifier's rule tuple (``TokenVerifier.rules``) in order, exactly as
``verify()`` does, and records one :class:`Check` per rule. The first refusal is the verdict, so
it is the middleware's ``NoAuthInfo.error`` and 401 ``error_description``. Where ``verify()``
stops, the recorder goes on only with the claim rules after a claim rule failed (each reads the
claims alone, so every claim problem shows); every other later rule is ``not_reached``. After
``mapping`` come the rules on the mapped ``AuthInfo`` (``TokenVerifier.mapped_rules``: ``revoked``).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from ._auth_info import AuthInfo
from ._claim_rules import TIME_CLAIMS, describe_time
from ._dpop import DpopRequest
from ._errors import AuthError, ErrorCode, shown
from ._issuer import Issuer
from ._jose import ParsedToken, parse
from ._observer import fingerprint
from ._rules import Rule, Token
from ._verifier import TokenVerifier

__all__ = ["TIME_CLAIMS", "Check", "CheckStatus", "Diagnosis", "describe_time", "diagnose"]

CheckStatus = Literal["passed", "failed", "skipped", "not_reached"]
"""``skipped``: the issuer's configuration does not ask for this check; ``not_reached``: an earlier
step failed, and the verifier stops at the first failure."""


@dataclass(frozen=True, slots=True)
class Check:
    """One rule applied to the token: what it expected, what the token had, and the outcome."""

    name: str
    status: CheckStatus
    expected: str = ""
    actual: str = ""
    explanation: str | None = None
    code: ErrorCode | None = None

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True, slots=True)
class Diagnosis:
    """Everything ``inspect`` shows about one token; the token itself is not kept."""

    fingerprint: str
    length: int
    now: float
    header: Mapping[str, Any] | None
    claims: Mapping[str, Any] | None
    trusted_issuers: tuple[str, ...]
    issuer: Issuer | None
    jwks_uri: str | None
    jwks_kids: tuple[str | None, ...]
    checks: tuple[Check, ...]
    error: AuthError | None
    auth: AuthInfo | None
    bug: str | None = None
    """Set when a claim check or mapper raised (a bug, not a refusal: the middleware answers 500)."""
    resolver: bool = False
    """Whether the verifier also trusts the issuers its issuer resolver returns."""

    @property
    def accepted(self) -> bool:
        return self.auth is not None


async def diagnose(
    verifier: TokenVerifier | None, token: str, *, now: float | None = None, dpop: DpopRequest | None = None
) -> Diagnosis:
    """Run ``verifier``'s rules on ``token`` and explain each one; with no verifier, only decode it.

    ``dpop`` is the request's DPoP proof, if the token is sent the DPoP way (RFC 9449).

    Times are judged and shown relative to ``now`` (default: the verifier's clock, else the wall
    clock). The token is not cached and nothing is observed: this is not a request.
    """
    if now is None:
        now = verifier._now() if verifier is not None else time.time()
    if verifier is None:
        return _decoded_only(token, now)
    recorder = _Recorder(Token(token, verifier.trust, now))
    for rule in verifier.rules:
        await recorder.run(rule)
    await recorder.finish(verifier)
    await recorder.sender(verifier, dpop)
    state = recorder.token
    parsed = state.parsed if state.parsed is not None else _decoded(token)
    jwks = state.jwks
    return Diagnosis(
        fingerprint=fingerprint(token),
        length=len(token),
        now=now,
        header=None if parsed is None else parsed.header,
        claims=None if parsed is None else parsed.claims,
        trusted_issuers=tuple(issuer.issuer for issuer in verifier.issuers),
        issuer=state.issuer,
        jwks_uri=None if jwks is None else jwks.uri,
        jwks_kids=() if jwks is None else tuple(key.kid for key in jwks.keys),
        checks=tuple(recorder.checks),
        error=recorder.error,
        auth=recorder.auth,
        bug=recorder.bug,
        resolver=verifier.resolver is not None,
    )


class _Recorder:
    """Runs rules on one :class:`Token` and records a :class:`Check` for each, past claim failures."""

    def __init__(self, token: Token) -> None:
        self.token = token
        self.checks: list[Check] = []
        self.failed: Rule | None = None
        self.error: AuthError | None = None
        self.bug: str | None = None
        self.auth: AuthInfo | None = None

    async def run(self, rule: Rule) -> None:
        token = self.token
        failed = self.failed
        if failed is not None and not (rule.claims and failed.claims):
            if token.parsed is not None:  # after a token that cannot be read there is nothing to show
                expected, actual = self.describe(rule)
                self.checks.append(Check(rule.name, "not_reached", expected, actual if rule.claims else ""))
            return
        issuer = token.issuer
        if rule.option is not None and issuer is not None and not getattr(issuer, rule.option):
            reason = f"not checked: the issuer sets no `{rule.option}=`"
            self.checks.append(Check(rule.name, "skipped", "anything", self.describe(rule)[1], reason))
            return
        try:
            pending = rule.check(token)
            if pending is not None:
                await pending
        except AuthError as error:
            self.fail(rule, error.description, error.code)
            if self.error is None:
                self.error = error
        except Exception as exc:  # a bug in a claim check, logged by the rule; the middleware answers 500
            self.fail(rule, _bug(f"rule `{rule.name}`", exc), None)
            self.bug = self.bug or self.checks[-1].explanation
        else:
            expected, actual = self.describe(rule)
            self.checks.append(Check(rule.name, "passed", expected, actual))

    def fail(self, rule: Rule, explanation: str, code: ErrorCode | None) -> None:
        expected, actual = self.describe(rule)
        self.checks.append(Check(rule.name, "failed", expected, actual, explanation, code))
        if self.failed is None:
            self.failed = rule

    def describe(self, rule: Rule) -> tuple[str, str]:
        return ("", "") if rule.describe is None else rule.describe(self.token)

    async def finish(self, verifier: TokenVerifier) -> None:
        """The last steps, as in ``verify()``: map the claims (and ask userinfo) into an ``AuthInfo``,
        then run the rules on it (``revoked``, when the verifier has a revocation list)."""
        issuer = self.token.issuer
        mapper = "" if issuer is None else f"the {issuer.claims!r} claims preset"
        if issuer is not None and not isinstance(issuer.claims, str):
            mapper = "your claims mapper"
        if self.failed is not None:
            if self.token.parsed is not None:
                self.checks.append(Check("mapping", "not_reached", mapper))
                self.not_reached(verifier.mapped_rules)
            return
        try:
            auth = await verifier.finish(self.token, remember=False)
        except AuthError as error:
            self.checks.append(Check("mapping", "failed", mapper, "failed", error.description, error.code))
            self.error = error
            self.not_reached(verifier.mapped_rules)
            return
        except Exception as exc:  # logged by finish(); the middleware answers 500
            self.bug = _bug("the claims mapper", exc)
            self.checks.append(Check("mapping", "failed", mapper, "raised", self.bug))
            self.not_reached(verifier.mapped_rules)
            return
        built = f"AuthInfo for {shown(auth.subject)}, by {mapper}"
        self.checks.append(Check("mapping", "passed", "an AuthInfo", built))
        for rule in verifier.mapped_rules:
            await self.run(rule)
        if self.failed is None and self.bug is None:
            self.auth = auth

    def not_reached(self, rules: tuple[Rule, ...]) -> None:
        self.checks.extend(Check(rule.name, "not_reached", self.describe(rule)[0]) for rule in rules)

    async def sender(self, verifier: TokenVerifier, dpop: DpopRequest | None) -> None:
        """The DPoP step, as in ``verify()``: the issuer's policy, the token's binding, the proof."""
        auth = self.auth
        bound = None if auth is None else auth.dpop_jkt
        expected = "a DPoP proof for the request" if dpop is not None or bound else "a bearer token"
        if auth is None:
            if self.token.parsed is not None:
                self.checks.append(Check("dpop", "not_reached", expected))
            return
        actual = f"bound to key {shown(bound)}" if bound else "not DPoP-bound"
        try:
            await verifier.check_sender(auth, dpop)
        except AuthError as error:
            self.checks.append(Check("dpop", "failed", expected, actual, error.description, error.code))
            self.error, self.auth = error, None
            return
        self.checks.append(Check("dpop", "passed", expected, actual))


def _bug(what: str, exc: Exception) -> str:
    return (
        f"{what} raised {type(exc).__name__}: a bug in the code, not a bad token; the middleware "
        "lets the exception propagate, so the server answers 500 (the traceback is logged)"
    )


def _decoded_only(token: str, now: float) -> Diagnosis:
    """Without issuers: the token's size and format, and its header and claims, unchecked."""
    checks = [Check("size", "passed", "", f"{len(token)} bytes")]
    expected = "a signed JWT: header.payload.signature"
    parsed: ParsedToken | None = None
    try:
        parsed = parse(token)
    except AuthError as error:
        actual = f"{token.count('.') + 1} segments"
        checks.append(Check("format", "failed", expected, actual, error.description, error.code))
    else:
        checks.append(Check("format", "passed", expected, "3 segments, JSON header and claims"))
    return Diagnosis(
        fingerprint=fingerprint(token),
        length=len(token),
        now=now,
        header=None if parsed is None else parsed.header,
        claims=None if parsed is None else parsed.claims,
        trusted_issuers=(),
        issuer=None,
        jwks_uri=None,
        jwks_kids=(),
        checks=tuple(checks),
        error=None,
        auth=None,
    )


def _decoded(token: str) -> ParsedToken | None:
    """The header and claims to show when a rule refused the token before reading it (e.g. size)."""
    try:
        return parse(token)
    except AuthError:
        return None
