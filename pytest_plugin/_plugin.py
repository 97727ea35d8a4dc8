"""The pytest side: markers and fixtures (``fake_issuer``, ``make_fake_issuer``, ``token_factory``,
``signed_in_user``, ``signed_out_user``, ``auth_clock``). Loaded through the ``pytest11`` entry point."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Final, TypeAlias

import pytest

from ._callers import SignedInUser, SignedOutUser, TokenFactory
from ._clock import Clock
from ._fake_issuer import FakeIssuer
from ._presets import get_preset
from ._transports import FakeRoutes

__all__ = [
    "FakeIssuerFactory",
    "auth_clock",
    "fake_issuer",
    "make_fake_issuer",
    "pytest_configure",
    "pytest_runtest_setup",
    "signed_in_user",
    "signed_out_user",
    "token_factory",
]

FakeIssuerFactory: TypeAlias = Callable[..., FakeIssuer]
"""The ``make_fake_issuer`` fixture: ``make_fake_issuer(issuer=None, **FakeIssuer options)``."""

_MARKERS: Final = (
    "signed_in_user(**fields): who the signed_in_user fixture is, in AuthInfo terms: role=, roles=[...], "
    "permissions=[...], organization_id=, organization_slug=, impersonator=, email=, user_id=, "
    "session_id=, feature_flags=[...], entitlements=[...], scopes=[...], claims={raw claims}, "
    "dpop=True (a DPoP-bound token), and "
    "preset= (oidc, workos, clerk, clerk_v1, authgear, auth0, keycloak, cognito, cognito_id, entra, "
    "entra_v1, okta, supabase, firebase) for the fake_issuer fixture.",
    "fake_issuer(**options): FakeIssuer options for the fake_issuer fixture: issuer=, preset=, "
    "algorithm=, keys=, audience=, lifetime=, userinfo=, authorized_party= (the azp of its tokens).",
)


def pytest_configure(config: pytest.Config) -> None:
    for line in _MARKERS:
        config.addinivalue_line("markers", line)
    try:
        import hypothesis  # noqa: F401
    except ImportError:  # the testing extra is not installed: the strategies are not needed either
        return
    from . import strategies  # noqa: F401  (registers st.from_type(AuthInfo))


_USER_FIXTURES: Final = ("signed_in_user", "token_factory")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """A test's own ``signed_in_user`` marker that no fixture reads is an error, not a silent no-op."""
    fields = {key for marker in item.iter_markers("signed_in_user") for key in marker.kwargs} - {"preset"}
    own = any(marker.name == "signed_in_user" for marker in item.own_markers)
    if own and fields and not set(_USER_FIXTURES) & set(getattr(item, "fixturenames", ())):
        raise pytest.UsageError(
            f"{item.nodeid}: @pytest.mark.signed_in_user({', '.join(sorted(fields))}=...) describes the "
            "caller of the signed_in_user and token_factory fixtures, and this test uses neither: "
            "request one of them (tokens minted by hand with fake_issuer.token_for() take the fields "
            "as arguments)"
        )


def _marker_options(request: pytest.FixtureRequest, name: str) -> dict[str, Any]:
    """The keyword arguments of every ``@pytest.mark.<name>`` on the test, its class and module,
    merged: the closest marker wins per key (a test's ``role=`` beats its module's, and the module's
    ``organization_id=`` stays)."""
    options: dict[str, Any] = {}
    for marker in request.node.iter_markers(name):  # closest first
        if marker.args:
            raise TypeError(f"@pytest.mark.{name} takes keyword arguments only, got {marker.args!r}")
        for key, value in marker.kwargs.items():
            options.setdefault(key, value)
    return options


@pytest.fixture
def auth_clock() -> Clock:
    """A frozen clock, set to the real time when the test starts; fake issuers mint tokens with it.

    Give it to the verifier too (``TokenVerifier(..., now=auth_clock)`` or
    ``fake_issuer.verifier()``) and ``auth_clock.advance(3600)`` expires tokens without sleeping.
    """
    return Clock()


@pytest.fixture
def make_fake_issuer(auth_clock: Clock) -> Iterator[FakeIssuerFactory]:
    """A factory of started fake issuers (several per test; each gets its own URL and keys).

    ``make_fake_issuer(preset="clerk")``, ``make_fake_issuer("https://auth.example.com",
    audience="api://orders", algorithm="ES256")``. They answer through one respx router of the
    test's, and are all stopped when the test ends.
    """
    routes = FakeRoutes()
    started: list[FakeIssuer] = []

    def make(issuer: str | None = None, **options: Any) -> FakeIssuer:
        options.setdefault("now", auth_clock)
        if issuer is None:
            preset = get_preset(options.get("preset", "oidc"))
            taken = {fake.issuer for fake in started}
            number = 1
            while preset.default_issuer(number) in taken:
                number += 1
            issuer = preset.default_issuer(number)
        fake = FakeIssuer(issuer, **options)._start_on(routes)
        started.append(fake)
        return fake

    yield make
    for fake in reversed(started):
        fake.stop()


@pytest.fixture
def fake_issuer(request: pytest.FixtureRequest, make_fake_issuer: FakeIssuerFactory) -> FakeIssuer:
    """A started fake issuer (RS256, ``https://fake-issuer.test``) answering its URLs through respx.

    Configure it with ``@pytest.mark.fake_issuer(...)``; ``@pytest.mark.signed_in_user(preset=...)``
    also sets its preset.
    """
    options = _marker_options(request, "fake_issuer")
    preset = _marker_options(request, "signed_in_user").get("preset")
    if preset is not None and options.setdefault("preset", preset) != preset:
        raise ValueError(
            f"@pytest.mark.fake_issuer(preset={options['preset']!r}) and "
            f"@pytest.mark.signed_in_user(preset={preset!r}) disagree"
        )
    return make_fake_issuer(**options)


@pytest.fixture
def token_factory(request: pytest.FixtureRequest, fake_issuer: FakeIssuer) -> TokenFactory:
    """Mint tokens from ``fake_issuer`` for a described caller: ``token_factory(role="admin")``.

    The caller starts as ``@pytest.mark.signed_in_user(...)`` describes (the same user the
    ``signed_in_user`` fixture is); the call's own fields win. Also ``expires_in=-60`` (already
    expired), ``at=`` (minted at a time), ``claims={...}`` (raw claims; ``None`` drops one) and
    ``headers={...}`` (JOSE headers).
    """
    marked = _marker_options(request, "signed_in_user")
    marked.pop("preset", None)
    if not marked:
        return fake_issuer.token_for

    def token_for(**fields: Any) -> str:
        return fake_issuer.token_for(**{**marked, **fields})

    return token_for


@pytest.fixture
def signed_in_user(request: pytest.FixtureRequest, fake_issuer: FakeIssuer) -> SignedInUser:
    """A signed-in caller from ``fake_issuer``: ``token``, ``headers``, ``cookies``, ``claims``,
    ``user_id``, ``session_id`` and the ``auth_info`` the middleware produces for it.

    Describe the caller with ``@pytest.mark.signed_in_user(role="admin", organization_id="org_1")``.
    """
    fields = _marker_options(request, "signed_in_user")
    fields.pop("preset", None)
    return fake_issuer.sign_in(**fields)


@pytest.fixture
def signed_out_user() -> SignedOutUser:
    """Nobody: the counterpart of ``signed_in_user`` (no token, empty headers, ``NoAuthInfo``)."""
    return SignedOutUser()
