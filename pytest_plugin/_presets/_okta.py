"""Okta custom authorization server access tokens: ``scp`` (a list), a ``groups`` claim, ``uid``."""

from __future__ import annotations

import hashlib
import string
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Final

from .._persona import Persona
from ._preset import USER, Preset
from ._shared_claims import auth_time, subject
from ._urls import jwks_under_issuer, under_issuer

__all__ = ["OKTA", "OKTA_CLIENT"]

OKTA_CLIENT: Final = "0oafake0000000000000"
"""The client (``cid``) of fake Okta tokens: ``providers.okta(domain, client_id=OKTA_CLIENT)``."""
_BASE62: Final = string.digits + string.ascii_letters


def _okta(persona: Persona) -> dict[str, Any]:
    """Custom authorization server access token: ``scp`` (a list), a ``groups`` claim."""
    claims: dict[str, Any] = {}
    if persona.all_roles:
        claims["groups"] = list(persona.all_roles)
    if persona.scopes:
        claims["scp"] = list(persona.scopes)
    return claims


def _stable_id(seed: str, size: int) -> str:
    """``size`` base62 characters derived from ``seed``: a second id that follows the subject."""
    number = int.from_bytes(hashlib.sha256(seed.encode()).digest(), "big")
    digits = []
    for _ in range(size):
        number, digit = divmod(number, len(_BASE62))
        digits.append(_BASE62[digit])
    return "".join(digits)


def _okta_complete(claims: Mapping[str, Any]) -> dict[str, Any]:
    return {**auth_time(claims), "uid": "00u" + _stable_id("okta-user:" + subject(claims), 17)}


OKTA: Final = Preset(
    name="okta",
    claims="okta",
    issuer_form="https://fake{n}.okta.com/oauth2/default",
    subject="fake.user@example.com",
    session_id=None,
    supports=USER | {"role", "roles", "scopes"},
    encoder=_okta,
    jwks_of=jwks_under_issuer("v1/keys"),
    audience_of=lambda issuer: "api://default",
    extra=MappingProxyType({"ver": 1, "cid": OKTA_CLIENT, "scp": ["openid", "email"]}),
    session_claim=None,
    omits=frozenset({"nbf"}),
    completer=_okta_complete,
    userinfo_of=under_issuer("v1/userinfo"),
)
