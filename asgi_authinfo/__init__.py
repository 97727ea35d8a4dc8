"""asgi-authinfo: verify bearer JWTs and put a typed ``AuthInfo`` in ``scope["auth"]``."""

from __future__ import annotations

from . import claims, providers
from ._auth_info import ANONYMOUS_USER, AnonymousUser, AuthInfo, Impersonator, NoAuthInfo, Scopes, User
from ._claim_checks import ClaimCheck, ClaimIn
from ._dpop import DpopRequest, InMemoryReplayCache, ReplayCache, jwk_thumbprint, read_dpop
from ._dpop_nonce import NonceSource, SignedNonces
from ._errors import (
    AuthError,
    DpopBindingError,
    ErrorCode,
    InsufficientScopeError,
    InvalidDpopProofError,
    InvalidRequestError,
    InvalidTokenError,
    IssuerUnavailableError,
    MissingTokenError,
    UseDpopNonceError,
)
from ._guards import Requirement, check, get_auth, requires
from ._issuer import ALLOWED_ALGORITHMS, Issuer
from ._jwks import JWKSCache
from ._middleware import AuthInfoMiddleware
from ._observer import Observer, Outcome
from ._token_cache import TokenCache
from ._token_sources import BearerHeader, Cookie, QueryParam, TokenSource
from ._verifier import DEFAULT_MAX_TOKEN_BYTES, TokenVerifier
from .claims import MappedClaims

__version__ = "0.1.0"

__all__ = [
    "ALLOWED_ALGORITHMS",
    "ANONYMOUS_USER",
    "DEFAULT_MAX_TOKEN_BYTES",
    "AnonymousUser",
    "AuthError",
    "AuthInfo",
    "AuthInfoMiddleware",
    "BearerHeader",
    "ClaimCheck",
    "ClaimIn",
    "Cookie",
    "DpopBindingError",
    "DpopRequest",
    "ErrorCode",
    "Impersonator",
    "InMemoryReplayCache",
    "InsufficientScopeError",
    "InvalidDpopProofError",
    "InvalidRequestError",
    "InvalidTokenError",
    "Issuer",
    "IssuerUnavailableError",
    "JWKSCache",
    "MappedClaims",
    "MissingTokenError",
    "NoAuthInfo",
    "NonceSource",
    "Observer",
    "Outcome",
    "QueryParam",
    "ReplayCache",
    "Requirement",
    "Scopes",
    "SignedNonces",
    "TokenCache",
    "TokenSource",
    "TokenVerifier",
    "UseDpopNonceError",
    "User",
    "__version__",
    "check",
    "claims",
    "get_auth",
    "jwk_thumbprint",
    "providers",
    "read_dpop",
    "requires",
]
