"""Clerk's own ``has()`` tables, run through a signed token and the ``clerk`` preset.

Payloads and expected answers are copied from Clerk's tests (only the data, never code):

- ``V1``, ``V2``, ``BILLING``: ``clerk/javascript``
  ``packages/backend/src/tokens/__tests__/authObjects.test.ts`` at
  04e302c813eecdd83d840c16c8f6a58ea5e75cac ("JWT v1 has() for orgs", "JWT v2 has() for orgs",
  "has() for billing with scopes", "has() for billing without scopes"); every ``expect`` is a case.
- the other payloads: ``clerk/javascript`` ``packages/shared/src/__tests__/authorization.test.ts``
  (the fail-closed revision with "fails when no dimension was requested"; the search index kept
  no commit for it). Those tests call ``createCheckAuthorization`` with the parsed options; here
  each is written as the v1 session-token claims that parse to those options (``org_id``,
  ``org_role``, ``org_permissions``, ``fea``, ``pla``, ``fva``).
"""

from __future__ import annotations

from typing import Any

import pytest

from asgi_authinfo import AuthInfo
from tests.providers._support import round_trip

V1: dict[str, Any] = {
    "act": {"sub": "actor"},
    "sid": "sessionId",
    "org_id": "orgId",
    "org_role": "org:admin",
    "org_slug": "orgSlug",
    "org_permissions": ["org:f1:read", "org:f2:manage"],
    "sub": "userId",
}
V2: dict[str, Any] = {
    "v": 2,
    "act": {"sub": "actor"},
    "sid": "sessionId",
    "fea": "o:reservations,o:impersonation",
    "o": {"id": "orgId", "rol": "admin", "slg": "orgSlug", "per": "read,manage", "fpm": "3"},
    "sub": "userId",
}
BILLING: dict[str, Any] = {
    "v": 2,
    "act": {"sub": "actor"},
    "sid": "sessionId",
    "fea": "o:reservations,u:dashboard,uo:support-chat,o:impersonation",
    "o": {"id": "orgId", "rol": "member", "slg": "orgSlug", "per": "read,manage", "fpm": "2,3"},
    "pla": "u:pro,o:business",
    "sub": "userId",
}


def _options(**claims: Any) -> dict[str, Any]:
    """``createCheckAuthorization``'s options as the v1 claims that carry them."""
    return {"sub": "user_123", "sid": "sess_123", **{k: v for k, v in claims.items() if v is not None}}


PARSES_FEATURES = _options(
    org_id="org_123", org_role="admin", org_permissions=["org:read"], fea="o:reservations,u:dashboard",
    fva=[1000, 2000],
)  # fmt: skip
ADMIN = _options(
    org_id="org_123", org_role="org:admin", org_permissions=["org:sys_profile:delete"], fva=[0, 0]
)
ADMIN_PREMIUM = {**ADMIN, "fea": "o:premium", "pla": "plus"}
NO_ORG = _options(fva=[0, 0])
NO_FVA = _options(org_id="org_123", org_role="org:admin", org_permissions=["org:sys_profile:delete"])
MALFORMED_FVA = _options(fva=["0", "0"])
MEMBERSHIPS = _options(
    org_id="org_123", org_role="org:admin", org_permissions=["org:sys_memberships:read"], fva=[0, 0]
)
MEMBERSHIPS_RESERVATIONS = {**MEMBERSHIPS, "fea": "o:reservations"}
MEMBERSHIPS_RESERVATIONS_PLUS = {**MEMBERSHIPS_RESERVATIONS, "pla": "u:plus"}
READ_RESERVATIONS_PLUS = _options(
    org_id="org_123", org_role="org:admin", org_permissions=["org:read"], fea="o:reservations", pla="u:plus",
    fva=[0, 0],
)  # fmt: skip
READ_NOTHING = _options(org_id="org_123", org_role="org:admin", org_permissions=["org:read"], fva=[0, 0])
NO_SECOND_FACTOR = _options(fva=[0, -1])
NO_FIRST_FACTOR = _options(fva=[-1, 0])
NEGATIVE_AGE = _options(fva=[-0.5, 0])

PAYLOADS: dict[str, dict[str, Any]] = {
    name: value for name, value in globals().items() if name.isupper() and isinstance(value, dict)
}

CASES: list[tuple[str, dict[str, Any], bool]] = [
    # authObjects.test.ts, "JWT v1 has() for orgs"
    ("V1", {"role": "org:admin"}, True),
    ("V1", {"permission": "org:f1:read"}, True),
    ("V1", {"permission": "org:f1"}, False),
    ("V1", {"permission": "org:f2:manage"}, True),
    ("V1", {"permission": "org:f2"}, False),
    ("V1", {"feature": "org:reservations"}, False),
    ("V1", {"feature": "org:impersonation"}, False),
    # "JWT v2 has() for orgs"
    ("V2", {"role": "org:admin"}, True),
    ("V2", {"permission": "org:reservations:read"}, True),
    ("V2", {"permission": "org:reservations"}, False),
    ("V2", {"permission": "org:reservations:manage"}, True),
    ("V2", {"permission": "org:impersonation:read"}, False),
    ("V2", {"permission": "org:impersonation:manage"}, False),
    ("V2", {"feature": "org:reservations"}, True),
    ("V2", {"feature": "org:impersonation"}, True),
    # "has() for billing with scopes"
    ("BILLING", {"permission": "org:reservations:read"}, False),
    ("BILLING", {"permission": "org:reservations:manage"}, True),
    ("BILLING", {"permission": "org:support-chat:read"}, True),
    ("BILLING", {"permission": "org:support-chat:manage"}, True),
    ("BILLING", {"permission": "u:dashboard:manage"}, False),
    ("BILLING", {"permission": "u:dashboard:read"}, False),
    ("BILLING", {"feature": "org:reservations"}, True),
    ("BILLING", {"feature": "user:reservations"}, False),
    ("BILLING", {"feature": "org:impersonation"}, True),
    ("BILLING", {"feature": "user:impersonation"}, False),
    ("BILLING", {"feature": "org:dashboard"}, False),
    ("BILLING", {"feature": "user:dashboard"}, True),
    ("BILLING", {"feature": "org:support-chat"}, True),
    ("BILLING", {"feature": "user:support-chat"}, True),
    ("BILLING", {"plan": "org:business"}, True),
    ("BILLING", {"plan": "user:business"}, False),
    ("BILLING", {"plan": "org:pro"}, False),
    ("BILLING", {"plan": "user:pro"}, True),
    # "has() for billing without scopes"
    ("BILLING", {"feature": "reservations"}, True),
    ("BILLING", {"feature": "dashboard"}, True),
    ("BILLING", {"feature": "pro"}, False),
    ("BILLING", {"feature": "impersonation"}, True),
    ("BILLING", {"plan": "pro"}, True),
    ("BILLING", {"plan": "business"}, True),
    # issue 18: what Clerk's checkForFeatureOrPlan accepts on the same payload
    ("BILLING", {"feature": "o:reservations"}, True),
    ("BILLING", {"feature": "organization:reservations"}, True),
    ("BILLING", {"feature": "u:dashboard"}, True),
    ("BILLING", {"plan": "o:business"}, True),
    ("BILLING", {"plan": "organization:business"}, True),
    ("BILLING", {"plan": "u:pro"}, True),
    ("BILLING", {"plan": "o:pro"}, False),
    # authorization.test.ts, "correctly parses features"
    ("PARSES_FEATURES", {"feature": "o:reservations"}, True),
    ("PARSES_FEATURES", {"feature": "org:reservations"}, True),
    ("PARSES_FEATURES", {"feature": "organization:reservations"}, True),
    ("PARSES_FEATURES", {"feature": "reservations"}, True),
    ("PARSES_FEATURES", {"feature": "u:dashboard"}, True),
    ("PARSES_FEATURES", {"feature": "user:dashboard"}, True),
    ("PARSES_FEATURES", {"feature": "dashboard"}, True),
    # Clerk throws "Invalid scope: lol" there; its has() catches that and fails closed
    ("PARSES_FEATURES", {"feature": "lol:dashboard"}, False),
    # "fails when no dimension was requested"
    ("ADMIN_PREMIUM", {}, False),
    # "fails permission + reverification" / "role + reverification when org context is missing"
    ("NO_ORG", {"permission": "org:sys_profile:delete", "reverification": "strict"}, False),
    ("NO_ORG", {"role": "org:admin", "reverification": "strict"}, False),
    # "fails reverification when factorVerificationAge is null (fva not opted-in)"
    ("NO_FVA", {"permission": "org:sys_profile:delete", "reverification": "strict"}, False),
    # "fails when factorVerificationAge payload is malformed"
    ("MALFORMED_FVA", {"reverification": "strict_mfa"}, False),
    # "fails when reverification config is invalid"
    ("ADMIN", {"permission": "org:sys_profile:delete", "reverification": "invalid-value"}, False),
    # "requires AND across billing and org when both are requested"
    (
        "MEMBERSHIPS_RESERVATIONS",
        {"permission": "org:sys_profile:delete", "feature": "org:reservations"},
        False,
    ),
    (
        "MEMBERSHIPS_RESERVATIONS",
        {"permission": "org:sys_memberships:read", "feature": "org:reservations"},
        True,
    ),
    # "requires AND within org when both role and permission are requested"
    ("MEMBERSHIPS", {"role": "org:admin", "permission": "org:sys_profile:delete"}, False),
    ("MEMBERSHIPS", {"role": "org:admin", "permission": "org:sys_memberships:read"}, True),
    # "requires AND within billing when both feature and plan are requested"
    ("READ_RESERVATIONS_PLUS", {"feature": "org:reservations", "plan": "u:plus"}, True),
    ("READ_RESERVATIONS_PLUS", {"feature": "org:reservations", "plan": "u:free"}, False),
    ("READ_RESERVATIONS_PLUS", {"feature": "org:missing", "plan": "u:plus"}, False),
    # "fails feature check when features claim is missing or empty"
    ("READ_NOTHING", {"feature": "org:premium"}, False),
    # "fails strict_mfa when the user has no second factor enrolled"
    ("NO_SECOND_FACTOR", {"reverification": "strict_mfa"}, False),
    # "fails reverification when factor1Age is -1 (invalid state)"
    ("NO_FIRST_FACTOR", {"reverification": "strict"}, False),
    # "fails when factor ages are negative non-sentinel values"
    ("NEGATIVE_AGE", {"reverification": "strict"}, False),
    # "fails reverification when config object is incomplete or out of range" (level, minutes)
    ("ADMIN", {"reverification": ("multi_factor", 0)}, False),
    ("ADMIN", {"reverification": ("multi_factor", -1)}, False),
    # "requires AND for within-org role and permission (role fails, permission passes)"
    ("MEMBERSHIPS", {"role": "org:member", "permission": "org:sys_memberships:read"}, False),
    # "requires AND across org and billing with cross-dimension combos"
    ("MEMBERSHIPS_RESERVATIONS_PLUS", {"role": "org:admin", "feature": "org:missing"}, False),
    ("MEMBERSHIPS_RESERVATIONS_PLUS", {"role": "org:admin", "plan": "u:free"}, False),
    ("MEMBERSHIPS_RESERVATIONS_PLUS", {"role": "org:admin", "feature": "org:reservations"}, True),
    # "fails missing features claim when combined with a passing reverification check"
    ("ADMIN", {"feature": "org:premium", "reverification": "strict"}, False),
    # the passing side of the same payloads
    ("ADMIN", {"permission": "org:sys_profile:delete", "reverification": "strict"}, True),
    ("ADMIN", {"reverification": ("multi_factor", 1)}, True),
    ("NO_SECOND_FACTOR", {"reverification": "strict"}, True),
    ("PARSES_FEATURES", {"reverification": "lax"}, False),
    ("PARSES_FEATURES", {"reverification": ("first_factor", 1001)}, True),
]

_VERIFIED: dict[str, AuthInfo] = {}


async def _verified(name: str) -> AuthInfo:
    """The payload signed by a fake Clerk issuer and verified with the ``clerk`` preset (once)."""
    if name not in _VERIFIED:
        _VERIFIED[name] = await round_trip("clerk", PAYLOADS[name])
    return _VERIFIED[name]


@pytest.mark.anyio
@pytest.mark.parametrize(("payload", "params", "expected"), CASES)
async def test_has_gives_clerks_answer(payload: str, params: dict[str, Any], expected: bool) -> None:
    auth = await _verified(payload)
    assert auth.has(**params) is expected


@pytest.mark.anyio
async def test_clerk_shapes_next_to_the_normalized_ones() -> None:
    v1, v2, billing = await _verified("V1"), await _verified("V2"), await _verified("BILLING")
    # jwtPayloadParser: v1 orgRole is org_role as sent, v2 is "org:" + o.rol
    assert (v1.role, v1.provider_role) == ("org:admin", "org:admin")
    assert (v2.role, v2.provider_role) == ("org:admin", "org:admin")
    raw = await round_trip("clerk", {**V1, "org_role": "admin"})
    assert (raw.role, raw.provider_role) == ("org:admin", "admin")
    assert billing.plans == ("pro", "user:pro", "business", "org:business")
    assert billing.entitlements == billing.plans  # kept for code written before plans existed
    assert (await _verified("ADMIN")).factor_verification_age == (0, 0)
    assert (await _verified("MALFORMED_FVA")).factor_verification_age is None


@pytest.mark.anyio
@pytest.mark.parametrize("status", ["active", "pending"])
async def test_session_status(status: str) -> None:
    auth = await round_trip("clerk", {**V2, "sts": status})
    assert auth.session_status == status
    assert (await _verified("V2")).session_status is None  # sts is opt-in
