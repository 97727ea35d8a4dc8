"""``TokenVerifier``: the framework-free core. A token string in, an ``AuthInfo`` or an ``AuthError`` out."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Coroutine, Sequence
from datetime import UTC, datetime
from typing import Any, Final

import httpx

from ._assemble import assemble
from ._auth_info import AuthInfo
from ._background import Background
from ._dpop import DEFAULT_DPOP_ALGORITHMS, DpopChecker, DpopRequest, ReplayCache
from ._dpop_nonce import NonceSource
from ._errors import AuthError, DpopBindingError, InvalidTokenError, shown, with_hint
from ._frozen import freeze
from ._issuer import Issuer
from ._issuer_keys import IssuerKeys, KeySources
from ._issuer_resolver import IssuerResolver, Issuers, ResolvedIssuers, split_issuers
from ._jose import VerifyingKey
from ._observer import Observer, fingerprint, observe
from ._revocation import OnVerified, RevocationList, revoked_rule, run_on_verified
from ._rules import RULES, Rule, Token, Trust
from ._startup import DEFAULT_STARTUP_TIMEOUT, IssuerCheck, check_issuers
from ._token_cache import DEFAULT_CACHE_BYTES, DEFAULT_CACHE_SIZE, TokenCache
from ._userinfo import UserinfoEnricher
from ._userinfo_store import UserinfoStore
from .claims._mapped import mapped_values
from .claims._registry import MAPPED_VALUES

__all__ = ["DEFAULT_MAX_TOKEN_BYTES", "TokenVerifier"]

logger = logging.getLogger("asgi_authinfo")

DEFAULT_MAX_TOKEN_BYTES: Final = 16 * 1024
_DEFAULT_TIMEOUT: Final = httpx.Timeout(5.0)


class TokenVerifier:
    """Verifies bearer JWTs against trusted issuers and builds the ``AuthInfo`` they describe.

    Give it an ``httpx.AsyncClient`` to share connections (or to inject a transport in tests);
    otherwise it owns one, closed by :meth:`aclose`. ``now`` is the wall clock used for
    ``exp``/``nbf``/``iat``; ``clock`` the monotonic clock used for JWKS ages and durations.
    ``observer`` is called with an :class:`Outcome` for every token (see ``_observer``).

    Verification runs ``rules`` in order (default: ``_rules.RULES``, which every verifier keeps;
    pass ``rules=(*RULES, my_rule)`` to add one, and ``inspect`` shows it too). A rule or claims
    mapper that raises anything but an :class:`AuthError` has a bug: it is logged at ERROR and
    propagates, so the request fails with a server error (500), never a refusal or a pass.

    Tokens that verified are remembered (``cache_size`` tokens, LRU, at most ``cache_max_bytes``
    by estimate), so a reused token costs a lookup and a time check; ``cache_size=0`` turns
    that off. See :class:`~asgi_authinfo.TokenCache` for the rules.

    ``revocations`` adds the ``revoked`` rule, run on the mapped ``AuthInfo`` of a new token and
    asked again on every token-cache hit; ``on_verified`` is awaited with each new token's
    ``AuthInfo`` after every rule, before it is cached, not on cache hits (``docs/revoking.md``).

    ``issuers`` may include one async resolver ``(iss) -> Issuer | None`` (or an
    :class:`IssuerResolver` to configure its cache), asked only for an ``iss`` no static issuer
    matches (see ``_issuer_resolver``); :meth:`start` checks the static issuers only.
    """

    def __init__(
        self,
        issuers: Issuers,
        *,
        client: httpx.AsyncClient | None = None,
        now: Callable[[], float] = time.time,
        clock: Callable[[], float] = time.monotonic,
        max_token_bytes: int = DEFAULT_MAX_TOKEN_BYTES,
        observer: Observer | None = None,
        cache_size: int = DEFAULT_CACHE_SIZE,
        cache_max_bytes: int = DEFAULT_CACHE_BYTES,
        rules: Sequence[Rule] = RULES,
        on_verified: OnVerified | None = None,
        revocations: RevocationList | None = None,
        userinfo_store: UserinfoStore | None = None,
        dpop_max_age: float = 60.0,
        dpop_algorithms: Sequence[str] = DEFAULT_DPOP_ALGORITHMS,
        dpop_replay_cache: ReplayCache | None = None,
        dpop_nonces: NonceSource | None = None,
    ) -> None:
        if max_token_bytes < 64:
            raise ValueError("max_token_bytes must be at least 64")
        if isinstance(cache_size, bool) or not isinstance(cache_size, int) or cache_size < 0:
            raise ValueError(f"cache_size must be a whole number >= 0 (0 turns it off), got {cache_size!r}")
        self.rules = tuple(rules)
        if not all(isinstance(rule, Rule) for rule in self.rules):
            raise ValueError("rules must be Rule objects")
        dropped = [rule.name for rule in RULES if rule not in self.rules]
        if dropped:
            raise ValueError(f"rules must keep the built-in rules; missing: {', '.join(dropped)}")
        self._checks = tuple(rule.check for rule in self.rules)
        self.issuers, self.resolver = split_issuers(issuers)
        self.owns_client = client is None
        self.client = client or httpx.AsyncClient(timeout=_DEFAULT_TIMEOUT)
        self.max_token_bytes = max_token_bytes
        self._now = now
        self._clock = clock
        self.observer = observer
        if on_verified is not None and not callable(on_verified):
            raise ValueError(f"on_verified must be an async callable (AuthInfo), got {on_verified!r}")
        self.on_verified = on_verified
        self.revocations = revocations
        # the rules run on a new token's mapped AuthInfo (Token.auth), after `rules` and mapping
        self.mapped_rules: tuple[Rule, ...] = () if revocations is None else (revoked_rule(revocations),)
        self.background = Background()  # stale-while-revalidate JWKS refreshes, cancelled by aclose
        sources = KeySources(client=self.client, clock=clock, now=now, background=self.background)
        self.trust = Trust(
            self.issuers,
            {issuer.issuer: sources.for_issuer(issuer) for issuer in self.issuers if issuer.template is None},
            tuple(sources.for_issuer(issuer) for issuer in self.issuers if issuer.template),
            max_token_bytes,
            None if self.resolver is None else self._resolved_issuers(self.resolver),
        )
        self._userinfo = UserinfoEnricher(client=self.client, now=now, clock=clock, store=userinfo_store)
        self.token_cache = (
            TokenCache(cache_size, max_bytes=cache_max_bytes, now=now, clock=clock) if cache_size else None
        )
        self.dpop = DpopChecker(
            now=now,
            algorithms=dpop_algorithms,
            max_age=dpop_max_age,
            replay_cache=dpop_replay_cache,
            nonces=dpop_nonces,
        )
        self._dpop_required = any(issuer.dpop == "required" for issuer in self.issuers)
        # a token no trusted issuer claims gets the advice of the first that gives some (tests only)
        self._any_hint = next((i.refusal_hint for i in self.issuers if i.refusal_hint is not None), None)

    def _resolved_issuers(self, config: IssuerResolver) -> ResolvedIssuers:
        """The resolver's cache; each resolved Issuer gets its own keys (its own JWKS cache)."""

        def keys_for(issuer: Issuer) -> IssuerKeys:
            own = KeySources(client=self.client, clock=self._clock, now=self._now, background=self.background)
            return own.for_issuer(issuer)

        def on_resolved(issuer: Issuer) -> None:
            if issuer.dpop == "required":  # from now on every token asks check_sender for its policy
                self._dpop_required = True

        return ResolvedIssuers(config, keys_for=keys_for, clock=self._clock, on_resolved=on_resolved)

    async def start(
        self, *, strict: bool = False, timeout: float = DEFAULT_STARTUP_TIMEOUT
    ) -> tuple[IssuerCheck, ...]:
        """Fetch every issuer's discovery and keys now, concurrently, within ``timeout`` seconds,
        and log one line per issuer; ``strict`` raises ``StartupCheckError`` if any failed."""
        trust = self.trust
        return await check_issuers([*trust.by_iss.values(), *trust.templates], strict=strict, timeout=timeout)

    async def aclose(self) -> None:
        """Cancel the background refreshes, then close the httpx client if this verifier created it."""
        await self.background.aclose()
        if self.owns_client:
            await self.client.aclose()

    async def verify(self, token: str, *, dpop: DpopRequest | None = None) -> AuthInfo:
        """The ``AuthInfo`` for a valid token; raises an :class:`AuthError` saying why otherwise.

        ``dpop`` is the request's DPoP proof when it was sent with the DPoP scheme (RFC 9449);
        without one the token was sent as a bearer token. The proof is checked on every request,
        also when the token itself is answered from the token cache.
        """
        answer = self._answer_now(token, dpop)
        return answer if isinstance(answer, AuthInfo) else await answer

    def _answer_now(
        self, token: str, dpop: DpopRequest | None = None
    ) -> AuthInfo | Coroutine[Any, Any, AuthInfo]:
        """:meth:`verify` without an await when the token cache answers a bearer token (the
        middleware's hot path), else the coroutine that finishes verifying; raises as it does.
        A cached token is observed and logged like any other outcome."""
        started = self._clock()
        cache = self.token_cache
        known = cache.lookup(token) if cache is not None and isinstance(token, str) else None
        if known is None:
            return self._verify_token(token, dpop, started)
        auth = known.auth
        resolved = known.resolved
        if resolved is not None and not self._resolver_holds(auth.issuer, resolved):
            cache.discard(token)  # type: ignore[union-attr]  # the resolver may trust it no more: ask
            return self._verify_token(token, dpop, started)
        refused = None if self.revocations is None else self.revocations.refusal(auth)
        if refused is not None:  # the `revoked` rule, asked of a cached token: a dict lookup
            observe(token, refused, self._clock() - started, self.observer, known.kid)
            raise refused
        if self.observer is not None or logger.isEnabledFor(logging.DEBUG):
            mark = known.fingerprint
            if mark is None:
                mark = known.fingerprint = fingerprint(token)
            observe(token, auth, self._clock() - started, self.observer, known.kid, mark)
        if self._plain_bearer(auth, dpop):
            return auth
        return self._sender_checked(auth, dpop)

    def _resolver_holds(self, iss: str, keys: IssuerKeys) -> bool:
        """Whether ``keys`` are the issuer resolver's fresh answer for ``iss`` (never true for static
        issuers and templates): a cached token of such an issuer is served only while it holds."""
        resolved = self.trust.resolved
        return resolved is not None and resolved.holds(iss, keys)

    def _plain_bearer(self, auth: AuthInfo, dpop: DpopRequest | None) -> bool:
        """A bearer token, not DPoP-bound, and no issuer requires DPoP: no sender to check."""
        return dpop is None and auth.dpop_jkt is None and not self._dpop_required

    async def _sender_checked(self, auth: AuthInfo, dpop: DpopRequest | None) -> AuthInfo:
        await self.check_sender(auth, dpop)
        return auth

    async def check_sender(self, auth: AuthInfo, dpop: DpopRequest | None) -> None:
        """The issuer's DPoP policy, the token's binding and the proof agree (RFC 9449 §7)."""
        policy = self._dpop_policy(auth.issuer)
        if policy is None:  # a resolved issuer no longer cached: ask the resolver again
            policy = await self._resolved_dpop_policy(auth.issuer)
        algs = self.dpop.algs
        if policy == "disabled" and (dpop is not None or auth.dpop_jkt is not None):
            raise InvalidTokenError(
                f"issuer {shown(auth.issuer)} is configured with dpop='disabled': DPoP tokens and "
                "proofs are not accepted",
                code="dpop_disabled",
            )
        if dpop is not None:
            await self.dpop.check(dpop, auth.dpop_jkt)
        elif auth.dpop_jkt is not None:
            raise DpopBindingError(
                "the token is DPoP-bound (cnf.jkt): send it as 'Authorization: DPoP <token>' "
                "with a DPoP proof header, not as a bearer token",
                algs=algs,
            )
        elif policy == "required":
            raise DpopBindingError(
                f"issuer {shown(auth.issuer)} requires DPoP-bound tokens (dpop='required'): ask the "
                "issuer for a DPoP token and send it with a DPoP proof",
                code="dpop_required",
                algs=algs,
            )

    def _dpop_policy(self, iss: str) -> str | None:
        for issuer in self.issuers:
            if issuer.issuer == iss or (issuer.template is not None and issuer.tenant_of(iss) is not None):
                return issuer.dpop
        resolved = self.trust.resolved
        if resolved is None:
            return "allowed"
        found = resolved.cached(iss)
        return None if found is None else found.dpop

    async def _resolved_dpop_policy(self, iss: str) -> str:
        resolved = self.trust.resolved
        assert resolved is not None
        keys = await resolved.keys_for(iss)
        if keys is None:
            raise InvalidTokenError(
                f"the token's issuer {shown(iss)} is no longer trusted: the issuer resolver does not know it",
                code="unknown_issuer",
            )
        return keys.issuer.dpop

    async def _verify_token(self, token: str, dpop: DpopRequest | None, started: float) -> AuthInfo:
        """Run every rule on a token the cache did not answer, then check its sender. Every outcome
        is logged (refusals at INFO, never the token) and passed to the observer."""
        state = Token(token, self.trust, self._now())
        try:
            for check in self._checks:
                pending = check(state)
                if pending is not None:
                    await pending
            auth = await self.finish(state)
        except AuthError as error:
            if self._any_hint is not None:
                with_hint(error, self._any_hint if state.issuer is None else state.issuer.refusal_hint)
            observe(token, error, self._clock() - started, self.observer, state.kid)
            raise
        observe(token, auth, self._clock() - started, self.observer, state.kid)
        if self._plain_bearer(auth, dpop):
            return auth
        await self.check_sender(auth, dpop)
        return auth

    async def finish(self, token: Token, *, remember: bool = True) -> AuthInfo:
        """After every rule passed: map the claims and ask userinfo if configured; then, unless
        ``remember=False`` (``inspect``, which runs them itself), run :attr:`mapped_rules`,
        await ``on_verified`` and cache the result: a refused token is never cached."""
        keys, parsed, key = token.keys, token.parsed, token.key
        assert keys is not None and parsed is not None and key is not None, "the built-in rules ran"
        issuer = keys.issuer
        claims = parsed.claims
        exp = float(claims["exp"])  # a NumericDate: the exp rule checked it
        try:
            auth = self._build(token.text, claims, issuer, exp, key)
        except AuthError:
            raise
        except Exception as exc:
            logger.error(
                "the claims mapper of issuer %s raised %s (rule `mapping`): a bug in the mapper, "
                "not a bad token; the request fails with a server error",
                issuer.issuer,
                type(exc).__name__,
                exc_info=True,
            )
            raise
        if issuer.userinfo:
            auth = await self._userinfo.enrich(auth, issuer, discovery=keys.discovery)
        token.auth = auth
        if not remember:
            return auth
        for rule in self.mapped_rules:
            pending = rule.check(token)
            if pending is not None:
                await pending
        if self.on_verified is not None:
            await run_on_verified(self.on_verified, auth)
        cache = self.token_cache
        if cache is not None and auth.userinfo_error is None:  # a failed lookup is retried
            assert token.jwks is not None
            nbf, iat = claims.get("nbf"), claims.get("iat")  # NumericDates or absent: checked
            cache.put(
                token.text,
                auth,
                exp=exp,
                nbf=nbf,
                iat=iat,
                leeway=issuer.leeway,
                jwks=token.jwks,
                key=key,
                kid=token.kid,
                claims_json=parsed.payload,
                resolved=keys if self._resolver_holds(claims["iss"], keys) else None,
            )
        return auth

    def _build(
        self, token: str, claims: dict[str, Any], issuer: Issuer, exp: float, key: VerifyingKey
    ) -> AuthInfo:
        read = MAPPED_VALUES.get(issuer.mapper)  # a preset that maps in one pass, or any mapper:
        mapped = read(claims) if read is not None else mapped_values(issuer.mapper(claims))
        cnf = claims.get("cnf")  # a failure above is a bug, logged by finish()
        return assemble(
            mapped,
            issuer=claims["iss"],  # the issuer's own spelling; a multi-tenant issuer's tenant
            subject=claims["sub"],
            access_token=token,
            claims=freeze(claims),
            expires_at=datetime.fromtimestamp(exp, UTC),
            dpop_jkt=None if cnf is None else _bound_key(cnf),
            refusal_hint=issuer.refusal_hint,
        )


def _bound_key(cnf: Any) -> str | None:
    """The DPoP key thumbprint a token is bound to (``cnf.jkt``, RFC 9449 §6.1), if any."""
    if not isinstance(cnf, dict):
        raise InvalidTokenError(
            "the token's `cnf` claim is not a JSON object (RFC 7800)", code="invalid_claim"
        )
    jkt = cnf.get("jkt")
    if jkt is not None and (not isinstance(jkt, str) or not jkt):
        raise InvalidTokenError("the token's `cnf.jkt` is not a key thumbprint string", code="invalid_claim")
    return jkt
