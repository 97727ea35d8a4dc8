"""The refusals a newcomer meets against real providers read as what to do, not as parser output."""

from __future__ import annotations

import pytest

from asgi_authinfo import AuthError
from pytest_plugin import FakeIssuer


def refused(fake: FakeIssuer, token: str, **overrides: object) -> AuthError:
    with pytest.raises(AuthError) as caught:
        fake.verify(token, **overrides)
    return caught.value


def test_no_typ_when_at_jwt_is_required() -> None:
    fake = FakeIssuer()
    error = refused(fake, fake.token(headers={"typ": None}), token_type="at+jwt")
    assert error.code == "wrong_token_type"
    assert "has no typ header" in error.description and "None" not in error.description


def test_an_opaque_access_token() -> None:
    error = refused(FakeIssuer(), "8xLOxBtZp8")
    assert error.code == "malformed"
    assert "the token is not a JWT (opaque access token?)" in error.description
    assert "segments" not in error.description


def test_localhost_and_127_0_0_1_issuers_get_a_did_you_mean() -> None:
    fake = FakeIssuer("http://localhost:8400")
    error = refused(fake, fake.token(iss="http://127.0.0.1:8400"))
    assert error.code == "unknown_issuer"
    assert "did you mean 'http://localhost:8400'?" in error.description


def test_a_token_without_sub_says_why_sub_is_required() -> None:
    fake = FakeIssuer()
    error = refused(fake, fake.token(sub=None))
    assert error.code == "missing_claim"
    assert "names the caller" in error.description and "client-credentials" in error.description
