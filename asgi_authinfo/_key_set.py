"""``KeySet``: the usable keys of one JWKS document, built once per fetch and never changed.

Key *selection* lives here (as in jose's ``local.ts``); when and how the document is fetched is
``JWKSCache``'s job. Malformed, weak or non-signing keys are skipped; the key object of every
entry unchanged since the previous fetch is reused, which keeps what it verified valid in the
token cache and skips rebuilding it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any, Final

from ._errors import InvalidTokenError, shown
from ._fetch import FetchError
from ._jose import VerifyingKey, key_build

__all__ = ["MAX_KEYS_PER_KID", "KeySet"]

logger = logging.getLogger("asgi_authinfo")

MAX_KEYS_PER_KID: Final = 4
"""How many keys one ``kid`` may name: a token's ``kid`` never costs more than this many lookups."""


class KeySet:
    """The keys of one fetch of the JWKS at ``uri``, indexed by ``kid``."""

    __slots__ = ("_found", "by_kid", "by_source", "keys", "uri")

    def __init__(
        self,
        uri: str,
        keys: tuple[VerifyingKey, ...] = (),
        by_source: Mapping[str, VerifyingKey] | None = None,
    ) -> None:
        by_kid: dict[str, tuple[VerifyingKey, ...]] = {}
        for key in keys:
            if key.kid is not None:
                by_kid[key.kid] = (*by_kid.get(key.kid, ()), key)
        self.uri = uri
        self.keys = keys
        self.by_kid: Mapping[str, tuple[VerifyingKey, ...]] = by_kid
        self.by_source: Mapping[str, VerifyingKey] = by_source or {}
        self._found: dict[tuple[str | None, str, tuple[str, ...]], VerifyingKey] = {}

    @classmethod
    def from_document(cls, document: Any, uri: str, previous: KeySet | None = None) -> KeySet:
        """The usable keys of a JWKS document; ``previous`` itself when they are the same keys.

        Raises :class:`FetchError` when the document is not a JWKS or has no usable key.
        """
        if not isinstance(document, Mapping) or not isinstance(document.get("keys"), list):
            raise FetchError(f"the JWKS at {uri} is not a JSON object with a `keys` list")
        entries = document["keys"]
        reusable = previous.by_source if previous is not None else {}
        by_source: dict[str, VerifyingKey] = {}
        keys: list[VerifyingKey] = []
        per_kid: dict[str | None, int] = {}
        for entry in entries:
            key: VerifyingKey | str
            try:
                source = json.dumps(entry, sort_keys=True)
                key = reusable.get(source) or key_build(entry)
            except (TypeError, ValueError, RecursionError):
                source, key = "", "it is not JSON data"
            if isinstance(key, VerifyingKey) and key.kid is not None:
                per_kid[key.kid] = count = per_kid.get(key.kid, 0) + 1
                if count > MAX_KEYS_PER_KID:
                    key = f"more than {MAX_KEYS_PER_KID} keys share its kid"
            if isinstance(key, str):
                kid = entry.get("kid") if isinstance(entry, Mapping) else None
                logger.warning("skipped key %s in the JWKS at %s: %s", shown(kid), uri, key)
                continue
            by_source[source] = key
            keys.append(key)
        if not keys:
            raise FetchError(f"the JWKS at {uri} has no usable signing keys")
        if previous is not None and previous.uri == uri and _same(previous.keys, keys):
            return previous
        return cls(uri, tuple(keys), by_source)

    def holds(self, key: VerifyingKey) -> bool:
        """Whether ``key`` is in this set (a key that left the JWKS invalidates what it verified)."""
        return any(candidate is key for candidate in self.by_kid.get(key.kid or "", self.keys))

    def find(
        self, kid: str | None, alg: str, *, issuer: str, allowed: tuple[str, ...] = ()
    ) -> VerifyingKey | None:
        """The key for a token's ``kid`` and ``alg``, or ``None`` when the set has none.

        Without a ``kid`` the key must be the set's only one for ``alg``. A ``kid`` whose keys
        are all of another type or algorithm is refused (``algorithm_not_allowed``). ``allowed``
        is the issuer's algorithms (see :meth:`VerifyingKey.fits`).
        """
        found = self._found.get((kid, alg, allowed))
        if found is not None:
            return found
        if kid is None:
            fitting = [key for key in self.keys if key.fits(alg, allowed)]
            found = fitting[0] if len(fitting) == 1 else None
        else:
            candidates = self.by_kid.get(kid)
            if not candidates:
                return None
            for key in candidates:
                if key.fits(alg, allowed):
                    found = key
                    break
            else:
                first = candidates[0]
                raise InvalidTokenError(
                    f"the token's alg {shown(alg)} does not fit key {shown(kid)}, which is a {first.kty} key"
                    + (f" for {first.alg}" if first.alg else ""),
                    code="algorithm_not_allowed",
                    issuer=issuer,
                    kid=kid,
                )
        if found is not None:
            self._found[(kid, alg, allowed)] = found  # bounded: only kids and algs that fit a key get here
        return found

    def lookup(
        self, kid: str | None, alg: str, *, issuer: str, allowed: tuple[str, ...] = ()
    ) -> VerifyingKey:
        """The key for a token's ``kid`` and ``alg``; refused as ``unknown_key`` when there is none."""
        key = self.find(kid, alg, issuer=issuer, allowed=allowed)
        if key is not None:
            return key
        if kid is None:
            fitting = sum(1 for candidate in self.keys if candidate.fits(alg, allowed))
            raise InvalidTokenError(
                f"the token has no `kid` header and the issuer's JWKS has {fitting} {alg} keys; "
                "it cannot be matched to a key",
                code="unknown_key",
                issuer=issuer,
            )
        known = ", ".join(shown(k) for k in list(self.by_kid)[:10]) or "none"
        raise InvalidTokenError(
            f"the token's key id `kid` {shown(kid)} is not in the issuer's JWKS at {self.uri} "
            f"(known kids: {known}); the token was signed by a key this issuer does not publish",
            code="unknown_key",
            issuer=issuer,
            kid=kid,
        )


def _same(old: tuple[VerifyingKey, ...], new: list[VerifyingKey]) -> bool:
    return len(old) == len(new) and all(a is b for a, b in zip(old, new, strict=True))
