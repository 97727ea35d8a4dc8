"""The ``firebase`` preset: Firebase Authentication (and Identity Platform) ID tokens.

Claims read, as Firebase documents its ID tokens ("Verify ID tokens using a third-party JWT
library", https://firebase.google.com/docs/auth/admin/verify-id-tokens) and as the Admin SDK types
them (``firebase/firebase-admin-node`` ``src/auth/token-verifier.ts``, ``DecodedIdToken``):

- ``sub`` (equal to ``user_id``, the Firebase uid) → ``user.id``; ``name``, ``picture``,
  ``email``, ``email_verified``, ``phone_number`` → ``user``;
- ``firebase.sign_in_provider == "anonymous"`` → ``user.is_anonymous``;
- ``firebase.tenant`` (Identity Platform multi-tenancy) → ``organization_id``;
- ``user.custom_attributes``: ``sign_in_provider`` (``"password"``, ``"google.com"``, ...),
  ``sign_in_second_factor`` and ``identities`` (the provider ids, read-only) from the ``firebase``
  object;
- custom claims set with ``setCustomUserClaims``: ``roles`` (a list) and ``role`` (a string) →
  ``roles``/``role``, as the ``oidc`` preset reads them; any other custom claim is in
  ``AuthInfo.claims`` (``auth.claims["admin"]``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from ._mapped import MappedClaims
from ._read import as_str, impersonator, str_tuple
from ._shape import attributes
from .oidc import standard_user

__all__ = ["map_claims"]


def map_claims(claims: Mapping[str, Any]) -> MappedClaims:
    firebase = claims.get("firebase")
    info: Mapping[str, Any] = firebase if isinstance(firebase, Mapping) else {}
    provider = as_str(info.get("sign_in_provider"))
    identities = info.get("identities")
    roles = str_tuple(claims.get("roles"))
    role = as_str(claims.get("role")) or (roles[0] if len(roles) == 1 else None)
    if role is not None and role not in roles:
        roles = (role, *roles)
    user = replace(
        standard_user(claims),
        is_anonymous=provider == "anonymous",
        custom_attributes=attributes(
            {
                "sign_in_provider": provider,
                "sign_in_second_factor": as_str(info.get("sign_in_second_factor")),
                "identities": identities if isinstance(identities, Mapping) else None,
            }
        ),
    )
    return MappedClaims(
        user=user,
        organization_id=as_str(info.get("tenant")),
        role=role,
        roles=roles,
        impersonator=impersonator(claims),
    )
