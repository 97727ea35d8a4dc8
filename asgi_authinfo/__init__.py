"""asgi-authinfo: verify bearer JWTs and put a typed ``AuthInfo`` in ``scope["auth"]``."""

from __future__ import annotations

from . import claims, providers
from ._auth_info import AuthInfo, NoAuthInfo, Scopes
from ._bearer_subprotocol import BearerSubprotocol
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
    RefusalHint,
    ReverificationError,
    RevocationsUnavailableError,
    UseDpopNonceError,
)
from ._guards import Requirement, check, get_auth, requires
from ._issuer import ALLOWED_ALGORITHMS, Issuer
from ._issuer_resolver import IssuerResolver
from ._jwks import JWKSCache
from ._middleware import AuthInfoMiddleware
from ._observer import Observer, Outcome
from ._reverification import Reverification
from ._revocation import InMemoryRevocations, OnVerified, Revocation, RevocationList
from ._startup import IssuerCheck, StartupCheckError
from ._token_cache import TokenCache
from ._token_sources import BearerHeader, Cookie, QueryParam, TokenSource
from ._user import ANONYMOUS_USER, Address, AnonymousUser, Impersonator, User
from ._userinfo_store import UserinfoStore
from ._verifier import DEFAULT_MAX_TOKEN_BYTES, TokenVerifier
from .claims import MappedClaims

__version__ = "0.1.0"

__all__ = [
    "ALLOWED_ALGORITHMS",
    "ANONYMOUS_USER",
    "DEFAULT_MAX_TOKEN_BYTES",
    "Address",
    "AnonymousUser",
    "AuthError",
    "AuthInfo",
    "AuthInfoMiddleware",
    "BearerHeader",
    "BearerSubprotocol",
    "ClaimCheck",
    "ClaimIn",
    "Cookie",
    "DpopBindingError",
    "DpopRequest",
    "ErrorCode",
    "Impersonator",
    "InMemoryReplayCache",
    "InMemoryRevocations",
    "InsufficientScopeError",
    "InvalidDpopProofError",
    "InvalidRequestError",
    "InvalidTokenError",
    "Issuer",
    "IssuerCheck",
    "IssuerResolver",
    "IssuerUnavailableError",
    "JWKSCache",
    "MappedClaims",
    "MissingTokenError",
    "NoAuthInfo",
    "NonceSource",
    "Observer",
    "OnVerified",
    "Outcome",
    "QueryParam",
    "RefusalHint",
    "ReplayCache",
    "Requirement",
    "Reverification",
    "ReverificationError",
    "Revocation",
    "RevocationList",
    "RevocationsUnavailableError",
    "Scopes",
    "SignedNonces",
    "StartupCheckError",
    "TokenCache",
    "TokenSource",
    "TokenVerifier",
    "UseDpopNonceError",
    "User",
    "UserinfoStore",
    "__version__",
    "check",
    "claims",
    "get_auth",
    "jwk_thumbprint",
    "providers",
    "read_dpop",
    "requires",
]
