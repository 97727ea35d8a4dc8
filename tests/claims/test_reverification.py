"""Reverification: ``has(reverification=...)``, ``requires(reverification=...)`` and the 403 it answers.

The factor-age semantics are Clerk's (``clerk/javascript`` ``packages/shared/src/authorization.ts``
``TYPES_TO_OBJECTS`` and ``checkReverificationAuthorization``, in the fail-closed form of
``packages/shared/src/__tests__/authorization.test.ts``); the refusal body is Clerk's
``reverificationError()`` (``packages/shared/src/authorization-errors.ts``), which Clerk's
front end (``useReverification``) recognises by ``clerk_error.reason == "reverification-error"``.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from asgi_authinfo import (
    AuthInfo,
    AuthInfoMiddleware,
    NoAuthInfo,
    Requirement,
    Reverification,
    ReverificationError,
    TokenVerifier,
    User,
    check,
    requires,
)
from asgi_authinfo._responses import Refusal
from asgi_authinfo._reverification import PRESETS, factor_ages
from pytest_plugin import Clock, FakeIssuer


def signed_in(fva: Any) -> AuthInfo:
    return AuthInfo(
        user=User(id="user_1"), issuer="https://clerk.example", subject="user_1", access_token="t",
        factor_verification_age=factor_ages(fva),
    )  # fmt: skip


# (fva, preset) → Clerk's answer; minutes are ages when the token was issued.
TABLE = [
    ([0, 0], "strict_mfa", True),
    ([9, 9], "strict_mfa", True),
    ([10, 0], "strict_mfa", False),  # "afterMinutes > age": exactly 10 minutes is too old
    ([0, 10], "strict", False),
    ([500, 9], "strict", True),  # strict asks for the second factor only
    ([9, 500], "strict", False),
    ([5, -1], "strict", True),  # no second factor enabled: the first one counts
    ([11, -1], "strict", False),
    ([5, -1], "strict_mfa", False),  # ... but never for multi-factor (authorization.test.ts)
    ([-1, 0], "strict", False),  # a first factor of -1 is an invalid state
    ([-1, -1], "lax", False),
    ([0, 59], "moderate", True),
    ([0, 60], "moderate", False),
    ([0, 1439], "lax", True),
    ([0, 1440], "lax", False),
    (None, "lax", False),  # fva not opted in
    (["0", "0"], "lax", False),
    ([0], "lax", False),
    ([-0.5, 0], "lax", False),
    ([True, 0], "lax", False),
]


@pytest.mark.parametrize(("fva", "preset", "expected"), TABLE)
def test_presets_as_clerk(fva: Any, preset: str, expected: bool) -> None:
    assert signed_in(fva).has(reverification=preset) is expected  # type: ignore[arg-type]


def test_levels_and_minutes() -> None:
    auth = signed_in([30, 3])
    assert auth.has(reverification=("first_factor", 31))
    assert not auth.has(reverification=("first_factor", 30))
    assert auth.has(reverification=("second_factor", 4))
    assert auth.has(reverification=Reverification("multi_factor", 31))
    assert not auth.has(reverification=("multi_factor", 30))
    # invalid requirements are false in has() (Clerk fails closed) and ValueError when configured
    for bad in ("invalid-value", ("multi_factor", 0), ("multi_factor", -1), ("third_factor", 5), ("x",)):
        assert not auth.has(reverification=bad)  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="reverification"):
            Requirement(reverification=bad)  # type: ignore[typeddict-item]
    assert not NoAuthInfo().has(reverification="lax")
    assert PRESETS["strict"] == Reverification("second_factor", 10)


@given(first=st.integers(-1, 2000), second=st.integers(-1, 2000), minutes=st.integers(1, 2000))
def test_second_factor_rule(first: int, second: int, minutes: int) -> None:
    """A second-factor requirement reads the second factor, or the first when there is none."""
    auth = signed_in([first, second])
    if first == -1:
        expected = False
    elif second == -1:
        expected = minutes > first
    else:
        expected = minutes > second
    assert auth.has(reverification=("second_factor", minutes)) is expected
    with_others = auth.has(reverification=("second_factor", minutes), scope="x")
    assert with_others is False  # every condition must hold


def test_check_answers_clerks_reverification_error() -> None:
    error = check(signed_in([0, 30]), Requirement(reverification="strict"))
    assert isinstance(error, ReverificationError)
    refusal = Refusal.of(error, "api")
    assert refusal.status == 403
    assert refusal.payload["error_code"] == "reverification_required"
    assert refusal.payload["clerk_error"] == {
        "type": "forbidden",
        "reason": "reverification-error",
        "metadata": {"reverification": "strict"},
    }
    assert refusal.headers["WWW-Authenticate"].startswith(
        'Bearer realm="api", error="insufficient_user_authentication"'
    )
    pair = check(signed_in([0, 30]), Requirement(reverification=("second_factor", 20)))
    assert isinstance(pair, ReverificationError)
    assert pair.reverification == {"level": "second_factor", "afterMinutes": 20}
    assert check(signed_in([0, 3]), Requirement(reverification="strict")) is None
    # a missing permission answers insufficient_scope first: reverifying would not help
    scoped = check(signed_in([0, 30]), Requirement(permission="p", reverification="strict"))
    assert scoped is not None and scoped.code == "insufficient_scope"
    assert (
        repr(Requirement(role="admin", reverification="lax"))
        == "Requirement(role='admin', reverification='lax')"
    )


async def ok(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


@pytest.mark.anyio
async def test_requires_reverification_over_clerk_tokens(auth_clock: Clock) -> None:
    clock = auth_clock
    with FakeIssuer(preset="clerk", now=clock) as fake:
        verifier = TokenVerifier([fake.issuer_config()], now=clock, clock=clock)
        app = AuthInfoMiddleware(requires(reverification="strict")(ok), verifier=verifier)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:

            async def get(fva: list[int]) -> httpx.Response:
                token = fake.sign_in(factor_verification_age=fva).token
                return await client.get("/", headers={"Authorization": f"Bearer {token}"})

            fresh, stale = await get([2, 2]), await get([2, 45])
    assert fresh.status_code == 200
    assert stale.status_code == 403
    assert stale.json()["clerk_error"]["reason"] == "reverification-error"
    assert stale.json()["clerk_error"]["metadata"] == {"reverification": "strict"}
