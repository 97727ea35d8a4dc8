"""``assemble``: the ``AuthInfo`` of a verified token, from its mapped claims and its own facts.

The field lists are derived from the dataclasses: ``AuthInfo``'s fields are ``MappedClaims``'s
(what a claim mapper returns) plus the token's own facts listed in :data:`TOKEN_FIELDS`; a field
that is neither fails at import, so a new field is one edit in one place. Pure: no ASGI here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from datetime import datetime
from operator import itemgetter
from typing import Any, Final

from ._auth_info import AuthInfo
from ._construct import constructor
from ._errors import RefusalHint
from .claims._mapped import MAPPED_INDEX, MAPPED_NAMES

__all__ = ["TOKEN_FIELDS", "assemble"]

TOKEN_FIELDS: Final = (
    "issuer",
    "subject",
    "access_token",
    "claims",
    "expires_at",
    "userinfo",
    "userinfo_error",
    "dpop_jkt",
    "refusal_hint",
)
"""The ``AuthInfo`` fields that come from the token itself (and userinfo), not from a mapper."""

_FIELDS: Final = tuple(f.name for f in fields(AuthInfo))
if sorted(_FIELDS) != sorted((*MAPPED_NAMES, *TOKEN_FIELDS)):  # pragma: no cover (a new field)
    raise RuntimeError("every AuthInfo field must be a MappedClaims field or one of TOKEN_FIELDS")
_IN_ORDER: Final = itemgetter(
    *(
        MAPPED_INDEX[name] if name in MAPPED_INDEX else len(MAPPED_NAMES) + TOKEN_FIELDS.index(name)
        for name in _FIELDS
    )
)
_new_auth_info: Final = constructor(AuthInfo)


def assemble(
    mapped: Sequence[Any],
    *,
    issuer: str,
    subject: str,
    access_token: str,
    claims: Any,
    expires_at: datetime,
    dpop_jkt: str | None,
    refusal_hint: RefusalHint | None = None,
) -> AuthInfo:
    """The ``AuthInfo`` of ``mapped`` (the ``MappedClaims`` values, in order) and the token's facts.

    The same object ``AuthInfo(**fields)`` makes, ``__post_init__`` included, in one pass.
    """
    auth = _new_auth_info(
        _IN_ORDER(
            (*mapped, issuer, subject, access_token, claims, expires_at, None, None, dpop_jkt, refusal_hint)
        )
    )
    auth.__post_init__()
    return auth
