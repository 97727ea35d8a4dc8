"""The ``workos`` preset: WorkOS AuthKit access tokens.

Claims read, as WorkOS documents the access token JWT
(https://workos.com/docs/reference/authkit/session-tokens) and as ``@workos-inc/authkit-nextjs``
turns it into ``UserInfo`` (``getTokenClaims``/``withAuth``):

- ``sub`` → ``user.id``; the OIDC Core §5.1 profile claims (``email``, ``name``, ...) when a JWT
  template adds them (WorkOS puts none there by default);
- ``sid`` → ``session_id``; ``org_id`` → ``organization_id``;
- ``role`` (the primary role) and ``roles`` (all roles), each as sent: like ``withAuth``'s
  ``UserInfo``, a token with ``role`` and no ``roles`` has no ``roles`` (``has(role=...)`` and
  Starlette's ``requires`` still match the primary role);
- ``permissions``, ``entitlements``, ``feature_flags``: lists of strings, kept in order;
- ``act`` → ``impersonator``. WorkOS sends ``{"sub": "admin@foocorp.com"}``: the impersonating
  admin's email as the subject, so a subject that looks like an email also fills
  ``Impersonator.email``; ``email`` and ``reason`` are read when present.

Wrong-typed claims read as absent.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from asgi_authinfo._user import Impersonator

from ._mapped import MappedClaims
from ._read import as_str, impersonator, str_tuple
from .oidc import standard_user

__all__ = ["map_claims"]


def _impersonator(claims: Mapping[str, Any]) -> Impersonator | None:
    found = impersonator(claims)
    if found is None or found.email is not None or "@" not in found.subject:
        return found
    return Impersonator(subject=found.subject, email=found.subject, reason=found.reason)


def map_claims(claims: Mapping[str, Any]) -> MappedClaims:
    return MappedClaims(
        user=standard_user(claims),
        session_id=as_str(claims.get("sid")),
        organization_id=as_str(claims.get("org_id")),
        role=as_str(claims.get("role")),
        roles=str_tuple(claims.get("roles")),
        permissions=str_tuple(claims.get("permissions")),
        entitlements=str_tuple(claims.get("entitlements")),
        feature_flags=str_tuple(claims.get("feature_flags")),
        impersonator=_impersonator(claims),
    )
