"""``TokenVerifier``: the framework-free core. A token string in, an ``AuthInfo`` or an ``AuthError`` out."""

from __future__ import annotations

import difflib
import logging
import math
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, Final

import httpx

from ._auth_info import AuthInfo, freeze
from ._errors import AuthError, InvalidTokenError, ago, shown, utc
from ._issuer import Issuer, flatten_issuers
from ._issuer_keys import IssuerKeys, KeySources
from ._jose import ParsedToken, VerifyingKey, parse, verify_signature
from ._observer import Observer, observe
from ._revocation import OnVerified, RevocationList, run_on_verified
from ._token_cache import DEFAULT_CACHE_BYTES, DEFAULT_CACHE_SIZE, TokenCache
from ._userinfo import UserinfoEnricher
from ._userinfo_store import UserinfoStore

__all__ = ["DEFAULT_MAX_TOKEN_BYTES", "TokenVerifier"]

logger = logging.getLogger("asgi_authinfo")

DEFAULT_MAX_TOKEN_BYTES: Final = 16 * 1024
_MAX_TIMESTAMP: Final = 253402300799  # 9999-12-31T23:59:59Z
_DEFAULT_TIMEOUT: Final = httpx.Timeout(5.0)


class TokenVerifier:
    """Verifies bearer JWTs against trusted issuers and builds the ``AuthInfo`` they describe.

    Give it an ``httpx.AsyncClient`` to share connections (or to inject a transport in tests);
    otherwise it owns one, closed by :meth:`aclose`. ``now`` is the wall clock used for
    ``exp``/``nbf``/``iat``; ``clock`` the monotonic clock used for JWKS ages and durations.
    ``observer`` is called with an :class:`Outcome` for every token (see ``_observer``).

    Tokens that verified are remembered (``cache_size`` tokens, LRU, at most ``cache_max_bytes``
    by estimate), so a reused token costs a lookup and a time check; ``cache_size=0`` turns
    that off. See :class:`~asgi_authinfo.TokenCache` for the rules.

    ``revocations`` is asked on every request, cached tokens included (see ``docs/revoking.md``);
    ``on_verified`` is awaited with each newly verified token's ``AuthInfo``, not on cache hits.
    """

    def __init__(
        self,
        issuers: Issuer | Iterable[Issuer | Iterable[Issuer]],
        *,
        client: httpx.AsyncClient | None = None,
        now: Callable[[], float] = time.time,
        clock: Callable[[], float] = time.monotonic,
        max_token_bytes: int = DEFAULT_MAX_TOKEN_BYTES,
        observer: Observer | None = None,
        cache_size: int = DEFAULT_CACHE_SIZE,
        cache_max_bytes: int = DEFAULT_CACHE_BYTES,
        on_verified: OnVerified | None = None,
        revocations: RevocationList | None = None,
        userinfo_store: UserinfoStore | None = None,
    ) -> None:
        if max_token_bytes < 64:
            raise ValueError("max_token_bytes must be at least 64")
        if isinstance(cache_size, bool) or not isinstance(cache_size, int) or cache_size < 0:
            raise ValueError(f"cache_size must be a whole number >= 0 (0 turns it off), got {cache_size!r}")
        self.issuers = flatten_issuers(issuers)
        self.owns_client = client is None
        self.client = client or httpx.AsyncClient(timeout=_DEFAULT_TIMEOUT)
        self.max_token_bytes = max_token_bytes
        self._now = now
        self._clock = clock
        self.observer = observer
        self.on_verified = on_verified
        self.revocations = revocations
        sources = KeySources(client=self.client, clock=clock)
        self._by_iss = {
            issuer.issuer: sources.for_issuer(issuer) for issuer in self.issuers if issuer.template is None
        }
        self._templates = tuple(sources.for_issuer(issuer) for issuer in self.issuers if issuer.template)
        self._userinfo = UserinfoEnricher(client=self.client, now=now, clock=clock, store=userinfo_store)
        self.token_cache = (
            TokenCache(cache_size, max_bytes=cache_max_bytes, now=now, clock=clock) if cache_size else None
        )

    async def aclose(self) -> None:
        """Close the httpx client if this verifier created it."""
        if self.owns_client:
            await self.client.aclose()

    async def verify(self, token: str) -> AuthInfo:
        """The ``AuthInfo`` for a valid token; raises an :class:`AuthError` saying why otherwise.

        Every outcome is logged (refusals at INFO, never the token) and passed to the observer,
        tokens answered from the token cache included.
        """
        started = self._clock()
        cache = self.token_cache
        if cache is not None and isinstance(token, str):
            known = cache.get(token)
            if known is not None:
                refused = None if self.revocations is None else self.revocations.refusal(known)
                if refused is not None:
                    observe(token, refused, self._clock() - started, self.observer, self.max_token_bytes)
                    raise refused
                if self.observer is not None or logger.isEnabledFor(logging.DEBUG):
                    observe(token, known, self._clock() - started, self.observer, self.max_token_bytes)
                return known
        try:
            auth = await self._verify(token)
        except AuthError as error:
            observe(token, error, self._clock() - started, self.observer, self.max_token_bytes)
            raise
        observe(token, auth, self._clock() - started, self.observer, self.max_token_bytes)
        return auth

    async def _verify(self, token: str) -> AuthInfo:
        """The verification itself: size, JOSE parse, issuer and key selection, signature, claims."""
        if not isinstance(token, str) or not token:
            raise InvalidTokenError("the token is empty", code="malformed")
        if len(token) > self.max_token_bytes:
            raise InvalidTokenError(
                f"the token is {len(token)} bytes, over the {self.max_token_bytes} byte limit",
                code="token_too_large",
            )
        parsed = parse(token)
        keys, alg, kid = self._select(parsed)
        issuer = keys.issuer
        jwks = await keys.jwks()
        key = await jwks.key_for(kid, alg, issuer=issuer.issuer)
        if not verify_signature(parsed, alg, key):
            raise InvalidTokenError(
                f"the token's signature does not verify with the issuer's key {shown(kid)}; "
                "it was altered or signed by another key",
                code="bad_signature",
                issuer=issuer.issuer,
                kid=kid,
            )
        claims = parsed.claims
        exp = self._check_claims(claims, issuer)
        auth = self._build(token, claims, issuer, exp, key)
        if issuer.userinfo:
            auth = await self._userinfo.enrich(auth, issuer, discovery=keys.discovery)
        refused = None if self.revocations is None else self.revocations.refusal(auth)
        if refused is not None:
            raise refused
        if self.on_verified is not None:
            await run_on_verified(self.on_verified, auth)
        cache = self.token_cache
        if cache is not None and auth.userinfo_error is None:  # a failed lookup is retried later
            nbf, iat = claims.get("nbf"), claims.get("iat")  # NumericDates or absent: checked above
            cache.put(token, auth, exp=exp, nbf=nbf, iat=iat, leeway=issuer.leeway, jwks=jwks, key=key)
        return auth

    def _select(self, parsed: ParsedToken) -> tuple[IssuerKeys, str, str | None]:
        """Pick the issuer by ``iss`` (exact) and check the header against its rules."""
        header, claims = parsed.header, parsed.claims
        iss = claims.get("iss")
        keys = self._by_iss.get(iss) if isinstance(iss, str) else None
        if keys is None and isinstance(iss, str):
            keys = self._by_template(iss)
        if keys is None:
            raise InvalidTokenError(self._unknown_issuer(iss), code="unknown_issuer")
        issuer = keys.issuer
        alg = header.get("alg")
        if not isinstance(alg, str) or alg not in issuer.algorithms:
            raise InvalidTokenError(
                f"the token's alg {shown(alg)} is not allowed for issuer {issuer.issuer} "
                f"(allowed: {', '.join(issuer.algorithms)})",
                code="algorithm_not_allowed",
                issuer=issuer.issuer,
            )
        if "crit" in header:
            raise InvalidTokenError(
                "the token's header lists critical extensions (`crit`) this verifier does not "
                "understand (RFC 7515 §4.1.11)",
                code="malformed",
                issuer=issuer.issuer,
            )
        kid = header.get("kid")
        if kid is not None and not isinstance(kid, str):
            raise InvalidTokenError("the token's `kid` header is not a string", code="malformed")
        if issuer.token_type is not None:
            typ = header.get("typ")
            if not isinstance(typ, str) or _media_type(typ) != _media_type(issuer.token_type):
                raise InvalidTokenError(
                    f"the token's typ {shown(typ)} is not the required {issuer.token_type!r} "
                    "(RFC 9068 access tokens carry typ at+jwt)",
                    code="wrong_token_type",
                    issuer=issuer.issuer,
                )
        return keys, alg, kid

    def _by_template(self, iss: str) -> IssuerKeys | None:
        """The multi-tenant issuer whose template and tenant allowlist fit ``iss``."""
        for keys in self._templates:
            if keys.issuer.tenant_of(iss) is not None:
                return keys
        for keys in self._templates:
            template = keys.issuer.template
            assert template is not None
            if iss.startswith(template[0]) and iss.endswith(template[1]):
                allowed = keys.issuer.tenants
                raise InvalidTokenError(
                    f"the token's issuer {shown(iss)} names a tenant that {keys.issuer.issuer} does not "
                    + (
                        "accept"
                        if allowed is None
                        else f"allow (allowed: {list(allowed)}); add it to tenants="
                    ),
                    code="unknown_issuer",
                    issuer=keys.issuer.issuer,
                )
        return None

    def _unknown_issuer(self, iss: object) -> str:
        configured = [*self._by_iss, *(keys.issuer.issuer for keys in self._templates)]
        listed = ", ".join(repr(name) for name in configured)
        if iss is None:
            return f"the token has no `iss` claim; trusted issuers are {listed}"
        if not isinstance(iss, str):
            return f"the token's `iss` is not a string; trusted issuers are {listed}"
        message = f"the token's issuer {shown(iss)} is not trusted; trusted issuers are {listed}"
        for name in configured:
            if name.rstrip("/") == iss.rstrip("/"):
                return message + f" (nearest: {name!r}, which differs only by a trailing slash)"
            if name.lower() == iss.lower():
                return message + f" (nearest: {name!r}, which differs only in letter case)"
        for name in configured:  # e.g. WorkOS AuthKit's https://api.workos.com/user_management/<client_id>
            if iss.startswith(name.rstrip("/") + "/"):
                return message + (
                    f" (nearest: {name!r}, a prefix of it; issuers must match exactly, so trust "
                    f"{shown(iss)} too if it is yours)"
                )
        nearest = difflib.get_close_matches(iss, configured, n=1, cutoff=0.6)
        if nearest:
            return message + f" (nearest: {nearest[0]!r})"
        return message

    def _check_claims(self, claims: Mapping[str, Any], issuer: Issuer) -> float:
        """Apply the time, audience, party and required-claim rules; return ``exp``."""
        name = issuer.issuer
        now = self._now()
        leeway = issuer.leeway
        sub = claims.get("sub")
        if sub is None:
            raise InvalidTokenError("the token has no `sub` claim", code="missing_claim", issuer=name)
        if not isinstance(sub, str) or not sub:
            raise InvalidTokenError(
                "the token's `sub` is not a non-empty string", code="invalid_claim", issuer=name
            )
        exp = _timestamp(claims, "exp", name, required=True)
        assert exp is not None
        if now - leeway >= exp:
            raise InvalidTokenError(
                f"the token expired {ago(now - exp)} ago (exp {utc(exp)}, leeway {leeway:g} s); "
                "get a fresh token from the issuer",
                code="expired",
                issuer=name,
            )
        nbf = _timestamp(claims, "nbf", name)
        if nbf is not None and nbf > now + leeway:
            raise InvalidTokenError(
                f"the token is not valid for another {ago(nbf - now)} (nbf {utc(nbf)}, leeway "
                f"{leeway:g} s); check the clocks of this server and the issuer",
                code="not_yet_valid",
                issuer=name,
            )
        iat = _timestamp(claims, "iat", name)
        if iat is not None and iat > now + leeway:
            raise InvalidTokenError(
                f"the token was issued {ago(iat - now)} in the future (iat {utc(iat)}, leeway "
                f"{leeway:g} s); check the clocks of this server and the issuer",
                code="not_yet_valid",
                issuer=name,
            )
        if issuer.audience is not None:
            _check_audience(claims, tuple(issuer.audience), name)
        if issuer.authorized_parties is not None:
            azp = claims.get("azp")
            if azp is not None and azp not in issuer.authorized_parties:
                raise InvalidTokenError(
                    f"the token's authorized party `azp` {shown(azp)} is not one of "
                    f"{list(issuer.authorized_parties)}; add your front-end origin to "
                    "authorized_parties if it is yours",
                    code="unauthorized_party",
                    issuer=name,
                )
        for required in issuer.required_claims:
            if required not in claims:
                raise InvalidTokenError(
                    f"the token has no `{required}` claim, which this issuer requires",
                    code="missing_claim",
                    issuer=name,
                )
        for check in issuer.claim_checks:
            check(claims, name)
        return exp

    def _build(
        self, token: str, claims: dict[str, Any], issuer: Issuer, exp: float, key: VerifyingKey
    ) -> AuthInfo:
        try:
            mapped = issuer.mapper(claims)
        except Exception as exc:
            logger.exception("the claims mapper for issuer %s failed", issuer.issuer)
            raise InvalidTokenError(
                f"the token's claims could not be mapped ({type(exc).__name__}); see the server log",
                code="invalid_claim",
                issuer=issuer.issuer,
            ) from None
        return AuthInfo(
            user=mapped.user,
            issuer=claims["iss"],  # the issuer's own spelling; a multi-tenant issuer's tenant
            subject=claims["sub"],
            access_token=token,
            claims=freeze(claims),
            session_id=mapped.session_id,
            organization_id=mapped.organization_id,
            organization_slug=mapped.organization_slug,
            role=mapped.role,
            roles=mapped.roles,
            permissions=mapped.permissions,
            entitlements=mapped.entitlements,
            feature_flags=mapped.feature_flags,
            scopes=mapped.scopes,
            impersonator=mapped.impersonator,
            expires_at=datetime.fromtimestamp(exp, UTC),
            org_prefix=mapped.org_prefix,
        )


def _timestamp(claims: Mapping[str, Any], name: str, issuer: str, *, required: bool = False) -> float | None:
    value = claims.get(name)
    if value is None:
        if name in claims or required:
            raise InvalidTokenError(
                f"the token has no `{name}` claim"
                + ("; tokens without an expiry are refused" if name == "exp" else ""),
                code="missing_claim",
                issuer=issuer,
            )
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not -_MAX_TIMESTAMP <= value <= _MAX_TIMESTAMP  # first: a huge int overflows isfinite()
        or not math.isfinite(value)
    ):
        raise InvalidTokenError(
            f"the token's `{name}` claim {shown(value)} is not a NumericDate "
            "(seconds since 1970, RFC 7519 §2)",
            code="invalid_claim",
            issuer=issuer,
        )
    return float(value)


def _check_audience(claims: Mapping[str, Any], expected: tuple[str, ...], issuer: str) -> None:
    aud = claims.get("aud")
    if aud is None:
        raise InvalidTokenError(
            f"the token has no `aud` claim, but this issuer expects audience {list(expected)}; "
            "request the token for your API's audience",
            code="audience_mismatch",
            issuer=issuer,
        )
    audiences = [aud] if isinstance(aud, str) else aud
    if not isinstance(audiences, list) or not all(isinstance(item, str) for item in audiences):
        raise InvalidTokenError(
            "the token's `aud` is neither a string nor a list of strings", code="invalid_claim", issuer=issuer
        )
    if not set(audiences).intersection(expected):
        got = ", ".join(shown(item) for item in audiences[:5]) or "an empty list"
        raise InvalidTokenError(
            f"the token's audience {got} is not the expected {list(expected)}; request the token "
            "for this API's audience or fix `audience=` in the Issuer",
            code="audience_mismatch",
            issuer=issuer,
        )


def _media_type(typ: str) -> str:
    lowered = typ.lower()
    return lowered.removeprefix("application/")
