"""Provider URLs from an issuer URL: its origin and path, and the endpoints providers put under it."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

__all__ = ["jwks_under_issuer", "no_audience", "origin", "path_segments", "same_path_jwks", "under_issuer"]


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def path_segments(url: str) -> list[str]:
    return [segment for segment in urlsplit(url).path.split("/") if segment]


def under_issuer(path: str) -> Callable[[str], str]:
    """Issuer URL → the URL of ``path`` under it (most providers' userinfo endpoint)."""
    return lambda issuer: f"{issuer.rstrip('/')}/{path}"


def jwks_under_issuer(path: str) -> Callable[[str], tuple[str, ...]]:
    """Issuer URL → its only JWKS URL, ``path`` under it."""
    return lambda issuer: (f"{issuer.rstrip('/')}/{path}",)


same_path_jwks: Callable[[str], tuple[str, ...]] = jwks_under_issuer(".well-known/jwks.json")
"""The JWKS at ``{issuer}/.well-known/jwks.json``, where most providers publish it."""


def no_audience(issuer: str) -> None:
    return None
