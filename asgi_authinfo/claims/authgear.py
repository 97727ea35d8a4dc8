"""The ``authgear`` preset: Authgear JWT access tokens (and UserInfo-shaped claim sets).

Claims read, per Authgear's references: the JWT access token
(``authgear/docs`` ``api-reference/tokens/jwt-access-token.md``), the UserInfo endpoint
(https://docs.authgear.com/reference/apis/oauth-2.0-and-openid-connect-oidc/userinfo), the roles
and groups spec (``authgear/authgear-server`` ``docs/specs/roles-groups.md``: "The effective role
keys of a user will appear as ``https://authgear.com/claims/user/roles`` in the JWT access token
... The order is unspecified.") and the JS SDK's ``_decodeUserInfo``
(``authgear/authgear-sdk-js`` ``packages/authgear-core/src/types.ts``):

- ``sub`` and the OIDC Core §5.1 profile claims → ``User`` (present when a JWT hook adds them);
- ``https://authgear.com/claims/user/is_anonymous`` → ``User.is_anonymous`` (absent: False);
- ``https://authgear.com/claims/user/roles`` (falling back to a plain ``roles`` claim) → ``roles``,
  in the order sent. ``role`` is set only when there is exactly one role, as Authgear gives no
  primary role and no order;
- ``custom_attributes`` (an object) → ``User.custom_attributes``, read-only all the way down
  (objects become ``MappingProxyType``, arrays become tuples);
- ``sid`` → ``session_id``, ``scope`` → ``scopes``, ``act`` → ``impersonator`` when present.

``https://authgear.com/claims/user/is_verified`` and ``.../can_reauthenticate`` have no
``AuthInfo`` field and, like the ``x_*`` extension claims (``x_web3``), are read from
``AuthInfo.claims``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any, Final

from .._frozen import EMPTY, freeze
from ._mapped import MappedClaims
from ._read import as_bool, as_str, impersonator, str_tuple, words
from ._shape import sole
from .oidc import standard_user

__all__ = ["CLAIM_PREFIX", "map_claims"]

CLAIM_PREFIX: Final = "https://authgear.com/claims/user/"
_IS_ANONYMOUS: Final = CLAIM_PREFIX + "is_anonymous"
_ROLES: Final = CLAIM_PREFIX + "roles"


def _custom_attributes(value: Any) -> Mapping[str, Any]:
    if not isinstance(value, Mapping) or not value:
        return EMPTY
    frozen: Mapping[str, Any] = freeze(value)
    return frozen


def map_claims(claims: Mapping[str, Any]) -> MappedClaims:
    roles = str_tuple(claims[_ROLES]) if _ROLES in claims else str_tuple(claims.get("roles"))
    user = replace(
        standard_user(claims),
        is_anonymous=as_bool(claims.get(_IS_ANONYMOUS)) is True,
        custom_attributes=_custom_attributes(claims.get("custom_attributes")),
    )
    return MappedClaims(
        user=user,
        session_id=as_str(claims.get("sid")),
        role=sole(roles),
        roles=roles,
        scopes=words(claims.get("scope")),
        impersonator=impersonator(claims),
    )
