"""``st.from_type`` for ``AuthInfo`` and ``NoAuthInfo``: registered when this module is imported."""

from __future__ import annotations

import functools
from typing import Final

from hypothesis import strategies as st

from asgi_authinfo import AuthInfo, ErrorCode, InvalidTokenError, NoAuthInfo

from .._fake_issuer import FakeIssuer
from .._presets import PRESETS, Preset, get_preset
from ._claims import Draw
from ._tokens import tokens

__all__ = ["auth_infos"]


@functools.cache
def _default_fake(preset: str) -> FakeIssuer:
    return FakeIssuer(preset=preset)


@st.composite
def auth_infos(draw: Draw, preset: str | Preset | None = None) -> AuthInfo:
    """``AuthInfo`` values as the middleware produces them: a drawn token of ``preset`` (any preset
    by default), verified by the real ``TokenVerifier``."""
    name = get_preset(preset).name if preset is not None else draw(st.sampled_from(tuple(PRESETS)))
    fake = _default_fake(name)
    return fake.verify(draw(tokens(fake)))


_CODES: Final[tuple[ErrorCode, ...]] = (
    "malformed",
    "expired",
    "not_yet_valid",
    "bad_signature",
    "unknown_issuer",
    "audience_mismatch",
    "unknown_key",
    "algorithm_not_allowed",
    "missing_claim",
)

st.register_type_strategy(AuthInfo, st.deferred(lambda: auth_infos()))
st.register_type_strategy(
    NoAuthInfo,
    st.builds(
        NoAuthInfo,
        error=st.none()
        | st.builds(
            InvalidTokenError, st.sampled_from(["the token was refused"]), code=st.sampled_from(_CODES)
        ),
    ),
)
