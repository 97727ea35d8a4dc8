"""What fixes a refusal when the issuer is the plugin's fake: the fixture option, in the refusal itself.

``FakeIssuer.issuer_config()`` gives its ``Issuer`` :data:`FIXTURE_HINT` (the core's ``RefusalHint``
seam), so the description a test app answers with ends in ``(in tests: ...)``; issuers that are not
fakes never carry it, and production messages stay as they are.
"""

from __future__ import annotations

from typing import Final

from asgi_authinfo import AuthError

__all__ = ["FIXTURE_HINT", "FIXTURE_HINTS", "FixtureHint"]

FIXTURE_HINTS: Final[dict[str, str]] = {
    "audience_mismatch": "in tests: set the audience the fake issuer's tokens carry with "
    "@pytest.mark.fake_issuer(audience=...) or make_fake_issuer(audience=...)",
    "insufficient_scope": "in tests: the default signed-in user has no roles or permissions; "
    "describe it with @pytest.mark.signed_in_user(permissions=[...], role=...)",
    "unknown_issuer": "in tests: trust fake_issuer.issuer_config() (inside serve() the issuer is "
    "http://127.0.0.1:<port>), or give the fake your URL with @pytest.mark.fake_issuer(issuer=...)",
    "unauthorized_party": "in tests: mint the azp your app accepts with "
    "@pytest.mark.fake_issuer(authorized_party=...)",
    "expired": "in tests: fake issuers mint on auth_clock; advance it only after the request you "
    "expect to succeed, or mint with token_factory(expires_in=...)",
}
"""The advice per stable ``error_code``."""


class FixtureHint:
    """The fake issuers' ``RefusalHint``: the fixture option that fixes ``error``, if one does."""

    __slots__ = ()

    def __call__(self, error: AuthError, /) -> str | None:
        return FIXTURE_HINTS.get(error.code)

    def __repr__(self) -> str:
        return "FixtureHint()"


FIXTURE_HINT: Final = FixtureHint()
