"""Attacks on the claims (RFC 7519 §4.1, RFC 8725 §3.8-3.10): every token here carries a valid
signature from the trusted issuer's own key, so only the claim rules stand between it and a pass."""

from __future__ import annotations

from typing import Any

import pytest

from asgi_authinfo import AuthInfoMiddleware, TokenVerifier
from pytest_plugin import FakeIssuer

from .conftest import AUDIENCE, Clock, Target, echo, make_target
from .forge import sign_raw

pytestmark = pytest.mark.anyio

NOW = 1_800_000_000
ACCEPTED = "accepted"
DROP: Any = object()


@pytest.fixture
def algorithm() -> str:
    """Claim rules do not depend on the algorithm: one is enough here."""
    return "RS256"


def signed(target: Target, **changes: Any) -> str:
    """A token signed by the issuer's key, with claims changed (``DROP`` removes one).

    Signed with ``sign_raw`` so NaN, Infinity and 400-digit numbers reach the verifier as written.
    """
    claims = target.fake.default_claims()
    for name, value in changes.items():
        if value is DROP:
            claims.pop(name, None)
        else:
            claims[name] = value
    return sign_raw(target.fake.key, {"alg": "RS256", "typ": "JWT", "kid": target.fake.key.kid}, claims)


async def judge(target: Target, token: str, expected: str) -> None:
    if expected == ACCEPTED:
        await target.accept(token)
    else:
        await target.refuse(token, expected)


# -- exp / nbf / iat -------------------------------------------------------------------------------

TIME_CASES: list[tuple[str, Any, str]] = [
    ("exp", "1800000300", "invalid_claim"),
    ("exp", "tomorrow", "invalid_claim"),
    ("exp", True, "invalid_claim"),
    ("exp", False, "invalid_claim"),
    ("exp", NOW + 60.5, ACCEPTED),  # NumericDate may be fractional (RFC 7519 §2)
    ("exp", float("nan"), "invalid_claim"),
    ("exp", float("inf"), "invalid_claim"),
    ("exp", float("-inf"), "invalid_claim"),
    ("exp", 1e300, "invalid_claim"),
    ("exp", 10**400, "invalid_claim"),  # once an OverflowError (a 500): the range test comes first now
    ("exp", -(10**400), "invalid_claim"),
    ("exp", 253402300800, "invalid_claim"),  # after year 9999
    ("exp", -1, "expired"),
    ("exp", 0, "expired"),
    ("exp", NOW - 6, "expired"),  # beyond the 5 s leeway
    ("exp", NOW - 4, ACCEPTED),  # within the leeway
    ("exp", DROP, "missing_claim"),
    ("exp", None, "missing_claim"),
    ("exp", [NOW + 60], "invalid_claim"),
    ("exp", {"at": NOW + 60}, "invalid_claim"),
    ("nbf", "1800000000", "invalid_claim"),
    ("nbf", True, "invalid_claim"),
    ("nbf", float("nan"), "invalid_claim"),
    ("nbf", 10**400, "invalid_claim"),
    ("nbf", 1e300, "invalid_claim"),
    ("nbf", NOW + 3600, "not_yet_valid"),
    ("nbf", NOW + 1.5, ACCEPTED),
    ("nbf", -1, ACCEPTED),
    ("nbf", DROP, ACCEPTED),
    ("nbf", None, "missing_claim"),
    ("iat", "now", "invalid_claim"),
    ("iat", False, "invalid_claim"),
    ("iat", float("inf"), "invalid_claim"),
    ("iat", 10**400, "invalid_claim"),
    ("iat", NOW + 3600, "not_yet_valid"),
    ("iat", NOW - 10**6, ACCEPTED),
    ("iat", DROP, ACCEPTED),
    ("iat", None, "missing_claim"),
]


@pytest.mark.parametrize(
    ("claim", "value", "expected"), TIME_CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(TIME_CASES)]
)
async def test_time_claims(target: Target, claim: str, value: Any, expected: str) -> None:
    await judge(target, signed(target, **{claim: value}), expected)


# -- iss ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "iss",
    [
        "https://fake-issuer.test/",
        "https://FAKE-ISSUER.test",
        "HTTPS://fake-issuer.test",
        "http://fake-issuer.test",
        "https://fake-issuer.test ",
        " https://fake-issuer.test",
        "https://fake-issuer.test/../fake-issuer.test",
        "https://fake-issuer.test.attacker.example",
        "https://fake-issuer.test@attacker.example",
        "https://fake-issuer.test\x00",
        "",
        DROP,
        None,
        ["https://fake-issuer.test"],
        {"iss": "https://fake-issuer.test"},
        1,
    ],
)
async def test_issuer_must_match_exactly(target: Target, iss: Any) -> None:
    await target.refuse(signed(target, iss=iss), "unknown_issuer")


async def test_issuer_confusion_between_two_trusted_issuers(clock: Clock, network_for: Any) -> None:
    """B's key cannot sign for A: A's tokens are checked against A's JWKS only."""
    issuer_a = FakeIssuer("https://a.example", audience=AUDIENCE, now=clock)
    issuer_b = FakeIssuer("https://b.example", audience=AUDIENCE, now=clock)
    issuer_b.rotate_keys(keep_old=False)  # B's key differs from A's
    network = network_for(issuer_a)
    network_for(issuer_b)
    verifier = TokenVerifier([issuer_a.issuer_config(), issuer_b.issuer_config()], now=clock, clock=clock)
    target = Target(issuer_a, verifier, network, AuthInfoMiddleware(echo, verifier=verifier))
    forged_for_a = issuer_b.token(iss=issuer_a.issuer)
    await target.refuse(forged_for_a, "unknown_key")
    same_kid = issuer_b.token(iss=issuer_a.issuer, headers={"kid": issuer_a.key.kid})
    await target.refuse(same_kid, "bad_signature")
    assert (await target.accept(issuer_b.token())).issuer == issuer_b.issuer
    assert (await target.accept(issuer_a.token())).issuer == issuer_a.issuer
    assert network.jwks_fetches_from(issuer_a) == network.jwks_fetches_from(issuer_b) == 1


# -- sub ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sub", "expected"),
    [
        (DROP, "missing_claim"),
        (None, "missing_claim"),
        ("", "invalid_claim"),
        (1, "invalid_claim"),
        (["a"], "invalid_claim"),
        ({"id": "a"}, "invalid_claim"),
    ],
)
async def test_subject(target: Target, sub: Any, expected: str) -> None:
    await target.refuse(signed(target, sub=sub), expected)


# -- aud ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("aud", "expected"),
    [
        (DROP, "audience_mismatch"),
        (None, "audience_mismatch"),
        ("api://other", "audience_mismatch"),
        ("API://ORDERS", "audience_mismatch"),
        (AUDIENCE + "/", "audience_mismatch"),
        (" " + AUDIENCE, "audience_mismatch"),
        ("", "audience_mismatch"),
        ([], "audience_mismatch"),
        (["api://other"], "audience_mismatch"),
        (["api://other", "api://billing"], "audience_mismatch"),
        ([AUDIENCE], ACCEPTED),
        (["api://other", AUDIENCE], ACCEPTED),  # a list containing ours (RFC 7519 §4.1.3)
        ([AUDIENCE, 1], "invalid_claim"),
        ([[AUDIENCE]], "invalid_claim"),
        ({"aud": AUDIENCE}, "invalid_claim"),
        (1, "invalid_claim"),
        (True, "invalid_claim"),
    ],
)
async def test_audience(target: Target, aud: Any, expected: str) -> None:
    await judge(target, signed(target, aud=aud), expected)


# -- azp ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("azp", "expected"),
    [
        ("https://evil.example", "unauthorized_party"),
        ("https://app.example/", "unauthorized_party"),
        ("HTTPS://APP.EXAMPLE", "unauthorized_party"),
        ("", "unauthorized_party"),
        (["https://app.example"], "unauthorized_party"),
        (1, "unauthorized_party"),
        ("https://app.example", ACCEPTED),
        # No azp: accepted, as Clerk's SDKs do; machine tokens carry none. The audience still binds it.
        (DROP, ACCEPTED),
    ],
)
async def test_authorized_party(target: Target, clock: Clock, azp: Any, expected: str) -> None:
    strict = await make_target(target.fake, target.network, clock, authorized_parties=["https://app.example"])
    await judge(strict, signed(strict, azp=azp), expected)


# -- required claims ---------------------------------------------------------------------------------


async def test_required_claims(target: Target, clock: Clock) -> None:
    strict = await make_target(target.fake, target.network, clock, required_claims=["sid", "org_id"])
    await strict.refuse(signed(strict, org_id=DROP), "missing_claim")
    await strict.refuse(signed(strict, sid=DROP, org_id="org_1"), "missing_claim")
    await strict.accept(signed(strict, org_id="org_1"))
