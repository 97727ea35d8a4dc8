"""Where the examples find their issuer when run by hand: the ``AUTHINFO_*`` environment variables."""

from __future__ import annotations

import os

from asgi_authinfo import Issuer


def issuers_from_env() -> list[Issuer]:
    """``AUTHINFO_ISSUER`` (required), ``AUTHINFO_AUDIENCE`` and ``AUTHINFO_JWKS_URI`` (optional)."""
    issuer = os.environ.get("AUTHINFO_ISSUER")
    if not issuer:
        raise RuntimeError("set AUTHINFO_ISSUER to your issuer's URL, e.g. https://api.workos.com")
    return [
        Issuer(
            issuer,
            audience=os.environ.get("AUTHINFO_AUDIENCE") or None,
            jwks_uri=os.environ.get("AUTHINFO_JWKS_URI") or None,
        )
    ]
