"""Every new preset reads ``AuthInfo.claims`` (read-only: mappings and tuples) as it reads raw JSON.

Userinfo enrichment re-runs the issuer's mapper on ``auth.claims`` merged with the userinfo
answer, and may do so for an ``AuthInfo`` taken from a cache of verified tokens.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from asgi_authinfo._frozen import freeze
from asgi_authinfo.claims import resolve

from .strategies import (
    auth0_tokens,
    cognito_tokens,
    entra_tokens,
    firebase_tokens,
    keycloak_tokens,
    okta_tokens,
    supabase_tokens,
)

CASES: dict[str, st.SearchStrategy[Any]] = {
    "auth0": auth0_tokens(),
    "keycloak": keycloak_tokens(),
    "cognito": cognito_tokens(),
    "entra": entra_tokens(),
    "okta": okta_tokens(),
    "supabase": supabase_tokens(),
    "firebase": firebase_tokens(),
}


@pytest.mark.parametrize("preset", sorted(CASES))
@given(data=st.data())
def test_frozen_claims_map_like_raw_claims(preset: str, data: st.DataObject) -> None:
    claims, _ = data.draw(CASES[preset])
    mapper = resolve(preset)
    assert mapper(freeze(claims)) == mapper(claims)


def _deep_freeze(value: Any) -> Any:
    """The plain definition ``freeze`` must agree with: mappings all the way down, arrays as tuples."""
    if isinstance(value, Mapping):
        return MappingProxyType({str(key): _deep_freeze(item) for key, item in value.items()})
    if isinstance(value, list | tuple):
        return tuple(_deep_freeze(item) for item in value)
    return value


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(max_size=5), inner, max_size=4)
        | st.dictionaries(st.integers(), inner, max_size=2)
        | st.builds(MappingProxyType, st.dictionaries(st.text(max_size=3), inner, max_size=2))
        | st.lists(inner, max_size=3).map(tuple)
    ),
    max_leaves=20,
)


def _shape(value: Any) -> Any:
    """``value`` with its container types spelled out, so that equality also compares them."""
    if isinstance(value, MappingProxyType):
        return ("mapping", {key: _shape(item) for key, item in value.items()})
    if isinstance(value, tuple):
        return ("tuple", [_shape(item) for item in value])
    return (type(value).__name__, value)


@given(_JSON)
def test_freeze_is_the_plain_deep_freeze(value: Any) -> None:
    frozen = freeze(value)
    assert _shape(frozen) == _shape(_deep_freeze(value))
    if isinstance(value, Mapping):
        assert all(type(key) is str for key in frozen)
