"""Why a token is accepted or refused, step by step, with the verifier's own building blocks.

The verdict is what :meth:`TokenVerifier.verify` says, so it is exactly the middleware's
``NoAuthInfo.error`` and 401 ``error_description``. The checks beside it come from running the
same steps one at a time (``parse``, ``_select``, the issuer's JWKS ``key_for``,
``verify_signature``, ``_check_claims``) and recording each outcome: no rule is written twice.
Claim checks are each run on their own, so every claim problem shows, not only the first.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal

from ._auth_info import AuthInfo
from ._errors import AuthError, ErrorCode, ago, shown, utc
from ._issuer import Issuer
from ._issuer_keys import IssuerKeys
from ._jose import ParsedToken, VerifyingKey, parse, verify_signature
from ._observer import fingerprint
from ._verifier import TokenVerifier

__all__ = ["Check", "CheckStatus", "Diagnosis", "describe_time", "diagnose"]

CheckStatus = Literal["passed", "failed", "skipped", "not_reached"]
"""``skipped``: the issuer's configuration does not ask for this check; ``not_reached``: an earlier
step failed, and the verifier stops at the first failure."""

TIME_CLAIMS: Final = ("exp", "nbf", "iat", "auth_time")
_PROBE_LIFETIME: Final = 3600.0
_LISTED: Final = 5


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
    consistent: bool = True
    """Whether the step-by-step checks reach the same verdict as ``verify()`` (they always should)."""

    @property
    def accepted(self) -> bool:
        return self.auth is not None


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


async def diagnose(verifier: TokenVerifier | None, token: str, *, now: float | None = None) -> Diagnosis:
    """Verify ``token`` with ``verifier`` and explain each step; with no verifier, only decode it.

    Times are shown relative to ``now`` (default: the verifier's clock, else the wall clock).
    """
    steps = _Steps(verifier, token, now)
    await steps.run()
    return steps.diagnosis()


class _Steps:
    """Runs the verification steps in the verifier's order and records a :class:`Check` for each."""

    def __init__(self, verifier: TokenVerifier | None, token: str, now: float | None) -> None:
        self.verifier = verifier
        self.token = token
        if now is None:
            now = verifier._now() if verifier is not None else time.time()
        self.now = now
        self.checks: list[Check] = []
        self.error: AuthError | None = None
        self.auth: AuthInfo | None = None
        self.parsed: ParsedToken | None = None
        self.issuer: Issuer | None = None
        self.jwks_uri: str | None = None
        self.jwks_kids: tuple[str | None, ...] = ()
        self.first_failure: AuthError | None = None
        self.stopped = False

    def diagnosis(self) -> Diagnosis:
        parsed = self.parsed
        consistent = self.verifier is None or self.first_failure == self.error
        return Diagnosis(
            fingerprint=fingerprint(self.token),
            length=len(self.token),
            now=self.now,
            header=None if parsed is None else parsed.header,
            claims=None if parsed is None else parsed.claims,
            trusted_issuers=() if self.verifier is None else tuple(i.issuer for i in self.verifier.issuers),
            issuer=self.issuer,
            jwks_uri=self.jwks_uri,
            jwks_kids=self.jwks_kids,
            checks=tuple(self.checks),
            error=self.error,
            auth=self.auth,
            consistent=consistent,
        )

    def record(self, check: Check, error: AuthError | None = None) -> None:
        if self.stopped:
            check = dataclasses.replace(check, status="not_reached", explanation=None, code=None)
        elif check.status == "failed":
            self.stopped = True
            self.first_failure = error
        self.checks.append(check)

    def failed(self, name: str, error: AuthError, expected: str = "", actual: str = "") -> None:
        self.record(Check(name, "failed", expected, actual, error.description, error.code), error)

    async def run(self) -> None:
        verifier = self.verifier
        if verifier is not None:
            try:
                self.auth = await verifier.verify(self.token)
            except AuthError as error:
                self.error = error
        self.check_size()
        parsed = self.check_format()
        if parsed is None or verifier is None:
            return
        selected = self.check_header(verifier, parsed)
        if selected is None:
            return
        keys, alg, kid = selected
        key = await self.check_key(keys, alg, kid)
        self.check_signature(parsed, alg, kid, key)
        exp = self.check_claims(verifier, parsed.claims)
        self.check_mapping(exp)

    # -- the steps, in verify()'s order -----------------------------------------------------

    def check_size(self) -> None:
        limit = "" if self.verifier is None else f"at most {self.verifier.max_token_bytes} bytes"
        actual = f"{len(self.token)} bytes"
        error = self.error
        if error is not None and error.code == "token_too_large":
            self.failed("size", error, limit, actual)
        else:
            self.record(Check("size", "passed", limit, actual))

    def check_format(self) -> ParsedToken | None:
        expected = "a signed JWT: header.payload.signature"
        try:
            parsed = parse(self.token)
        except AuthError as error:
            self.failed("format", error, expected, f"{self.token.count('.') + 1} segments")
            return None
        self.parsed = parsed
        self.record(Check("format", "passed", expected, "3 segments, JSON header and claims"))
        return parsed

    def check_header(
        self, verifier: TokenVerifier, parsed: ParsedToken
    ) -> tuple[IssuerKeys, str, str | None] | None:
        header, claims = parsed.header, parsed.claims
        trusted = ", ".join(repr(issuer.issuer) for issuer in verifier.issuers)
        iss = _value(claims, "iss")
        try:
            keys, alg, kid = verifier._select(parsed)
        except AuthError as error:
            self.header_failed(verifier, parsed, error, trusted, iss)
            return None
        issuer = self.issuer = keys.issuer
        self.record(Check("issuer", "passed", f"one of {trusted}", iss))
        self.record(Check("alg", "passed", f"one of {', '.join(issuer.algorithms)}", _value(header, "alg")))
        if issuer.token_type is not None:
            self.record(Check("typ", "passed", repr(issuer.token_type), _value(header, "typ")))
        return keys, alg, kid

    def header_failed(
        self, verifier: TokenVerifier, parsed: ParsedToken, error: AuthError, trusted: str, iss: str
    ) -> None:
        header = parsed.header
        if error.code == "unknown_issuer":
            self.failed("issuer", error, f"one of {trusted}", iss)
            return
        issuer = self.issuer = next(
            (i for i in verifier.issuers if i.issuer == parsed.claims.get("iss")), None
        )
        self.record(Check("issuer", "passed", f"one of {trusted}", iss))
        allowed = "" if issuer is None else f"one of {', '.join(issuer.algorithms)}"
        if error.code == "algorithm_not_allowed":
            self.failed("alg", error, allowed, _value(header, "alg"))
            return
        self.record(Check("alg", "passed", allowed, _value(header, "alg")))
        if error.code == "wrong_token_type" and issuer is not None:
            self.failed("typ", error, repr(issuer.token_type), _value(header, "typ"))
            return
        self.failed("header", error, "no `crit`, a string `kid`", _header_summary(header))

    async def check_key(self, keys: IssuerKeys, alg: str, kid: str | None) -> VerifyingKey | None:
        issuer = keys.issuer
        expected = f"a key for {alg}" + ("" if kid is None else " with this kid") + " in the issuer's JWKS"
        try:
            jwks = await keys.jwks()
            self.jwks_uri = jwks.uri
            try:
                key: VerifyingKey = await jwks.key_for(kid, alg, issuer=issuer.issuer)
            finally:
                self.jwks_kids = tuple(candidate.kid for candidate in jwks.keys)
        except AuthError as error:
            self.failed("key", error, expected, "none found")
            return None
        self.record(Check("key", "passed", expected, f"kid {shown(key.kid)} ({key.kty}{_for_alg(key)})"))
        return key

    def check_signature(
        self, parsed: ParsedToken, alg: str, kid: str | None, key: VerifyingKey | None
    ) -> None:
        expected = f"a valid {alg} signature"
        if key is None:
            self.record(Check("signature", "not_reached", expected))
            return
        if verify_signature(parsed, alg, key):
            self.record(Check("signature", "passed", expected, f"verified with key {shown(key.kid)}"))
            return
        error = self.error
        if error is not None and error.code == "bad_signature":
            self.failed("signature", error, expected, "does not verify")
        else:  # verify() disagreed; keep the step's own outcome visible
            self.record(Check("signature", "failed", expected, "does not verify"))
            self.stopped = True

    def check_claims(self, verifier: TokenVerifier, claims: Mapping[str, Any]) -> float | None:
        issuer = self.issuer
        if issuer is None:
            return None
        was_stopped = self.stopped
        try:
            exp = verifier._check_claims(claims, issuer)
            overall: AuthError | None = None
        except AuthError as error:
            exp, overall = None, error
        rows = self.claim_rows(verifier, claims, issuer)
        if was_stopped:
            for row in rows:
                self.record(row)
            return None
        failures = [row for row in rows if row.status == "failed"]
        for row in rows:
            self.checks.append(row)
        if overall is not None:
            self.stopped = True
            self.first_failure = overall
            if not any(row.explanation == overall.description for row in failures):
                self.checks.append(Check("claims", "failed", "", "", overall.description, overall.code))
        return exp

    def claim_rows(self, verifier: TokenVerifier, claims: Mapping[str, Any], issuer: Issuer) -> list[Check]:
        """One row per claim rule, each run by ``_check_claims`` on its own (see ``_ClaimProbe``)."""
        probe = _ClaimProbe(verifier, claims, issuer, self.now)
        leeway = f"{issuer.leeway:g} s leeway"
        rows = [
            probe.row("sub", ("sub",), None, "a non-empty string"),
            probe.row("exp", ("exp",), None, f"after now - {leeway}"),
            probe.row("nbf", ("nbf",), None, f"absent, or not after now + {leeway}"),
            probe.row("iat", ("iat",), None, f"absent, or not after now + {leeway}"),
            probe.row("aud", ("aud",), "audience", _listed(issuer.audience)),
            probe.row(
                "azp", ("azp",), "authorized_parties", "absent, or " + _listed(issuer.authorized_parties)
            ),
        ]
        if issuer.required_claims:
            rows.append(
                probe.row(
                    "required",
                    tuple(issuer.required_claims),
                    "required_claims",
                    "present: " + ", ".join(issuer.required_claims),
                )
            )
        if probe.unusable is not None:
            return []  # the rules changed in a way the probe cannot isolate: the overall row says why
        return rows

    def check_mapping(self, exp: float | None) -> None:
        issuer = self.issuer
        mapper = "" if issuer is None else f"the {issuer.claims!r} claims preset"
        if issuer is not None and not isinstance(issuer.claims, str):
            mapper = "your claims mapper"
        if self.stopped or exp is None:
            self.record(Check("mapping", "not_reached", mapper))
            return
        if self.auth is not None:
            built = f"AuthInfo for {shown(self.auth.subject)}, by {mapper}"
            self.record(Check("mapping", "passed", "an AuthInfo", built))
            return
        if self.error is not None:
            self.failed("mapping", self.error, mapper, "failed")


class _ClaimProbe:
    """Runs ``_check_claims`` on a minimal valid claim set plus the claims one rule reads.

    The baseline has a ``sub`` and a future ``exp`` and an issuer with the optional rules off, so a
    probe fails only for the rule under test. If the baseline itself fails (the rules changed),
    the probe reports itself unusable and only the overall outcome is shown.
    """

    def __init__(
        self, verifier: TokenVerifier, claims: Mapping[str, Any], issuer: Issuer, now: float
    ) -> None:
        self.verifier = verifier
        self.claims = claims
        self.issuer = issuer
        self.now = now
        self.base_claims: dict[str, Any] = {"sub": "inspect", "exp": int(now + _PROBE_LIFETIME)}
        self.unusable: AuthError | None = None
        try:
            self.base_issuer = dataclasses.replace(
                issuer, audience=None, authorized_parties=None, required_claims=()
            )
            verifier._check_claims(self.base_claims, self.base_issuer)
        except AuthError as error:
            self.unusable = error
        except (TypeError, ValueError) as exc:
            self.unusable = AuthError(str(exc))

    def row(self, name: str, names: tuple[str, ...], option: str | None, expected: str) -> Check:
        actual = ", ".join(_value(self.claims, claim, self.now) for claim in names)
        if self.unusable is not None:
            return Check(name, "not_reached", expected, actual)
        if option is not None and not getattr(self.issuer, option):
            reason = f"not checked: the issuer sets no `{option}=`"
            return Check(name, "skipped", "anything", actual, reason)
        probe = dict(self.base_claims)
        for claim in names:
            if claim in self.claims:
                probe[claim] = self.claims[claim]
            else:
                probe.pop(claim, None)
        issuer = self.base_issuer
        if option is not None:
            issuer = dataclasses.replace(issuer, **{option: getattr(self.issuer, option)})
        try:
            self.verifier._check_claims(probe, issuer)
        except AuthError as error:
            return Check(name, "failed", expected, actual, error.description, error.code)
        return Check(name, "passed", expected, actual)


def _value(mapping: Mapping[str, Any], name: str, now: float | None = None) -> str:
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


def _listed(values: tuple[str, ...] | Any) -> str:
    if not values:
        return "anything"
    return "one of " + ", ".join(repr(value) for value in values)


def _for_alg(key: VerifyingKey) -> str:
    return "" if key.alg is None else f", {key.alg}"


def _header_summary(header: Mapping[str, Any]) -> str:
    parts = [f"{name}={shown(header[name])}" for name in ("crit", "kid") if name in header]
    return ", ".join(parts) or "no crit, no kid"
