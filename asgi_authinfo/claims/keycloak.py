"""The ``keycloak`` preset: Keycloak access tokens.

Claims read, as Keycloak's ``AccessToken``/``IDToken`` representations define them
(``keycloak/keycloak`` ``core/src/main/java/org/keycloak/representations/AccessToken.java``:
``realm_access``, ``resource_access``, ``scope``, ``allowed-origins``; ``IDToken.java``: ``sid``,
``preferred_username``, ``azp``) and the organization membership mapper
(``services/.../organization/protocol/mappers/oidc/OrganizationMembershipMapper.java``):

- ``sub`` → ``user.id``; the OIDC profile claims → ``user``; ``preferred_username`` (the login
  name, not a display name) → ``user.preferred_username``, and as before issue 18 also
  ``user.custom_attributes["preferred_username"]``;
- roles: ``realm_access.roles``, then the roles of your API's client ``resource_access.<client_id>
  .roles`` as they are, then every other client's roles as ``"<client>:<role>"`` (so
  ``has(role="account:manage-account")`` works). ``role`` only when there is exactly one;
- ``provider_roles``: every role qualified by where Keycloak grants it, ``"realm:<role>"`` and
  ``"<client>:<role>"`` (your API's client included), so a realm role and a client role of the
  same name are told apart: ``has(role="realm:admin")`` vs ``has(role="orders-api:admin")``;
- ``scope`` → ``scopes``; ``sid`` (``session_state`` before Keycloak 23) → ``session_id``;
- ``organization`` (Keycloak 26 organizations: a list of aliases, or an object keyed by alias with
  an optional ``id``): with exactly one organization, its alias → ``organization_slug`` and its
  ``id`` → ``organization_id``.

``azp`` (the requesting client), ``allowed-origins`` and ``groups`` stay in ``AuthInfo.claims``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Final

from ._mapped import ClaimMapper, MappedClaims
from ._read import as_str, impersonator, str_tuple, words
from ._shape import attributes, dig, sole
from .oidc import standard_user

__all__ = ["KeycloakClaims", "map_claims", "mapper"]


@dataclass(frozen=True, slots=True)
class KeycloakClaims:
    """The Keycloak mapper; ``client_id`` names your API's client, whose roles are read unprefixed."""

    client_id: str | None = None

    def __post_init__(self) -> None:
        if self.client_id is not None and (not isinstance(self.client_id, str) or not self.client_id):
            raise ValueError("client_id must be the Keycloak client id whose roles your API checks")

    def __call__(self, claims: Mapping[str, Any]) -> MappedClaims:
        realm_roles = str_tuple(dig(claims, "realm_access", "roles"))
        roles = dict.fromkeys(realm_roles)
        qualified = dict.fromkeys(f"realm:{role}" for role in realm_roles)
        resource_access = claims.get("resource_access")
        if isinstance(resource_access, Mapping):
            if self.client_id is not None:
                roles.update(dict.fromkeys(str_tuple(dig(resource_access, self.client_id, "roles"))))
            for client, access in resource_access.items():
                client_roles = dict.fromkeys(f"{client}:{role}" for role in str_tuple(dig(access, "roles")))
                qualified.update(client_roles)
                if client != self.client_id:
                    roles.update(client_roles)
        all_roles = tuple(roles)
        slug, org_id = _organization(claims.get("organization"))
        user = standard_user(claims)
        return MappedClaims(
            user=replace(
                user,
                custom_attributes=attributes(
                    {"preferred_username": as_str(claims.get("preferred_username"))}
                ),
            ),
            session_id=as_str(claims.get("sid")) or as_str(claims.get("session_state")),
            organization_id=org_id,
            organization_slug=slug,
            role=sole(all_roles),
            roles=all_roles,
            provider_roles=tuple(qualified),
            scopes=words(claims.get("scope")),
            impersonator=impersonator(claims),
        )


def _organization(value: Any) -> tuple[str | None, str | None]:
    """``(alias, id)`` of the only organization, or ``(None, None)``."""
    if isinstance(value, list | tuple):
        aliases = str_tuple(value)
        return (aliases[0], None) if len(aliases) == 1 and len(value) == 1 else (None, None)
    if isinstance(value, Mapping) and len(value) == 1:
        alias, details = next(iter(value.items()))
        return as_str(alias), as_str(dig(details, "id"))
    return None, None


def mapper(*, client_id: str | None = None) -> ClaimMapper:
    """The Keycloak mapper reading ``resource_access.<client_id>.roles`` as plain roles."""
    return KeycloakClaims(client_id)


map_claims: Final[ClaimMapper] = KeycloakClaims()
