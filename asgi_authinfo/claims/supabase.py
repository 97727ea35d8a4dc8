"""The ``supabase`` preset: Supabase Auth access tokens.

Claims read, as Supabase's JWT claims reference documents them
(``supabase/supabase`` ``apps/docs/content/guides/auth/jwt-fields.mdx``, and ``JwtPayload`` in
``@supabase/supabase-js``): ``sub``, ``role``, ``aal``, ``session_id``, ``email``, ``phone``,
``is_anonymous``, ``app_metadata``, ``user_metadata``, ``amr``:

- ``sub`` → ``user.id``; ``email`` → ``user.email``; ``phone`` → ``user.phone_number`` (Supabase
  sends ``""`` when there is none, read as absent); ``is_anonymous`` → ``user.is_anonymous``;
- ``user.name``/``user.picture``/``user.email_verified``: from ``user_metadata``, where sign-in
  with an OAuth provider stores the profile (``full_name`` or ``name``; ``avatar_url`` or
  ``picture``; ``email_verified``), unless the token has them at top level;
- ``role`` (the Postgres role: ``authenticated``, ``anon``, ``service_role``) → ``role`` and
  ``roles``; ``session_id`` → ``session_id``;
- ``user.custom_attributes``: ``app_metadata`` and ``user_metadata`` (read-only copies), ``aal``
  (``"aal1"``, or ``"aal2"`` after multi-factor authentication) and ``amr`` as the list of method
  names (``["password", "totp"]``), whichever of the two forms Supabase sent.

Access tokens carry no OAuth scopes and no organization.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from ._mapped import MappedClaims
from ._read import as_bool, as_str, impersonator
from ._shape import attributes, dig
from .oidc import standard_user

__all__ = ["map_claims"]


def _methods(amr: Any) -> tuple[str, ...] | None:
    """``amr`` as method names: RFC 8176 strings or Supabase's ``{"method", "timestamp"}`` objects."""
    if not isinstance(amr, list | tuple):
        return None
    methods = (item if isinstance(item, str) else as_str(dig(item, "method")) for item in amr)
    return tuple(method for method in methods if method)


def map_claims(claims: Mapping[str, Any]) -> MappedClaims:
    metadata = claims.get("user_metadata")
    meta = metadata if isinstance(metadata, Mapping) else {}
    app_metadata = claims.get("app_metadata")
    user = standard_user(claims)
    user = replace(
        user,
        name=user.name or as_str(meta.get("full_name")) or as_str(meta.get("name")),
        picture=user.picture or as_str(meta.get("avatar_url")) or as_str(meta.get("picture")),
        email_verified=(
            user.email_verified if user.email_verified is not None else as_bool(meta.get("email_verified"))
        ),
        phone_number=user.phone_number or as_str(claims.get("phone")),
        is_anonymous=as_bool(claims.get("is_anonymous")) is True,
        custom_attributes=attributes(
            {
                "app_metadata": app_metadata if isinstance(app_metadata, Mapping) else None,
                "user_metadata": metadata if isinstance(metadata, Mapping) else None,
                "aal": as_str(claims.get("aal")),
                "amr": _methods(claims.get("amr")),
            }
        ),
    )
    role = as_str(claims.get("role"))
    return MappedClaims(
        user=user,
        session_id=as_str(claims.get("session_id")),
        role=role,
        roles=(role,) if role else (),
        impersonator=impersonator(claims),
    )
