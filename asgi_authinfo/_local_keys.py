"""Keys given in the configuration, never fetched: a JWKS object, a ``data:`` or ``file:`` URI, a
path, or one PEM public key (jose's ``createLocalJWKSet``, Clerk's networkless ``jwtKey``, the
``data:`` URIs Convex's ``customJwt`` documents).

They become the same :class:`KeySet` a fetched JWKS does, so the same key rules apply; the file
is read once, when the :class:`~asgi_authinfo.Issuer` is built.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

import httpx

from ._fetch import FetchError
from ._jose import VerifyingKey, jwk_from_pem
from ._jwks import JWKSCache
from ._key_set import KeySet

__all__ = ["LocalKeys", "is_local_uri", "local_key_set"]


def is_local_uri(uri: str) -> bool:
    """Whether ``jwks_uri`` names keys on this machine: a ``data:`` or ``file:`` URI, or a path."""
    scheme = urlsplit(uri).scheme.lower()
    return scheme in ("data", "file", "") or len(scheme) == 1  # "C:\\keys.json" has scheme "c"


def local_key_set(
    *, jwks: Mapping[str, Any] | None, jwks_uri: str | None, public_key: str | None
) -> KeySet | None:
    """The key set an issuer's configuration holds, or ``None`` when its keys are fetched.

    Raises ``ValueError`` when more than one source is given, or the keys cannot be read or used.
    """
    sources = (("jwks_uri", jwks_uri), ("jwks", jwks), ("public_key", public_key))
    given = [name for name, value in sources if value is not None]
    if len(given) > 1:
        raise ValueError(f"give one of jwks_uri=, jwks= or public_key=, not {' and '.join(given)}")
    if jwks is not None:
        document, label = jwks, "jwks= (local keys)"
    elif public_key is not None:
        document, label = {"keys": [jwk_from_pem(_pem(public_key))]}, "public_key= (a local key)"
    elif jwks_uri is not None and is_local_uri(jwks_uri):
        document, label = _read(jwks_uri)
    else:
        return None
    try:
        return KeySet.from_document(document, label)
    except FetchError as exc:
        raise ValueError(str(exc)) from None


def _pem(text: str) -> str:
    """PEM text as environment variables carry it: ``\\n`` escaped, or only the base64 body."""
    text = text.strip().replace("\\n", "\n")
    if "-----BEGIN" not in text:
        body = "".join(text.split())
        text = "-----BEGIN PUBLIC KEY-----\n" + body + "\n-----END PUBLIC KEY-----\n"
    return text


def _read(uri: str) -> tuple[Any, str]:
    """The JSON a ``data:`` URI holds or a ``file:`` URI or path names, and a label for messages."""
    if uri[:5].lower() == "data:":
        meta, comma, data = uri[5:].partition(",")
        if not comma:
            raise ValueError("jwks_uri data: URI has no ',' before its data (RFC 2397)")
        raw: bytes | str = unquote(data)
        if meta.lower().endswith(";base64"):
            try:
                raw = base64.b64decode(_padded(str(raw)).replace("-", "+").replace("_", "/"), validate=True)
            except (binascii.Error, ValueError):
                raise ValueError("jwks_uri data: URI says base64 but its data is not base64") from None
        return _json(raw, "the jwks_uri data: URI"), "a data: URI (local keys)"
    parts = urlsplit(uri)
    if parts.scheme.lower() == "file":
        if parts.netloc not in ("", "localhost"):
            raise ValueError(f"jwks_uri {uri!r} names another host; a file: URI must be local")
        path = Path(url2pathname(parts.path))
    else:
        path = Path(uri)
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise ValueError(f"cannot read the JWKS file {str(path)!r}: {exc.strerror or exc}") from None
    return _json(content, f"the JWKS file {str(path)!r}"), f"{path} (local keys)"


def _padded(text: str) -> str:
    return text + "=" * (-len(text) % 4)


def _json(raw: bytes | str, what: str) -> Any:
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        raise ValueError(f'{what} is not JSON: give a JWKS, {{"keys": [...]}}') from None


class LocalKeys(JWKSCache):
    """A configured key set behind the :class:`JWKSCache` interface: always fresh, never fetched.

    ``any_kid``: the set is one PEM key, which has no ``kid``, so it is the key for every token
    (as Clerk's ``jwtKey``); its algorithm must still fit.
    """

    def __init__(self, key_set: KeySet, *, client: httpx.AsyncClient, any_kid: bool = False) -> None:
        super().__init__(key_set.uri, client=client, max_age=math.inf)
        self.key_set = key_set
        self.fresh_until = math.inf
        self._any_kid = any_kid

    async def key_for(
        self,
        kid: str | None,
        alg: str,
        *,
        issuer: str,
        allowed: tuple[str, ...] = (),
        issued_at: float | None = None,
        leeway: float = 0.0,
    ) -> VerifyingKey:
        return self.key_set.lookup(None if self._any_kid else kid, alg, issuer=issuer, allowed=allowed)

    async def _load(self, previous: KeySet | None) -> KeySet:
        return self.key_set
