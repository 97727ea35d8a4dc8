"""Presets: how each provider shapes its tokens, so fake tokens look like the real ones.

A preset knows its provider's issuer URL form, where its JWKS lives (on any host: Firebase's are
Google's), its default claims and the ones it derives (``auth_time``, Entra's ``tid``), and how to
encode a :class:`Persona` (role, permissions, organization, impersonator, ...) in that provider's
claims. The matching ``asgi_authinfo`` claims preset reads them back into the same ``AuthInfo``
fields; ``tests/plugin/test_presets.py`` and ``test_provider_presets.py`` hold the two to that.

``_preset`` holds the :class:`Preset` type, one module per provider its presets, ``_registry`` the
table of them all.
"""

from __future__ import annotations

from ._auth0 import AUTH0_API, AUTH0_CLIENT, AUTH0_ROLES
from ._authgear import AUTHGEAR_CLAIM
from ._cognito import COGNITO_CLIENT
from ._entra import ENTRA_API, ENTRA_APP, ENTRA_AUTHORITY
from ._keycloak import KEYCLOAK_CLIENT
from ._okta import OKTA_CLIENT
from ._preset import Preset
from ._registry import PRESETS, get_preset

__all__ = [
    "AUTH0_API",
    "AUTH0_CLIENT",
    "AUTH0_ROLES",
    "AUTHGEAR_CLAIM",
    "COGNITO_CLIENT",
    "ENTRA_API",
    "ENTRA_APP",
    "ENTRA_AUTHORITY",
    "KEYCLOAK_CLIENT",
    "OKTA_CLIENT",
    "PRESETS",
    "Preset",
    "get_preset",
]
