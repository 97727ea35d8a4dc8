"""The ``auth0`` preset: Auth0 access tokens for your API (and ID-token-shaped claim sets).

Claims read, as Auth0 documents them: the access token profiles
(https://auth0.com/docs/secure/tokens/access-tokens/access-token-profiles: ``sub``, ``scope``,
``azp``/``client_id``, ``gty``), RBAC's ``permissions`` claim ("Add Permissions in the Access
Token", https://auth0.com/docs/get-started/apis/enable-role-based-access-control-for-apis),
organizations (https://auth0.com/docs/manage-users/organizations/using-tokens: ``org_id`` always,
``org_name`` when the tenant allows organization names) and namespaced custom claims added by
Actions (https://auth0.com/docs/secure/tokens/json-web-tokens/create-custom-claims):

- ``sub`` → ``user.id`` (``<connection>|<id>`` for users, ``<client_id>@clients`` for M2M tokens);
  the OIDC profile claims → ``user``. With a ``namespace``, a profile claim missing from the
  token is read from ``<namespace>/<name>`` (Actions often add ``https://myapp.example.com/email``
  to access tokens, which carry no profile claims by default);
- ``permissions`` → ``permissions``; ``scope`` → ``scopes``; ``sid`` → ``session_id`` if present;
- ``org_id`` → ``organization_id``; ``org_name`` → ``organization_slug``;
- roles: ``<namespace>/roles`` with a namespace, else the first claim named by an ``http(s)`` URL
  ending in ``/roles`` (Auth0's own example is ``https://marketplace/roles``). ``role`` is set only
  when there is exactly one, as Auth0 gives roles no order;
- ``user.custom_attributes``: the namespaced claims. With a namespace, the claims under it with the
  namespace removed (``https://myapp.example.com/plan`` → ``plan``); without one, every claim named
  by an ``http(s)`` URL, under its full name.

``azp``, ``gty`` and everything else stay in ``AuthInfo.claims``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Final

from ._mapped import ClaimMapper, MappedClaims
from ._read import as_str, impersonator, str_tuple, words
from ._shape import attributes, sole
from .oidc import PROFILE_FIELDS, PROFILE_READERS, standard_user

__all__ = ["Auth0Claims", "map_claims", "mapper"]

_URL_PREFIXES: Final = ("https://", "http://")


@dataclass(frozen=True, slots=True)
class Auth0Claims:
    """The Auth0 mapper, optionally knowing your Actions' claim namespace."""

    namespace: str | None = None

    def __post_init__(self) -> None:
        if self.namespace is not None:
            if not isinstance(self.namespace, str) or not self.namespace.strip("/"):
                raise ValueError(
                    "namespace must be your custom claims' prefix, e.g. 'https://myapp.example.com'"
                )
            object.__setattr__(self, "namespace", self.namespace.rstrip("/") + "/")

    def __call__(self, claims: Mapping[str, Any]) -> MappedClaims:
        namespace = self.namespace
        user = standard_user(claims)
        if namespace is not None:
            fallback: dict[str, Any] = {}
            for name in PROFILE_FIELDS:
                if getattr(user, name) is None:
                    fallback[name] = PROFILE_READERS[name](claims.get(namespace + name))
            user = replace(user, **{name: value for name, value in fallback.items() if value is not None})
        roles = str_tuple(claims.get(namespace + "roles")) if namespace else _url_roles(claims)
        return MappedClaims(
            user=replace(user, custom_attributes=attributes(_namespaced(claims, namespace))),
            session_id=as_str(claims.get("sid")),
            organization_id=as_str(claims.get("org_id")),
            organization_slug=as_str(claims.get("org_name")),
            role=sole(roles),
            roles=roles,
            permissions=str_tuple(claims.get("permissions")),
            scopes=words(claims.get("scope")),
            impersonator=impersonator(claims),
        )


def _url_roles(claims: Mapping[str, Any]) -> tuple[str, ...]:
    for name, value in claims.items():
        if name.startswith(_URL_PREFIXES) and name.endswith("/roles"):
            return str_tuple(value)
    return ()


def _namespaced(claims: Mapping[str, Any], namespace: str | None) -> dict[str, Any]:
    if namespace is None:
        return {name: value for name, value in claims.items() if name.startswith(_URL_PREFIXES)}
    return {
        name[len(namespace) :]: value
        for name, value in claims.items()
        if name.startswith(namespace) and len(name) > len(namespace)
    }


def mapper(*, namespace: str | None = None) -> ClaimMapper:
    """The Auth0 mapper for your Actions' namespace, e.g. ``mapper(namespace="https://myapp.example.com")``."""
    return Auth0Claims(namespace)


map_claims: Final[ClaimMapper] = Auth0Claims()
