"""``FakeIssuer(authorized_party=...)``: the ``azp`` of minted tokens (Clerk's preset has none)."""

from __future__ import annotations

import pytest

from asgi_authinfo import AuthError, providers
from pytest_plugin import FakeIssuer

APP = "https://app.example.com"


def test_clerk_tokens_have_no_azp_by_default() -> None:
    assert "azp" not in FakeIssuer(preset="clerk").claims_for()


@pytest.mark.parametrize(("party", "accepted"), [(APP, True), ("https://evil.example.com", False)])
def test_authorized_party_is_checked_by_the_production_line(party: str, accepted: bool) -> None:
    fake = FakeIssuer(preset="clerk", authorized_party=party)
    (config,) = providers.clerk(fake.issuer, authorized_parties=[APP])
    token = fake.token_for()
    if accepted:
        assert fake.verify(token, authorized_parties=config.authorized_parties).user_id
    else:
        with pytest.raises(AuthError) as refused:
            fake.verify(token, authorized_parties=config.authorized_parties)
        assert refused.value.code == "unauthorized_party"
