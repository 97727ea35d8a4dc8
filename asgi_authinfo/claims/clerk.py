"""The ``clerk`` preset: Clerk session tokens, versions 1 and 2.

Follows Clerk's own decoding in ``clerk/javascript``: ``packages/shared/src/jwtPayloadParser.ts``
(``__experimental_JWTPayloadToAuthObjectProperties``, ``parsePermissions``,
``buildOrgPermissions``) and ``packages/shared/src/authorization.ts`` (``splitByScope``,
``checkOrgAuthorization``, ``checkForFeatureOrPlan``), and the claim reference at
https://clerk.com/docs/guides/sessions/session-tokens ("Decode o.fpm manually").

Both versions: ``sub`` → ``user.id``, ``sid`` → ``session_id``, ``act`` → ``impersonator``
(Clerk's ``actor``), and the OIDC profile claims (``email``, ``name``, ...) only when a session
token customisation adds them. ``sts`` → ``session_status`` (Clerk's ``sessionStatus``) and
``fva`` → ``factor_verification_age`` (Clerk's ``factorVerificationAge``: two ages in minutes,
``-1`` for a factor group that is not enabled; anything else reads as None), which
``has(reverification=...)`` checks. ``azp`` stays in ``AuthInfo.claims``.

Version 2 (``"v": 2``): the active organization is the ``o`` object: ``o.id`` →
``organization_id``, ``o.slg`` → ``organization_slug``, ``o.rol`` → role ``"org:<rol>"``.
Organization permissions are ``"org:<feature>:<permission>"``, built as Clerk builds them:

- the organization features are the ``fea`` entries (comma-separated ``scope:name``) whose scope
  contains ``o`` (``o:`` and ``uo:``), in ``fea`` order;
- ``o.per`` is the comma-separated permission names; ``o.fpm`` holds one comma-separated decimal
  integer per organization feature, same order (extra integers are ignored; features past the end
  of ``o.fpm`` get no permissions; an entry that is not all ASCII digits grants nothing);
- bit ``i`` of a feature's integer (least significant bit first) grants ``o.per[i]``; bits past
  the end of ``o.per`` are ignored. Nothing is granted unless both ``o.per`` and ``o.fpm`` are
  non-empty.

Version 1 (any other ``v``; v1 tokens have none): ``org_id``, ``org_slug``, ``org_role``
(``"org:admin"``) and ``org_permissions`` (a list, kept as sent).

In both versions ``role`` is normalised to exactly one ``org:`` prefix (Clerk's
``prefixWithOrg``) and ``provider_role`` is Clerk's own ``orgRole``: ``org_role`` as sent (v1) or
``"org:" + o.rol`` (v2). The roles and permissions are only kept with an active organization id:
Clerk's ``has()`` answers false for them otherwise. ``org_prefix="org:"`` makes
``AuthInfo.has(role="admin")`` and ``has(permission="posts:read")`` match as Clerk's ``has()``.

Features and plans: ``fea`` → ``feature_flags`` and ``pla`` → ``plans`` (and, as before plans
had a field, ``entitlements``). Clerk's ``has()`` matches an unscoped name against both scopes and
a scoped one (``o:``/``org:``/``organization:``, ``u:``/``user:``) against one, so each entry is
stored as its bare name, plus ``org:<name>`` when its scope contains ``o`` and ``user:<name>``
when it contains ``u`` (``"u:free,o:pro"`` → ``("free", "user:free", "pro", "org:pro")``);
``AuthInfo.has`` reads the other spellings as these two. Then ``has(feature="premium")`` is true
for ``o:premium`` or ``u:premium``, and ``has(feature="o:premium")`` only for ``o:premium``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from .._reverification import factor_ages
from ._mapped import MappedClaims
from ._read import as_str, impersonator, str_tuple
from .oidc import standard_user

__all__ = ["map_claims"]

ORG_PREFIX: Final = "org:"
_CHUNK: Final = 1000  # decimal digits converted at once (well under int()'s 4300-digit limit)


def _entries(value: Any) -> list[tuple[str, str | None]]:
    """``"o:a, u:b"`` → ``[("o", "a"), ("u", "b")]`` (Clerk's ``splitByScope`` parsing)."""
    if not isinstance(value, str) or not value:
        return []
    entries: list[tuple[str, str | None]] = []
    for entry in value.split(","):
        parts = entry.strip().split(":")
        entries.append((parts[0], parts[1] if len(parts) > 1 and parts[1] else None))
    return entries


def _org_features(fea: Any) -> list[str | None]:
    """The organization features, in order; None keeps the place of an entry without a name."""
    return [name for scope, name in _entries(fea) if "o" in scope]


def _scoped_names(value: Any) -> tuple[str, ...]:
    """Each ``fea``/``pla`` entry as its bare name and its ``org:``/``user:`` scoped names."""
    names: dict[str, None] = {}
    for scope, name in _entries(value):
        if name is None:
            continue
        org, user = "o" in scope, "u" in scope
        if org or user:
            names[name] = None
        if org:
            names[ORG_PREFIX + name] = None
        if user:
            names["user:" + name] = None
    return tuple(names)


def _low_bits(digits: str, count: int) -> int:
    """The decimal string ``digits`` modulo ``2**count``; 0 unless it is all ASCII digits."""
    if not digits.isascii() or not digits.isdigit():
        return 0
    modulus = 1 << count
    value = 0
    for start in range(0, len(digits), _CHUNK):
        chunk = digits[start : start + _CHUNK]
        value = (value * 10 ** len(chunk) + int(chunk)) % modulus
    return value


def _org_permissions(features: list[str | None], per: Any, fpm: Any) -> tuple[str, ...]:
    """Clerk's ``parsePermissions`` + ``buildOrgPermissions``."""
    if not isinstance(per, str) or not per or not isinstance(fpm, str) or not fpm:
        return ()
    permissions = [name.strip() for name in per.split(",")]
    masks = [_low_bits(item.strip(), len(permissions)) for item in fpm.split(",")]
    granted: dict[str, None] = {}
    for feature, mask in zip(features, masks, strict=False):
        if feature is None:
            continue
        for index, permission in enumerate(permissions):
            if permission and mask >> index & 1:
                granted[f"{ORG_PREFIX}{feature}:{permission}"] = None
    return tuple(granted)


def _org_role(value: Any) -> str | None:
    """Clerk's ``prefixWithOrg``: exactly one leading ``org:``."""
    role = as_str(value)
    if role is None:
        return None
    while role.startswith(ORG_PREFIX):
        role = role[len(ORG_PREFIX) :]
    return ORG_PREFIX + role if role else None


def _is_v2(claims: Mapping[str, Any]) -> bool:
    version = claims.get("v")
    return isinstance(version, int | float) and not isinstance(version, bool) and version == 2


def map_claims(claims: Mapping[str, Any]) -> MappedClaims:
    org_id: str | None = None
    org_slug: str | None = None
    role: str | None = None
    provider_role: str | None = None
    permissions: tuple[str, ...] = ()
    if _is_v2(claims):
        org = claims.get("o")
        if isinstance(org, Mapping):
            org_id = as_str(org.get("id"))
            org_slug = as_str(org.get("slg"))
            provider_role = as_str(org.get("rol"))
            provider_role = None if provider_role is None else ORG_PREFIX + provider_role
            role = _org_role(org.get("rol"))
            features = _org_features(claims.get("fea"))
            permissions = _org_permissions(features, org.get("per"), org.get("fpm"))
    else:
        org_id = as_str(claims.get("org_id"))
        org_slug = as_str(claims.get("org_slug"))
        provider_role = as_str(claims.get("org_role"))
        role = _org_role(provider_role)
        permissions = str_tuple(claims.get("org_permissions"))
    if org_id is None:
        role, provider_role, permissions = None, None, ()
    plans = _scoped_names(claims.get("pla"))
    return MappedClaims(
        user=standard_user(claims),
        session_id=as_str(claims.get("sid")),
        organization_id=org_id,
        organization_slug=org_slug,
        role=role,
        roles=(role,) if role is not None else (),
        permissions=permissions,
        entitlements=plans,
        feature_flags=_scoped_names(claims.get("fea")),
        impersonator=impersonator(claims),
        plans=plans,
        session_status=as_str(claims.get("sts")),
        provider_role=provider_role,
        factor_verification_age=factor_ages(claims.get("fva")),
        org_prefix=ORG_PREFIX,
    )
