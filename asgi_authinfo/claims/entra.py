"""The ``entra`` preset: Microsoft Entra ID (Azure AD) access tokens, v1.0 and v2.0.

Claims read, as the access token claims reference documents them
(``MicrosoftDocs/entra-docs`` ``docs/identity-platform/access-token-claims-reference.md``):

- ``sub`` → ``user.id``. Entra's ``sub`` is pairwise (one value per application); ``oid``, the
  user's id across applications in a tenant (Microsoft Graph's ``id``), is
  ``user.custom_attributes["oid"]``;
- ``name``, ``given_name``, ``family_name`` (v1.0), ``email`` (an optional claim) → ``user``;
  ``preferred_username`` (v2.0), ``upn`` and ``unique_name`` (v1.0) are usernames for display,
  not email addresses: they go to ``user.custom_attributes`` under their own names;
- ``tid`` (the tenant) → ``organization_id``;
- ``roles`` (app roles of the user, or application permissions of an app-only token) → ``roles``;
  ``role`` only when there is exactly one;
- ``scp`` (space-separated delegated scopes) → ``scopes``; ``sid`` → ``session_id`` if present.

``azp``/``appid`` (the client), ``idtyp``, ``wids``, ``groups`` and ``ver`` stay in
``AuthInfo.claims``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from ._mapped import MappedClaims
from ._read import as_str, impersonator, str_tuple, words
from ._shape import attributes, sole
from .oidc import standard_user

__all__ = ["map_claims"]


def map_claims(claims: Mapping[str, Any]) -> MappedClaims:
    roles = str_tuple(claims.get("roles"))
    custom = {name: as_str(claims.get(name)) for name in ("oid", "preferred_username", "upn", "unique_name")}
    return MappedClaims(
        user=replace(standard_user(claims), custom_attributes=attributes(custom)),
        session_id=as_str(claims.get("sid")),
        organization_id=as_str(claims.get("tid")),
        role=sole(roles),
        roles=roles,
        scopes=words(claims.get("scp")),
        impersonator=impersonator(claims),
    )
