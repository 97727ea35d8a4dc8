"""Supabase Auth access tokens: the Postgres ``role``, ``user_metadata``/``app_metadata``, ``amr``."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Final

from .._persona import Persona
from ._preset import NO_TIMES, UUID_SESSION, UUID_SUBJECT, Preset
from ._urls import same_path_jwks

__all__ = ["SUPABASE"]


def _supabase(persona: Persona) -> dict[str, Any]:
    """Access token: the Postgres ``role``, ``email``/``phone``, ``is_anonymous``, ``user_metadata``
    (as an OAuth sign-in fills it), ``app_metadata``; ``amr`` follows the sign-in method."""
    roles = persona.all_roles
    if len(roles) > 1:
        raise ValueError(f"a Supabase token has one Postgres role (e.g. 'authenticated'), got {list(roles)}")
    claims: dict[str, Any] = {"is_anonymous": persona.is_anonymous}
    if roles:
        claims["role"] = roles[0]
    if persona.phone_number:
        claims["phone"] = persona.phone_number
    metadata: dict[str, Any] = {}
    for name, key in (("name", "full_name"), ("picture", "avatar_url"), ("email_verified", "email_verified")):
        value = getattr(persona, name)
        if value is not None:
            metadata[key] = value
    claims["user_metadata"] = metadata
    provider = "email" if persona.email or not persona.phone_number else "phone"
    claims["app_metadata"] = {} if persona.is_anonymous else {"provider": provider, "providers": [provider]}
    return claims


def _supabase_complete(claims: Mapping[str, Any]) -> dict[str, Any]:
    iat = claims.get("iat")
    if not isinstance(iat, int):
        return {}
    method = "password"
    if claims.get("is_anonymous") is True:
        method = "anonymous"
    elif claims.get("phone") and not claims.get("email"):
        method = "otp"
    return {"amr": [{"method": method, "timestamp": iat}]}


SUPABASE: Final = Preset(
    name="supabase",
    claims="supabase",
    issuer_form="https://fake{n}.supabase.co/auth/v1",
    subject=UUID_SUBJECT,
    session_id=UUID_SESSION,
    supports=frozenset(
        {
            "user_id",
            "session_id",
            "email",
            "email_verified",
            "name",
            "picture",
            "phone_number",
            "role",
            "roles",
            "is_anonymous",
        }
    ),
    encoder=_supabase,
    jwks_of=same_path_jwks,
    audience_of=lambda issuer: "authenticated",
    extra=MappingProxyType(
        {
            "role": "authenticated",
            "aal": "aal1",
            "email": "",
            "phone": "",
            "is_anonymous": False,
            "app_metadata": {"provider": "email", "providers": ["email"]},
            "user_metadata": {},
        }
    ),
    session_claim="session_id",
    omits=NO_TIMES,
    profile=("email",),
    completer=_supabase_complete,
    algorithm="ES256",
)
