"""The table of presets by name, and the lookup that takes a name or a :class:`Preset`."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from ._auth0 import AUTH0
from ._authgear import AUTHGEAR
from ._clerk import CLERK, CLERK_V1
from ._cognito import COGNITO, COGNITO_ID
from ._entra import ENTRA, ENTRA_V1
from ._firebase import FIREBASE
from ._keycloak import KEYCLOAK
from ._oidc import OIDC
from ._okta import OKTA
from ._preset import Preset
from ._supabase import SUPABASE
from ._workos import WORKOS

__all__ = ["PRESETS", "get_preset"]

PRESETS: Final[Mapping[str, Preset]] = MappingProxyType(
    {
        preset.name: preset
        for preset in (
            OIDC,
            WORKOS,
            CLERK,
            CLERK_V1,
            AUTHGEAR,
            AUTH0,
            KEYCLOAK,
            COGNITO,
            COGNITO_ID,
            ENTRA,
            ENTRA_V1,
            OKTA,
            SUPABASE,
            FIREBASE,
        )
    }
)
"""Every preset by name: ``oidc``, ``workos``, ``clerk`` (session token v2), ``clerk_v1``,
``authgear``, ``auth0``, ``keycloak``, ``cognito`` (access tokens), ``cognito_id`` (ID tokens),
``entra`` (v2.0), ``entra_v1``, ``okta``, ``supabase``, ``firebase``."""


def get_preset(preset: str | Preset) -> Preset:
    """The preset named ``preset`` (a :class:`Preset` passes through); ValueError names the known ones."""
    if isinstance(preset, Preset):
        return preset
    try:
        return PRESETS[preset]
    except KeyError:
        raise ValueError(f"unknown preset {preset!r}; use one of {', '.join(PRESETS)}") from None
