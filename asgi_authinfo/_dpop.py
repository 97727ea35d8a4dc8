"""DPoP (RFC 9449): reading a sender-constrained request and checking its proof of possession.

``read_dpop`` takes ``Authorization: DPoP <token>`` and the one ``DPoP`` proof header from an
ASGI scope, with the request's method and URL (the proof is per request). ``DpopChecker`` checks
the proof (RFC 9449 §4.3) and its binding to the access token (``cnf.jkt``, RFC 9449 §6.1) after
the token itself verified, so a token answered from the token cache still needs a fresh proof.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
from collections.abc import Callable, Iterable
from typing import Any, Final, Literal, Protocol, runtime_checkable

from ._dpop_nonce import NonceSource
from ._dpop_request import DpopRequest, normalized_url, read_dpop
from ._durations import check_seconds
from ._errors import AuthError, DpopBindingError, InvalidDpopProofError, UseDpopNonceError, shown
from ._jose import VerifyingKey, key_from_jwk, parse, verify_signature

__all__ = [
    "DEFAULT_DPOP_ALGORITHMS",
    "DpopChecker",
    "DpopPolicy",
    "DpopRequest",
    "InMemoryReplayCache",
    "ReplayCache",
    "jwk_thumbprint",
    "normalized_url",
    "read_dpop",
]

DpopPolicy = Literal["allowed", "required", "disabled"]
DPOP_POLICIES: Final = ("allowed", "required", "disabled")

DEFAULT_DPOP_ALGORITHMS: Final = ("ES256", "ES384", "ES512", "PS256", "PS384", "PS512", "RS256", "EdDSA")
"""Asymmetric only (RFC 9449 §4.2): ``none`` and HMAC proofs can never show possession of a key."""

_THUMBPRINT_MEMBERS: Final = {
    "RSA": ("e", "kty", "n"),
    "EC": ("crv", "kty", "x", "y"),
    "OKP": ("crv", "kty", "x"),
}
_PRIVATE_MEMBERS: Final = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})
_MAX_JTI_CHARS: Final = 256
_KEYS_KEPT: Final = 1024


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def jwk_thumbprint(jwk: dict[str, Any]) -> str:
    """The RFC 7638 SHA-256 thumbprint of a public JWK (RFC 8037 §2 for OKP keys)."""
    members = _THUMBPRINT_MEMBERS.get(jwk.get("kty", ""))
    if members is None or not all(isinstance(jwk.get(name), str) for name in members):
        raise ValueError("the jwk is not an RSA, EC or OKP public key with string members")
    canonical = json.dumps({name: jwk[name] for name in members}, separators=(",", ":"), sort_keys=True)
    return b64url(hashlib.sha256(canonical.encode()).digest())


def access_token_hash(token: str) -> str:
    """``ath``: the base64url SHA-256 of the access token (RFC 9449 §4.2)."""
    return b64url(hashlib.sha256(token.encode("ascii")).digest())


@runtime_checkable
class ReplayCache(Protocol):
    """Remembers proof ids (``jti``) until they are too old to be accepted anyway.

    An implementation shared by replicas (Redis ``SET key 1 NX EXAT until``) fits this seam.
    """

    async def first_use(self, key: str, until: float) -> bool:
        """Record ``key`` until ``until`` (a wall-clock time); False if it was already recorded."""
        ...


class InMemoryReplayCache:
    """A bounded in-process ``ReplayCache`` (one replica). Size it above peak proofs per window:
    when full, expired ids go first, then the oldest (which could then be replayed)."""

    def __init__(self, max_entries: int = 100_000, *, now: Callable[[], float] | None = None) -> None:
        if isinstance(max_entries, bool) or not isinstance(max_entries, int) or max_entries < 1:
            raise ValueError(f"max_entries must be a whole number >= 1, got {max_entries!r}")
        self.max_entries = max_entries
        self._now = now
        self._until: dict[str, float] = {}

    def __len__(self) -> int:
        return len(self._until)

    async def first_use(self, key: str, until: float) -> bool:
        entries = self._until
        known = entries.get(key)
        now = self._now() if self._now is not None else None
        if known is not None and (now is None or known >= now):
            return False
        if len(entries) >= self.max_entries:
            self._evict(now)
        entries[key] = until
        return True

    def _evict(self, now: float | None) -> None:
        entries = self._until
        if now is not None:
            for key in [key for key, until in entries.items() if until < now]:
                del entries[key]
        while len(entries) >= self.max_entries:
            del entries[next(iter(entries))]


class DpopChecker:
    """Checks a DPoP proof against its request and access token (RFC 9449 §4.3, §6.1).

    ``max_age`` is how old a proof's ``iat`` may be (and how long its ``jti`` is remembered);
    ``leeway`` allows clocks that run ahead or behind.
    """

    def __init__(
        self,
        *,
        now: Callable[[], float],
        algorithms: Iterable[str] = DEFAULT_DPOP_ALGORITHMS,
        max_age: float = 60.0,
        leeway: float = 5.0,
        replay_cache: ReplayCache | None = None,
        nonces: NonceSource | None = None,
    ) -> None:
        if nonces is not None and not isinstance(nonces, NonceSource):
            raise ValueError(
                "dpop_nonces must be a NonceSource (current() and accepts(nonce)), e.g. SignedNonces()"
            )
        self.nonces = nonces
        self.algorithms = tuple(algorithms)
        refused = [alg for alg in self.algorithms if alg not in (*DEFAULT_DPOP_ALGORITHMS, "RS384", "RS512")]
        if not self.algorithms or refused:
            raise ValueError(f"dpop algorithms must be asymmetric JWS algorithms; refused: {refused}")
        check_seconds("dpop_max_age", max_age, positive=True)
        check_seconds("dpop_leeway", leeway)
        if replay_cache is not None and not isinstance(replay_cache, ReplayCache):
            raise ValueError("dpop_replay_cache must be a ReplayCache (an async first_use(key, until))")
        self.algs = " ".join(self.algorithms)
        self.max_age = float(max_age)
        self.leeway = float(leeway)
        self.replay_cache = replay_cache if replay_cache is not None else InMemoryReplayCache(now=now)
        self._now = now
        self._keys: dict[str, VerifyingKey] = {}

    def refuse(self, description: str, code: Any = "invalid_dpop_proof") -> AuthError:
        return InvalidDpopProofError(description, code=code, algs=self.algs)

    async def check(self, request: DpopRequest, jkt: str | None) -> str:
        """The proof key's thumbprint, once the proof is valid for ``request`` and bound to ``jkt``."""
        if jkt is None:
            raise DpopBindingError(
                "the token was sent with the DPoP scheme but is not DPoP-bound (no cnf.jkt claim); "
                "send it as 'Authorization: Bearer <token>' without a proof",
                algs=self.algs,
            )
        try:
            parsed = parse(request.proof)
        except AuthError as error:
            raise self.refuse(f"the DPoP proof is not a signed JWT: {error.description}") from None
        header, claims = parsed.header, parsed.claims
        typ = header.get("typ")
        if not isinstance(typ, str) or typ.lower() != "dpop+jwt":
            raise self.refuse(f"the DPoP proof's `typ` header is {shown(typ)}; it must be 'dpop+jwt'")
        alg = header.get("alg")
        if alg not in self.algorithms:
            raise self.refuse(f"the DPoP proof is signed with {shown(alg)}; accepted: {self.algs}")
        jwk = header.get("jwk")
        if not isinstance(jwk, dict):
            raise self.refuse("the DPoP proof's header has no `jwk` (the client's public key)")
        if _PRIVATE_MEMBERS.intersection(jwk):
            raise self.refuse(
                "the DPoP proof's `jwk` holds a private or symmetric key: send the public key only"
            )
        try:
            thumbprint = jwk_thumbprint(jwk)
        except ValueError:
            raise self.refuse("the DPoP proof's `jwk` is not an RSA, EC or OKP public key") from None
        key = self._key(thumbprint, jwk, alg)
        if not verify_signature(parsed, alg, key):
            raise self.refuse("the DPoP proof's signature does not verify with the key in its `jwk` header")
        self._check_claims(claims, request)
        if thumbprint != jkt:
            raise DpopBindingError(
                "the DPoP proof is signed by another key than the one the token is bound to (cnf.jkt)",
                algs=self.algs,
            )
        nonces = self.nonces
        if nonces is not None:
            nonce = claims.get("nonce")
            if not isinstance(nonce, str) or not nonces.accepts(nonce):
                raise UseDpopNonceError(
                    "the DPoP proof needs the server's current nonce: make a new proof with the "
                    "`nonce` claim set to the DPoP-Nonce header of this answer",
                    nonce=nonces.current(),
                    algs=self.algs,
                )
        jti = claims["jti"]
        if not await self.replay_cache.first_use(
            f"{thumbprint}:{jti}", claims["iat"] + self.max_age + self.leeway
        ):
            raise self.refuse(
                "the DPoP proof was already used (its jti was seen): make a new proof", "dpop_replay"
            )
        return thumbprint

    def _key(self, thumbprint: str, jwk: dict[str, Any], alg: str) -> VerifyingKey:
        key = self._keys.get(thumbprint)
        if key is None:
            key = key_from_jwk(
                {name: value for name, value in jwk.items() if name not in ("alg", "kid", "use")}
            )
            if key is None:
                raise self.refuse("the DPoP proof's `jwk` is not a usable public signing key")
            if len(self._keys) >= _KEYS_KEPT:
                self._keys.clear()
            self._keys[thumbprint] = key
        if not key.fits(alg):
            raise self.refuse(f"the DPoP proof's `jwk` cannot verify {shown(alg)} signatures")
        return key

    def _check_claims(self, claims: dict[str, Any], request: DpopRequest) -> None:
        jti = claims.get("jti")
        if not isinstance(jti, str) or not jti or len(jti) > _MAX_JTI_CHARS:
            raise self.refuse(f"the DPoP proof needs a `jti` string of 1 to {_MAX_JTI_CHARS} characters")
        htm = claims.get("htm")
        if htm != request.method:
            raise self.refuse(f"the DPoP proof is for method {shown(htm)}, the request is {request.method}")
        htu = claims.get("htu")
        if not isinstance(htu, str) or normalized_url(htu) != request.url:
            raise self.refuse(
                f"the DPoP proof is for URL {shown(htu)}, the request is {shown(request.url)} "
                "(behind a proxy, give the public origin: dpop_origin='https://api.example.com')"
            )
        iat = claims.get("iat")
        if isinstance(iat, bool) or not isinstance(iat, int | float) or not math.isfinite(iat):
            raise self.refuse("the DPoP proof needs an `iat` NumericDate")
        now = self._now()
        if iat > now + self.leeway or iat < now - self.max_age - self.leeway:
            raise self.refuse(
                f"the DPoP proof was made {now - iat:.0f} s ago; accepted: at most {self.max_age:g} s "
                "(make one proof per request, with the current time)"
            )
        if claims.get("ath") != access_token_hash(request.token):
            raise self.refuse("the DPoP proof's `ath` is not the SHA-256 hash of this access token")
