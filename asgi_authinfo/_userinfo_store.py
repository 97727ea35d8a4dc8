"""A userinfo cache shared between processes: providers rate-limit userinfo per user, and each
process asking for the same token multiplies those calls.

A :class:`UserinfoStore` keeps the issuer's answer for a token until the token expires, keyed by
the token's SHA-256 (never the token). It sits in front of the userinfo fetch, which is already on
the path of a new token only (answers are then cached per process, see ``_userinfo``): a store
that fails or is slow costs at most its own ``timeout`` and the endpoint is asked as before.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol, runtime_checkable

__all__ = ["UserinfoStore", "shared_fetch", "userinfo_key"]

logger = logging.getLogger("asgi_authinfo")


@runtime_checkable
class UserinfoStore(Protocol):
    """Userinfo answers shared between processes. Both methods may fail; callers fall back."""

    async def get(self, key: str, /) -> Mapping[str, Any] | None: ...

    async def put(self, key: str, document: Mapping[str, Any], expires: float, /) -> None: ...


def userinfo_key(token: str) -> str:
    """The store key of a token: its SHA-256, so the store never holds tokens."""
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


async def shared_fetch(
    store: UserinfoStore | None, token: str, expires: float, fetch: Callable[[], Awaitable[Any]]
) -> Any:
    """The userinfo answer for ``token``: from ``store`` when it has one, else ``fetch()``, then stored."""
    if store is None:
        return await fetch()
    key = userinfo_key(token)
    try:
        known = await store.get(key)
    except Exception as exc:
        logger.warning("the shared userinfo store failed (%s); asking the endpoint", type(exc).__name__)
        known = None
    if known is not None:
        return known
    document = await fetch()
    if isinstance(document, Mapping):
        try:
            await store.put(key, document, expires)
        except Exception as exc:
            logger.warning("the shared userinfo store failed (%s); answer not shared", type(exc).__name__)
    return document
