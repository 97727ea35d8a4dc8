"""Every OpenID Connect Core §5.1 claim on ``User``, typed, from the presets that carry them.

Convex's ``UserIdentity`` has the same set (``nickname``, ``preferredUsername``, ``profileUrl``,
``gender``, ``birthday``, ``timezone``, ``language``, ``address``, ``updatedAt``); here they keep
the OIDC claim names.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from asgi_authinfo import Address
from asgi_authinfo.claims import resolve
from asgi_authinfo.claims._read import as_address, as_datetime
from tests.providers._support import round_trip
from tests.providers.fixtures.sdk_payloads import AUTHGEAR_REFERENCE_USERINFO

# OpenID Connect Core 1.0 §5.1 claims with the values of its examples (§5.1.1 address, §5.3.2
# userinfo response) and the formats §5.1 gives (birthdate "YYYY-MM-DD", zoneinfo a tz name,
# locale BCP 47, updated_at seconds since the epoch).
OIDC_PROFILE: dict[str, Any] = {
    "sub": "248289761001",
    "name": "Jane Doe",
    "given_name": "Jane",
    "family_name": "Doe",
    "middle_name": "Q",
    "nickname": "JD",
    "preferred_username": "j.doe",
    "profile": "http://example.com/janedoe",
    "picture": "http://example.com/janedoe/me.jpg",
    "website": "http://janedoe.example.com",
    "email": "janedoe@example.com",
    "email_verified": True,
    "gender": "female",
    "birthdate": "0000-10-31",
    "zoneinfo": "America/Los_Angeles",
    "locale": "en-US",
    "phone_number": "+1 (425) 555-1212",
    "phone_number_verified": False,
    "address": {
        "formatted": "1234 Hollywood Blvd.\nLos Angeles, CA 90210\nUSA",
        "street_address": "1234 Hollywood Blvd.",
        "locality": "Los Angeles",
        "region": "CA",
        "postal_code": "90210",
        "country": "US",
    },
    "updated_at": 1311280970,
}
UPDATED: datetime = datetime(2011, 7, 21, 20, 42, 50, tzinfo=UTC)

AUTHGEAR_USERINFO = AUTHGEAR_REFERENCE_USERINFO  # Authgear's UserInfo reference example


@pytest.mark.anyio
@pytest.mark.parametrize("preset", ["oidc", "workos", "clerk", "authgear", "auth0", "keycloak", "okta"])
async def test_every_profile_claim_is_typed(preset: str) -> None:
    user = (await round_trip(preset, OIDC_PROFILE)).user
    assert (user.middle_name, user.nickname, user.preferred_username) == ("Q", "JD", "j.doe")
    assert (user.profile, user.website) == ("http://example.com/janedoe", "http://janedoe.example.com")
    assert (user.gender, user.birthdate) == ("female", "0000-10-31")
    assert (user.zoneinfo, user.locale) == ("America/Los_Angeles", "en-US")
    assert user.address == Address(
        formatted="1234 Hollywood Blvd.\nLos Angeles, CA 90210\nUSA",
        street_address="1234 Hollywood Blvd.",
        locality="Los Angeles",
        region="CA",
        postal_code="90210",
        country="US",
    )
    assert user.updated_at == UPDATED


def test_authgear_userinfo_example() -> None:
    mapped = resolve("authgear")(AUTHGEAR_USERINFO)
    assert mapped.user.gender == "male"
    assert mapped.user.updated_at == datetime(2023, 9, 17, 10, 38, 2, tzinfo=UTC)
    assert mapped.user.is_anonymous is False
    # is_verified and can_reauthenticate have no field: read them from AuthInfo.claims (documented)


def test_auth0_sends_updated_at_as_iso_8601() -> None:
    # Auth0 ID tokens and /userinfo carry updated_at as an ISO 8601 string ("2023-02-14T17:31:08.170Z").
    mapped = resolve("auth0")(
        {"sub": "auth0|1", "nickname": "jane", "updated_at": "2023-02-14T17:31:08.170Z"}
    )
    assert mapped.user.nickname == "jane"
    assert mapped.user.updated_at == datetime(2023, 2, 14, 17, 31, 8, 170000, tzinfo=UTC)


@pytest.mark.parametrize(
    "value", [None, True, "yesterday", "", float("inf"), float("nan"), 10**20, [1], {"t": 1}]
)
def test_wrong_updated_at_reads_as_absent(value: Any) -> None:
    assert as_datetime(value) is None


@pytest.mark.parametrize("value", [None, "1 Main St", [], {}, {"country": 1}, {"locality": ""}])
def test_wrong_address_reads_as_absent(value: Any) -> None:
    assert as_address(value) is None


@given(claims=st.dictionaries(st.sampled_from(sorted(OIDC_PROFILE)), st.from_type(object) | st.text()))
def test_profile_never_crashes(claims: dict[str, Any]) -> None:
    user = resolve("oidc")({**claims, "sub": "u"}).user
    for name in ("nickname", "gender", "locale", "birthdate"):
        assert getattr(user, name) is None or isinstance(getattr(user, name), str)
    assert user.address is None or isinstance(user.address, Address)
    assert user.updated_at is None or user.updated_at.tzinfo is not None
