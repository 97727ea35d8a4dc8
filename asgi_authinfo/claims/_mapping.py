"""Declarative claim mappings: name where each ``AuthInfo`` field comes from, checked at start-up.

``mapping(roles="realm_access.roles", permissions="https://example.com/perms")`` starts from a base
preset (``"oidc"`` unless ``base=`` says otherwise) and replaces the fields it names. A source is:

- a claim path string: the claim of exactly that name if the token has one (so URL-named claims
  such as ``"https://example.com/perms"`` work), else the dot-separated path through objects;
- a sequence of names, for a path whose names contain dots: ``("resource_access", "my.api", "roles")``;
- a callable ``(claims) -> value`` computing the value.

``custom_attributes`` also takes an object of attribute name to source. A field whose source is
absent or of the wrong type reads as absent (None, ``()`` or ``False``), except ``user_id``, which
then stays the token's ``sub``. Re-sourced ``roles`` without ``role`` keep the base's primary role
only if it is still one of them, else the primary role is the only role, if there is one. Values
are read as the presets read them: ``scopes`` accepts a space-separated string, the other tuple
fields a list (or a lone string).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Any, Final, TypeAlias

from .._user import User
from ._mapped import ClaimMapper, MappedClaims
from ._read import as_str, readers, words
from ._registry import resolve

__all__ = ["ClaimMapping", "Source", "mapping"]

Source: TypeAlias = str | Sequence[str] | Callable[[Mapping[str, Any]], Any]
"""Where one field comes from: a claim path, a sequence of claim names, or a callable."""

_USER: Final = {name: read for name, read in readers(User).items() if name != "id"}
"""The ``User`` fields a mapping can re-source, each with the reader its type calls for."""
_MAPPED: Final = {
    **{name: read for name, read in readers(MappedClaims).items() if name != "org_prefix"},
    "scopes": words,  # a space-separated string, as OAuth sends it
}
"""The other ``AuthInfo`` fields (``org_prefix`` is the preset's convention, not a claim)."""
FIELDS: Final = frozenset(("user_id", *_USER, *_MAPPED))


@dataclass(frozen=True, slots=True)
class _Path:
    """A compiled source: exact claim name first, then the path through objects."""

    exact: str | None
    steps: tuple[str, ...]
    compute: Callable[[Mapping[str, Any]], Any] | None = None

    def read(self, claims: Mapping[str, Any]) -> Any:
        if self.compute is not None:
            return self.compute(claims)
        if self.exact is not None and self.exact in claims:
            return claims[self.exact]
        value: Any = claims
        for step in self.steps:
            if not isinstance(value, Mapping) or step not in value:
                return None
            value = value[step]
        return value


def _compile(field: str, source: object) -> _Path:
    if callable(source):
        return _Path(None, (), source)
    if isinstance(source, str):
        steps = tuple(source.split("."))
        if not source or not all(steps):
            raise ValueError(
                f"claims.mapping({field}={source!r}): a claim path is a claim name or names joined by "
                "single dots, e.g. 'realm_access.roles'"
            )
        return _Path(source, steps)
    if isinstance(source, Sequence) and source and all(isinstance(step, str) and step for step in source):
        return _Path(None, tuple(source))
    raise ValueError(
        f"claims.mapping({field}={source!r}): give a claim path ('realm_access.roles'), a sequence of "
        "claim names (('resource_access', 'my.api', 'roles')) or a callable (claims) -> value"
    )


@dataclass(frozen=True, slots=True, eq=False)
class ClaimMapping:
    """A :data:`ClaimMapper` built by :func:`mapping`: the base preset with some fields re-sourced."""

    base: ClaimMapper
    paths: Mapping[str, _Path]
    attribute_paths: Mapping[str, _Path] | None = None

    def __call__(self, claims: Mapping[str, Any]) -> MappedClaims:
        mapped = self.base(claims)
        user_changes: dict[str, Any] = {}
        changes: dict[str, Any] = {}
        for field, path in self.paths.items():
            value = path.read(claims)
            if field == "user_id":
                user_changes["id"] = as_str(value) or mapped.user.id
            elif field in _USER:
                user_changes[field] = _USER[field](value)
            else:
                changes[field] = _MAPPED[field](value)
        if self.attribute_paths is not None:
            user_changes["custom_attributes"] = _USER["custom_attributes"](
                {name: path.read(claims) for name, path in self.attribute_paths.items()}
            )
        if "roles" in changes and "role" not in changes and mapped.role not in changes["roles"]:
            roles = changes["roles"]
            changes["role"] = roles[0] if len(roles) == 1 else None
        user = replace(mapped.user, **user_changes) if user_changes else mapped.user
        return replace(mapped, user=user, **changes)


def mapping(
    *,
    base: str | ClaimMapper = "oidc",
    custom_attributes: Source | Mapping[str, Source] | None = None,
    **fields: Source,
) -> ClaimMapper:
    """A claim mapper from claim paths, e.g. ``mapping(roles="realm_access.roles")``.

    Fields: ``user_id``, the ``User`` fields (``email``, ``name``, ... every OIDC profile claim,
    ``is_anonymous``, ``custom_attributes``), ``session_id``, ``organization_id``,
    ``organization_slug``, ``role``, ``roles``, ``permissions``, ``entitlements``,
    ``feature_flags``, ``plans``, ``scopes``, ``session_status``, ``provider_role``,
    ``provider_roles``, ``factor_verification_age``. Raises
    ``ValueError`` naming the problem when a field or a path is not valid.
    """
    unknown = sorted(set(fields) - FIELDS)
    if unknown:
        hints = [
            f"{name!r} (did you mean {close[0]!r}?)"
            if (close := difflib.get_close_matches(name, sorted(FIELDS), 1))
            else repr(name)
            for name in unknown
        ]
        raise ValueError(
            f"claims.mapping() has no field {', '.join(hints)}; fields are {', '.join(sorted(FIELDS))}"
        )
    try:
        base_mapper = resolve(base)
    except ValueError as exc:
        raise ValueError(f"claims.mapping(base={base!r}): {exc}") from None
    paths = {field: _compile(field, source) for field, source in fields.items()}
    attribute_paths: Mapping[str, _Path] | None = None
    if isinstance(custom_attributes, Mapping):
        if not all(isinstance(name, str) and name for name in custom_attributes):
            raise ValueError(
                "claims.mapping(custom_attributes={...}): attribute names must be non-empty strings"
            )
        attribute_paths = MappingProxyType(
            {
                name: _compile(f"custom_attributes[{name!r}]", source)
                for name, source in custom_attributes.items()
            }
        )
    elif custom_attributes is not None:
        paths["custom_attributes"] = _compile("custom_attributes", custom_attributes)
    return ClaimMapping(base_mapper, MappingProxyType(paths), attribute_paths)
