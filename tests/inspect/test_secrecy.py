"""For any token, refused or not: no log line, error text, 401 answer or inspect output holds it.

Property-based: Hypothesis builds claim sets and headers, signs them with the fake issuer's real
key, then damages some tokens (swapped or cut signatures, missing or extra segments, garbage).
The token and its signature must never appear in what the library writes.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from inspect_scenarios import AUDIENCE, FAKE, ISSUER, NOW, SCENARIOS, MakeVerifier

from asgi_authinfo import AuthError
from asgi_authinfo._diagnosis import diagnose
from asgi_authinfo._render import render_json, render_text
from asgi_authinfo._responses import challenge, error_body

pytestmark = pytest.mark.anyio

B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
MIN_SECRET = 16  # shorter fragments (a 1-character "signature") would match by chance


def mostly(usual: Any, *unusual: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """``usual`` four times in five, else one of the unusual strategies: every rule gets its turn."""
    return st.integers(0, 4).flatmap(lambda roll: st.one_of(*unusual) if roll == 0 else st.just(usual))


times = st.one_of(st.integers(NOW - 10**6, NOW + 10**6), st.text(max_size=4), st.booleans(), st.none())
claim_sets = st.fixed_dictionaries(
    {
        "iss": mostly(ISSUER, st.sampled_from([ISSUER + "/", "https://other.example"]), st.text(max_size=40)),
        "aud": mostly(AUDIENCE, st.just("api://billing"), st.lists(st.text(max_size=12), max_size=3)),
        "exp": mostly(NOW + 60, times),
        "sub": mostly("user_1", st.text(max_size=30), st.integers(), st.none()),
    },
    optional={
        "nbf": times,
        "iat": times,
        "azp": st.text(max_size=20),
        "scope": st.text(max_size=30),
    },
)
headers = st.fixed_dictionaries(
    {"kid": mostly(FAKE.key.kid, st.text(max_size=20), st.none())},
    optional={"typ": st.one_of(st.just("at+jwt"), st.text(max_size=10))},
)
damage = mostly(
    "none",
    st.sampled_from(["swap_signature", "cut_signature", "drop_payload", "extra_segment", "garbage", "crit"]),
)
garbage = st.text(alphabet=B64URL + ".", min_size=MIN_SECRET, max_size=300)


def damaged(token: str, how: str, other: str, junk: str) -> str:
    head, _, signature = token.rpartition(".")
    if how == "swap_signature":
        return head + "." + other.rpartition(".")[2]
    if how == "cut_signature":
        return head + "." + signature[: len(signature) // 2]
    if how == "drop_payload":
        return token.split(".")[0] + "." + signature
    if how == "extra_segment":
        return token + "." + signature
    if how == "garbage":
        return junk
    return token


def written(verifier_error: AuthError | None, records: list[logging.LogRecord], diagnosis_text: str) -> str:
    """Everything the library wrote: log lines (and their structured fields), errors, answers, inspect."""
    parts = [diagnosis_text]
    for record in records:
        parts.append(record.getMessage())
        parts.extend(str(value) for value in record.__dict__.values() if isinstance(value, str))
    if verifier_error is not None:
        parts += [str(verifier_error), repr(verifier_error), verifier_error.description]
        parts += [challenge(verifier_error, "api"), error_body(verifier_error).decode()]
    return "\n".join(parts)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(claims=claim_sets, header=headers, how=damage, junk=garbage)
async def test_no_output_holds_the_token_or_its_signature(
    claims: dict[str, Any],
    header: dict[str, Any],
    how: str,
    junk: str,
    make_verifier: MakeVerifier,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="asgi_authinfo")
    caplog.clear()
    if how == "crit":
        header = {**header, "crit": ["exp"]}
    token = damaged(FAKE.token(headers=header, **claims), how, FAKE.token(sub="someone-else"), junk)
    verifier = make_verifier(SCENARIOS[0])
    error: AuthError | None = None
    try:
        await verifier.verify(token)
    except AuthError as refused:
        error = refused
    diagnosis = await diagnose(verifier, token)
    assert _same(diagnosis.error, error)  # the recorder runs verify()'s rules: the same verdict
    event(error.code if error is not None else "accepted")
    output = written(error, caplog.records, render_text(diagnosis) + render_json(diagnosis))
    signature = token.rpartition(".")[2]
    assert token not in output
    if len(signature) >= MIN_SECRET:
        assert signature not in output


def _same(one: AuthError | None, other: AuthError | None) -> bool:
    if one is None or other is None:
        return one is other
    return (type(one), one.code, one.description) == (type(other), other.code, other.description)
