"""Claims several providers write the same way: RFC 8693 ``act``, ``auth_time``, ``sub``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from asgi_authinfo import Impersonator

__all__ = ["act", "auth_time", "subject"]


def act(impersonator: Impersonator | None) -> dict[str, Any]:
    """RFC 8693 ``act`` with every field the ``asgi_authinfo`` readers understand."""
    if impersonator is None:
        return {}
    fields = {"sub": impersonator.subject, "email": impersonator.email, "reason": impersonator.reason}
    return {"act": {key: value for key, value in fields.items() if value is not None}}


def auth_time(claims: Mapping[str, Any]) -> dict[str, Any]:
    """``auth_time``: when the user signed in; a fake's users sign in when their token is issued."""
    iat = claims.get("iat")
    return {"auth_time": iat} if isinstance(iat, int) else {}


def subject(claims: Mapping[str, Any]) -> str:
    """The ``sub`` claim, or ``""`` when it is not a string."""
    sub = claims.get("sub")
    return sub if isinstance(sub, str) else ""
