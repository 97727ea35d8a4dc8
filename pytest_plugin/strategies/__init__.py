"""Hypothesis strategies for bearer tokens: realistic claim sets, valid tokens, and invalid tokens
each labelled with the refusal code a correct verifier gives.

Importing this module (the pytest plugin does) registers ``st.from_type(AuthInfo)`` and
``st.from_type(NoAuthInfo)``.

The labels of :func:`invalid_tokens` assume the verifier trusts only the fake issuer it was given
(``config`` describes how), checks time with the issuer's clock (``fake.verifier()`` does) or
with real time when the fake issuer uses real time, and has the issuer's current JWKS.
"""

from __future__ import annotations

try:
    import hypothesis  # noqa: F401
except ImportError as exc:  # say which extra brings it, not just the missing module
    raise ImportError(
        "pytest_plugin.strategies needs Hypothesis, which asgi-authinfo's testing extra installs: "
        "pip install 'asgi-authinfo[testing]'"
    ) from exc

from ._claims import claim_sets, personas
from ._dpop import DPOP_KINDS, InvalidDpopRequest, invalid_dpop_requests
from ._invalid import KINDS, invalid_tokens
from ._invalid_token import InvalidToken
from ._tokens import tokens
from ._types import auth_infos

__all__ = [
    "DPOP_KINDS",
    "KINDS",
    "InvalidDpopRequest",
    "InvalidToken",
    "auth_infos",
    "claim_sets",
    "invalid_dpop_requests",
    "invalid_tokens",
    "personas",
    "tokens",
]
