"""Firebase Authentication ID tokens: the ``firebase`` object, custom claims, Google's shared JWKS."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from asgi_authinfo.providers import FIREBASE_JWKS

from .._persona import Persona
from ._preset import NO_TIMES, Preset
from ._shared_claims import auth_time, subject
from ._urls import path_segments

__all__ = ["FIREBASE"]


def _firebase(persona: Persona) -> dict[str, Any]:
    """ID token: the ``firebase`` object (``sign_in_provider``, ``identities``, ``tenant``) and
    custom claims ``role``/``roles`` (``setCustomUserClaims``)."""
    claims: dict[str, Any] = {}
    if persona.role:
        claims["role"] = persona.role
    if persona.roles:
        claims["roles"] = list(persona.all_roles)
    identities: dict[str, list[str]] = {}
    if persona.is_anonymous:
        provider = "anonymous"
    elif persona.email:
        provider, identities = "password", {"email": [persona.email]}
    elif persona.phone_number:
        provider, identities = "phone", {"phone": [persona.phone_number]}
    else:
        provider = "custom"
    firebase: dict[str, Any] = {"identities": identities, "sign_in_provider": provider}
    if persona.organization_id:
        firebase["tenant"] = persona.organization_id
    claims["firebase"] = firebase
    return claims


def _firebase_complete(claims: Mapping[str, Any]) -> dict[str, Any]:
    return {**auth_time(claims), "user_id": subject(claims)}


def _firebase_project(issuer: str) -> str:
    segments = path_segments(issuer)
    return segments[-1] if segments else "fake-project"


FIREBASE: Final = Preset(
    name="firebase",
    claims="firebase",
    issuer_form="https://securetoken.google.com/fake-project{n}",
    subject="FAKEuid000000000000000000001",
    session_id=None,
    supports=frozenset(
        {
            "user_id",
            "email",
            "email_verified",
            "name",
            "picture",
            "phone_number",
            "organization_id",
            "role",
            "roles",
            "is_anonymous",
        }
    ),
    encoder=_firebase,
    jwks_of=lambda issuer: (FIREBASE_JWKS,),
    audience_of=_firebase_project,
    session_claim=None,
    omits=NO_TIMES,
    profile=("email", "email_verified", "name", "picture", "phone_number"),
    completer=_firebase_complete,
    key_owner_of=lambda issuer: FIREBASE_JWKS,
)
