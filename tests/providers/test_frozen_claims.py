"""Every new preset reads ``AuthInfo.claims`` (read-only: mappings and tuples) as it reads raw JSON.

Userinfo enrichment re-runs the issuer's mapper on ``auth.claims`` merged with the userinfo
answer, and may do so for an ``AuthInfo`` taken from a cache of verified tokens.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from asgi_authinfo._auth_info import freeze
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
