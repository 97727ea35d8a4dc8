"""The ``cognito`` preset: Amazon Cognito user pool access and ID tokens.

Claims read, as AWS documents them ("Understanding the access token" and "Understanding the
identity (ID) token", https://docs.aws.amazon.com/cognito/latest/developerguide/) and as
``awslabs/aws-jwt-verify`` types them (``src/jwt-model.ts``: ``CognitoAccessTokenFields``,
``CognitoIdTokenFields``):

- ``sub`` → ``user.id``; the OIDC profile claims of ID tokens → ``user`` (access tokens carry none);
- ``cognito:groups`` → ``roles``; ``role`` only when there is exactly one group;
- ``scope`` (access tokens) → ``scopes``;
- ``origin_jti`` → ``session_id``: every token of one sign-in shares it, and Cognito revokes by it;
- ``user.custom_attributes``: ``username`` (access tokens) or ``cognito:username`` (ID tokens) as
  ``username``, and each ``custom:<name>`` user pool attribute as ``<name>``.

``token_use`` and the app client (``client_id`` on access tokens, ``aud`` on ID tokens) are
checked by :func:`asgi_authinfo.providers.cognito`, not here. ``cognito:roles``,
``cognito:preferred_role`` (IAM role ARNs) and ``identities`` stay in ``AuthInfo.claims``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any, Final

from ._mapped import MappedClaims
from ._read import as_str, impersonator, str_tuple, words
from ._shape import attributes, sole
from .oidc import standard_user

__all__ = ["map_claims"]

_CUSTOM: Final = "custom:"


def map_claims(claims: Mapping[str, Any]) -> MappedClaims:
    roles = str_tuple(claims.get("cognito:groups"))
    custom: dict[str, Any] = {
        "username": as_str(claims.get("username")) or as_str(claims.get("cognito:username")),
    }
    for name, value in claims.items():
        if name.startswith(_CUSTOM) and len(name) > len(_CUSTOM):
            custom[name[len(_CUSTOM) :]] = value
    return MappedClaims(
        user=replace(standard_user(claims), custom_attributes=attributes(custom)),
        session_id=as_str(claims.get("origin_jti")),
        role=sole(roles),
        roles=roles,
        scopes=words(claims.get("scope")),
        impersonator=impersonator(claims),
    )
