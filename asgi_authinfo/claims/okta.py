"""The ``okta`` preset: Okta custom authorization server access tokens.

Claims read, as Okta documents its access tokens ("Reserved claims in the payload section",
https://developer.okta.com/docs/api/openapi/okta-oauth/guides/overview/: ``ver``, ``jti``,
``iss``, ``aud``, ``sub``, ``iat``, ``exp``, ``cid``, ``uid``, ``scp``, ``auth_time``) and its
groups claim (https://developer.okta.com/docs/guides/customize-tokens-groups-claim/):

- ``sub`` → ``user.id``. ``sub`` is what the authorization server's subject mapping says (by
  default the user's login, often an email address); the user's immutable Okta id ``uid`` is
  ``user.custom_attributes["uid"]``. App-only (client credentials) tokens have ``sub == cid`` and
  no ``uid``;
- ``scp`` (a JSON array) → ``scopes``;
- ``groups`` (when the authorization server adds a groups claim) → ``roles``; ``role`` only when
  there is exactly one;
- the OIDC profile claims (when custom claims add them) → ``user``; ``sid`` → ``session_id`` if
  present.

``cid`` (the client) stays in ``AuthInfo.claims``; :func:`asgi_authinfo.providers.okta` checks it
when given ``client_id=``, as Okta's JWT verifiers' ``assertClaims: {cid: ...}`` do.
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
    roles = str_tuple(claims.get("groups"))
    return MappedClaims(
        user=replace(standard_user(claims), custom_attributes=attributes({"uid": as_str(claims.get("uid"))})),
        session_id=as_str(claims.get("sid")),
        role=sole(roles),
        roles=roles,
        scopes=words(claims.get("scp")) or words(claims.get("scope")),
        impersonator=impersonator(claims),
    )
