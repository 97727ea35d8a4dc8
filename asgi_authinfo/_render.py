"""A :class:`Diagnosis` as text for people or JSON for machines; never the token itself.

Values taken from the token are escaped (no control or bidi characters reach the terminal) and
bounded in the text form; the JSON form has them in full.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, Final

from ._claim_rules import TIME_CLAIMS, describe_time
from ._diagnosis import Check, Diagnosis
from ._errors import AuthError, utc
from ._responses import Refusal

__all__ = ["render_json", "render_text"]

_VALUE_LIMIT: Final = 200
_MARKS: Final = {"passed": "ok", "failed": "FAIL", "skipped": "skip", "not_reached": "--"}
_NAME_WIDTH: Final = 10


def render_text(diagnosis: Diagnosis, *, realm: str = "api", notes: Sequence[str] = ()) -> str:
    lines = [
        f"token      fingerprint {diagnosis.fingerprint}, {diagnosis.length} characters "
        "(the token itself is never printed)",
    ]
    lines.append(f"now        {int(diagnosis.now)} ({utc(diagnosis.now)})")
    lines += [f"note       {note}" for note in notes]
    if diagnosis.header is not None:
        lines += ["", "header", *_fields(diagnosis.header, diagnosis.now, times=False)]
    if diagnosis.claims is not None:
        lines += [
            "",
            "claims",
            *_fields(diagnosis.claims, diagnosis.now, times=True),
        ]
    if diagnosis.trusted_issuers or diagnosis.resolver:
        lines += ["", "issuer", *_issuer_lines(diagnosis)]
    lines += ["", "checks", *(line for check in diagnosis.checks for line in _check_lines(check))]
    lines += ["", *_verdict_lines(diagnosis, realm)]
    return "\n".join(lines)


def render_json(diagnosis: Diagnosis, *, realm: str = "api", notes: Sequence[str] = ()) -> str:
    claims = diagnosis.claims
    times = {
        name: {"value": claims[name], "utc": when[0], "relative": when[1]}
        for name in TIME_CLAIMS
        if claims is not None
        and name in claims
        and (when := describe_time(name, claims[name], diagnosis.now)) is not None
    }
    error = diagnosis.error
    document: dict[str, Any] = {
        "accepted": diagnosis.accepted,
        "fingerprint": diagnosis.fingerprint,
        "length": diagnosis.length,
        "checked_at": diagnosis.now,
        "notes": list(notes),
        "header": None if diagnosis.header is None else dict(diagnosis.header),
        "claims": None if claims is None else dict(claims),
        "times": times,
        "trusted_issuers": list(diagnosis.trusted_issuers),
        "issuer": None if diagnosis.issuer is None else diagnosis.issuer.issuer,
        "jwks_uri": diagnosis.jwks_uri,
        "jwks_kids": list(diagnosis.jwks_kids),
        "checks": [check.to_dict() for check in diagnosis.checks],
        "error": None if error is None else _error_dict(error, realm),
        "auth_info": None if diagnosis.auth is None else diagnosis.auth.to_dict(),
        "server_error": diagnosis.bug,
    }
    return json.dumps(document, indent=2, default=repr)


def _error_dict(error: AuthError, realm: str) -> dict[str, Any]:
    answer = Refusal.of(error, realm)
    return {
        "code": error.code,
        "description": error.description,
        "status": error.status,
        "response": {"status": answer.status, "headers": dict(answer.headers), "body": answer.payload},
    }


def _answer_lines(error: AuthError, realm: str) -> list[str]:
    """What the middleware answers: the status, then one header a line."""
    answer = Refusal.of(error, realm)
    first = f"  the middleware answers HTTP {answer.status}; "
    return [
        f"{first if index == 0 else ' ' * len(first)}{name}: {value}"
        for index, (name, value) in enumerate(answer.headers.items())
    ]


def _fields(values: Mapping[str, Any], now: float, *, times: bool) -> list[str]:
    if not values:
        return ["  (empty)"]
    width = min(max(len(_safe(name)) for name in values), 26)
    lines = []
    for name, value in values.items():
        line = f"  {_safe(name):<{width}}  {_bounded(_safe(json.dumps(value, ensure_ascii=False)))}"
        when = describe_time(name, value, now) if times and name in TIME_CLAIMS else None
        if when is not None:
            line += f"  ({when[0]}, {when[1]})"
        lines.append(line)
    return lines


def _issuer_lines(diagnosis: Diagnosis) -> list[str]:
    resolved = ["the issuers the resolver returns"] if diagnosis.resolver else []
    lines = [f"  trusted   {', '.join([*diagnosis.trusted_issuers, *resolved])}"]
    issuer = diagnosis.issuer
    lines.append(f"  matched   {issuer.issuer if issuer is not None else 'none (see the issuer check)'}")
    if issuer is not None and diagnosis.jwks_uri is None and issuer.jwks_uri is None:
        lines.append(f"  discovery {issuer.discovery_uri}")
    if diagnosis.jwks_uri is not None:
        kids = ", ".join(_safe(repr(kid)) for kid in diagnosis.jwks_kids) or "no usable keys"
        lines.append(f"  JWKS      {diagnosis.jwks_uri} (kids: {kids})")
    return lines


def _check_lines(check: Check) -> list[str]:
    mark = _MARKS[check.status]
    actual = check.actual or ("not reached" if check.status == "not_reached" else "")
    line = f"  {mark:<5} {check.name:<{_NAME_WIDTH}} {actual}"
    if check.expected and check.status in ("passed", "failed"):
        line += f"  (expected {check.expected})"
    lines = [line.rstrip()]
    if check.explanation:
        lines.append(f"  {'':<5} {'':<{_NAME_WIDTH}} -> {check.explanation}")
    return lines


def _verdict_lines(diagnosis: Diagnosis, realm: str) -> list[str]:
    if not diagnosis.trusted_issuers and not diagnosis.resolver:
        iss = None if diagnosis.claims is None else diagnosis.claims.get("iss")
        hint = f"; to check it against its own issuer: --issuer {_safe(iss)}" if isinstance(iss, str) else ""
        return [f"result     NOT CHECKED: no issuer given (use --issuer, --provider or --config){hint}"]
    error = diagnosis.error
    lines: list[str] = []
    if diagnosis.bug is not None and error is None:
        return [f"result     SERVER ERROR: {diagnosis.bug}", "  the middleware answers HTTP 500"]
    if error is None:
        lines.append("result     ACCEPTED")
        if diagnosis.auth is not None:
            info = diagnosis.auth.to_dict()
            info.pop("claims", None)
            user = info.pop("user")
            flat = {f"user.{name}": value for name, value in user.items()} | info
            lines.append("AuthInfo (what get_auth() returns; `claims` as above)")
            lines += _fields(flat, diagnosis.now, times=False)
    else:
        lines += [
            f"result     REFUSED ({error.code}): {error.description}",
            *_answer_lines(error, realm),
            f'  or, with on_invalid="anonymous", get_auth() is NoAuthInfo(error={type(error).__name__}'
            f"(code={error.code!r}, ...))",
        ]
    return lines


def _safe(text: str) -> str:
    """Escape what a terminal would act on (control, bidi and other non-printable characters)."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else f"\\u{ord(ch):04x}" for ch in text)


def _bounded(text: str) -> str:
    return text if len(text) <= _VALUE_LIMIT else text[: _VALUE_LIMIT - 3] + "..."
