"""``Issuer(claim_checks=...)``: extra rules on verified claims, for providers and for users."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from asgi_authinfo import ClaimIn, InvalidTokenError
from asgi_authinfo._claim_checks import CognitoTokenUse
from pytest_plugin import FakeIssuer

from ._support import round_trip


def require_mfa(claims: Mapping[str, Any], issuer: str, /) -> None:
    """A user's own rule: Supabase tokens must come from a multi-factor sign-in."""
    if claims.get("aal") != "aal2":
        raise InvalidTokenError(
            "this API needs a multi-factor sign-in (aal2)", code="invalid_claim", issuer=issuer
        )


@pytest.mark.anyio
async def test_a_users_own_check() -> None:
    assert (await round_trip("supabase", {"aal": "aal2"}, claim_checks=[require_mfa])).is_signed_in
    with pytest.raises(InvalidTokenError, match="aal2") as refused:
        await round_trip("supabase", {"aal": "aal1"}, claim_checks=[require_mfa])
    assert refused.value.code == "invalid_claim"


@pytest.mark.anyio
async def test_checks_run_after_the_standard_rules() -> None:
    with pytest.raises(InvalidTokenError) as refused:
        await round_trip("oidc", {"exp": 1}, claim_checks=[require_mfa])
    assert refused.value.code == "expired"


@pytest.mark.anyio
async def test_claim_in() -> None:
    check = ClaimIn("cid", ["web", "cli"], code="unauthorized_party")
    assert (await round_trip("okta", {"cid": "cli"}, claim_checks=[check])).is_signed_in
    for claims, code in (
        ({"cid": "other"}, "unauthorized_party"),
        ({}, "missing_claim"),
        ({"cid": ["web"]}, "unauthorized_party"),
    ):
        with pytest.raises(InvalidTokenError) as refused:
            await round_trip("okta", claims, claim_checks=[check])
        assert refused.value.code == code


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: FakeIssuer().issuer_config(claim_checks=["cid"]), "callables"),
        (lambda: ClaimIn("", "x"), "claim's name"),
        (lambda: ClaimIn("cid", []), "allowed values"),
        (lambda: ClaimIn("cid", ["ok", ""]), "allowed values"),
        (lambda: CognitoTokenUse([], "client"), "token_use"),
        (lambda: CognitoTokenUse("access", []), "client_id"),
    ],
)
def test_checks_are_validated_when_built(build: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build()
