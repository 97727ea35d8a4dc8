"""Shared helper for the claim-mapper tests: a real ``AuthInfo`` built from a ``MappedClaims``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, TypeAlias

import pytest

from asgi_authinfo import AuthInfo, MappedClaims

ISSUER = "https://iss.example"

MakeAuthInfo: TypeAlias = Callable[..., AuthInfo]


def build_auth_info(mapped: MappedClaims, claims: Mapping[str, Any] | None = None) -> AuthInfo:
    """What the verifier does with a mapper's result: every mapped field lands on ``AuthInfo``."""
    return AuthInfo(
        issuer=ISSUER,
        subject=mapped.user.id,
        access_token="t",
        claims=MappingProxyType(dict(claims or {})),
        **mapped.auth_info_fields(),
    )


@pytest.fixture(scope="session")
def make_auth_info() -> MakeAuthInfo:
    """``make_auth_info(mapped, claims=None) -> AuthInfo`` (session-scoped: usable under @given)."""
    return build_auth_info
