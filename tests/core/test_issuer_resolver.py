"""Issuers resolved at run time: ``issuers=[..., resolve]`` with a cached, bounded, single-flight resolver.

Real keys and real signatures throughout: every tenant's tokens are signed by a FakeIssuer, and its
keys are fetched over an injected httpx transport that counts the requests.
"""

from __future__ import annotations

import gc
import logging
import random
import weakref
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

from asgi_authinfo import (
    AuthError,
    AuthInfoMiddleware,
    InvalidTokenError,
    Issuer,
    IssuerResolver,
    IssuerUnavailableError,
    TokenVerifier,
)
from asgi_authinfo._diagnosis import diagnose
from asgi_authinfo._inspect import _diagnose, _Setup, load_config
from asgi_authinfo._render import render_text
from pytest_plugin import Clock, FakeIssuer

pytestmark = pytest.mark.anyio

TENANTS = ".tenants.example.com"
STATIC = "https://static.example.com"


class Keys:
    """One signing key set for every tenant, served over a transport that counts the JWKS fetches."""

    def __init__(self, clock: Clock) -> None:
        self.fake = FakeIssuer("https://signer.example.com", algorithm="ES256", now=clock, audience=None)
        self.fetches = 0
        inner = self.fake.transport()

        def answer(request: httpx.Request) -> httpx.Response:
            self.fetches += 1
            return inner.handle_request(request)

        self.client = httpx.AsyncClient(transport=httpx.MockTransport(answer))

    def issuer(self, iss: str, **options: Any) -> Issuer:
        return Issuer(iss, jwks_uri=self.fake.jwks_uri, algorithms=("ES256",), **options)

    def token(self, iss: str, **claims: Any) -> str:
        return self.fake.token(iss=iss, **claims)


class Resolver:
    """A resolver trusting ``https://<name>.tenants.example.com`` (any name, the worst case), counted."""

    def __init__(
        self, keys: Keys, *, known: Callable[[str], bool] = lambda iss: True, **options: Any
    ) -> None:
        self.keys = keys
        self.known = known
        self.options = options
        self.asked: list[str] = []

    async def __call__(self, iss: str) -> Issuer | None:
        self.asked.append(iss)
        if iss.startswith("https://") and iss.endswith(TENANTS) and self.known(iss):
            return self.keys.issuer(iss, **self.options)
        return None


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def keys(clock: Clock) -> Keys:
    return Keys(clock)


def verifier_for(keys: Keys, clock: Clock, *issuers: Any, **options: Any) -> TokenVerifier:
    return TokenVerifier(list(issuers), client=keys.client, now=clock, clock=clock, cache_size=0, **options)


def tenant(name: str) -> str:
    return f"https://{name}{TENANTS}"


async def refusal(verify: Awaitable[Any]) -> Any:
    with pytest.raises(AuthError) as raised:
        await verify
    return raised.value


async def test_a_resolved_issuer_verifies_its_tokens_and_is_asked_once(keys: Keys, clock: Clock) -> None:
    resolve = Resolver(keys)
    verifier = verifier_for(keys, clock, resolve)

    auths = [await verifier.verify(keys.token(tenant("acme"), sub=f"user_{n}")) for n in range(3)]

    assert [auth.issuer for auth in auths] == [tenant("acme")] * 3
    assert [auth.subject for auth in auths] == ["user_0", "user_1", "user_2"]
    assert resolve.asked == [tenant("acme")] and keys.fetches == 1
    assert verifier.issuers == () and isinstance(verifier.resolver, IssuerResolver)


async def test_static_issuers_win_and_the_resolver_is_never_asked_for_them(keys: Keys, clock: Clock) -> None:
    resolve = Resolver(keys)
    verifier = verifier_for(keys, clock, keys.issuer(STATIC), resolve)

    static = await verifier.verify(keys.token(STATIC))
    resolved = await verifier.verify(keys.token(tenant("acme")))

    assert (static.issuer, resolved.issuer) == (STATIC, tenant("acme"))
    assert resolve.asked == [tenant("acme")]


async def test_none_is_the_unknown_issuer_401_and_is_cached_for_negative_ttl(
    keys: Keys, clock: Clock
) -> None:
    resolve = Resolver(keys, known=lambda iss: False)
    verifier = verifier_for(keys, clock, keys.issuer(STATIC), IssuerResolver(resolve, negative_ttl=30))
    token = keys.token(tenant("gone"))

    first = await refusal(verifier.verify(token))
    second = await refusal(verifier.verify(token))
    clock.advance(31)
    await refusal(verifier.verify(token))

    assert isinstance(first, InvalidTokenError) and first.code == second.code == "unknown_issuer"
    assert first.description.startswith(
        f"the token's issuer '{tenant('gone')}' is not trusted; trusted issuers are "
        f"'{STATIC}' and those the issuer resolver returns"
    )
    assert len(resolve.asked) == 2  # once, then again after negative_ttl
    assert keys.fetches == 0  # no Issuer, no key fetch


async def test_an_iss_no_issuer_can_have_is_refused_without_asking(keys: Keys, clock: Clock) -> None:
    resolve = Resolver(keys)
    verifier = verifier_for(keys, clock, resolve)

    for iss in ("acme", "urn:tenant:acme", tenant("a" * 1100)):
        assert (await refusal(verifier.verify(keys.token(iss)))).code == "unknown_issuer"

    assert resolve.asked == []
    assert verifier.trust.resolved is not None and len(verifier.trust.resolved) == 0


async def test_a_resolved_issuer_is_asked_again_after_its_ttl(keys: Keys, clock: Clock) -> None:
    resolve = Resolver(keys)
    verifier = verifier_for(keys, clock, IssuerResolver(resolve, ttl=100))

    await verifier.verify(keys.token(tenant("acme")))
    clock.advance(50)
    await verifier.verify(keys.token(tenant("acme")))
    clock.advance(51)
    await verifier.verify(keys.token(tenant("acme")))

    assert len(resolve.asked) == 2
    assert keys.fetches == 1  # the same Issuer again: its keys stay warm


async def test_concurrent_tokens_with_one_unknown_iss_share_one_call(keys: Keys, clock: Clock) -> None:
    release = anyio.Event()
    calls = 0

    async def slow(iss: str) -> Issuer | None:
        nonlocal calls
        calls += 1
        await release.wait()
        return keys.issuer(iss)

    verifier = verifier_for(keys, clock, slow)
    tokens = [keys.token(tenant("acme"), sub=f"user_{n}") for n in range(50)]
    subjects: list[str] = []

    async def verify(token: str) -> None:
        subjects.append((await verifier.verify(token)).subject)

    async with anyio.create_task_group() as group:
        for token in tokens:
            group.start_soon(verify, token)
        await anyio.wait_all_tasks_blocked()
        release.set()

    assert calls == 1 and keys.fetches == 1
    assert sorted(subjects) == sorted(f"user_{n}" for n in range(50))


@pytest.mark.parametrize("failure", ["raises", "times out", "returns a str", "returns another issuer"])
async def test_a_failing_resolver_is_a_503_logged_once_never_a_401(
    keys: Keys, clock: Clock, failure: str, caplog: pytest.LogCaptureFixture
) -> None:
    calls = 0

    async def broken(iss: str) -> Any:
        nonlocal calls
        calls += 1
        if failure == "raises":
            raise ConnectionError("tenant database down")
        if failure == "times out":
            await anyio.sleep_forever()
        if failure == "returns a str":
            return iss
        return keys.issuer(tenant("other"))

    verifier = verifier_for(keys, clock, keys.issuer(STATIC), IssuerResolver(broken, timeout=0.01))
    token = keys.token(tenant("acme"))
    with caplog.at_level(logging.INFO, logger="asgi_authinfo"):
        first = await refusal(verifier.verify(token))
        second = await refusal(verifier.verify(token))
        static = await verifier.verify(keys.token(STATIC))

    assert isinstance(first, IssuerUnavailableError) and isinstance(second, IssuerUnavailableError)
    assert (first.status, first.error, first.code) == (503, "temporarily_unavailable", "issuer_unavailable")
    assert first.retry_after >= 1
    assert calls == 1  # the failure is remembered for a few seconds: a flood does not hammer it
    assert static.issuer == STATIC
    warned = [record.getMessage() for record in caplog.records if record.levelno >= logging.WARNING]
    assert len(warned) == 1 and warned[0].startswith(f"issuer resolver failed for '{tenant('acme')}'")
    assert token not in caplog.text
    clock.advance(6)
    await refusal(verifier.verify(token))
    assert calls == 2


async def test_a_resolver_failing_on_refresh_keeps_the_issuer_it_gave(keys: Keys, clock: Clock) -> None:
    down = False

    async def flaky(iss: str) -> Issuer | None:
        if down:
            raise OSError("tenant database down")
        return keys.issuer(iss)

    verifier = verifier_for(keys, clock, IssuerResolver(flaky, ttl=10))
    await verifier.verify(keys.token(tenant("acme")))
    down = True
    clock.advance(11)

    assert (await verifier.verify(keys.token(tenant("acme")))).issuer == tenant("acme")


@pytest.mark.parametrize(
    "trusted", [True, False], ids=["resolver trusts every tenant", "resolver trusts none"]
)
async def test_ten_thousand_random_issuers_cannot_force_unbounded_calls_fetches_or_memory(
    keys: Keys, clock: Clock, trusted: bool
) -> None:
    resolve = Resolver(keys, known=lambda iss: trusted)
    config = IssuerResolver(resolve, max_issuers=64, max_new_issuers=100, window=60)
    verifier = verifier_for(keys, clock, keys.issuer(STATIC), config)
    resolved = verifier.trust.resolved
    assert resolved is not None
    rng = random.Random(12)
    codes: dict[str, int] = {}

    for _ in range(10_000):
        iss = tenant(f"t{rng.getrandbits(64):x}")
        try:
            await verifier.verify(keys.token(iss))
        except (InvalidTokenError, IssuerUnavailableError) as error:
            codes[error.code] = codes.get(error.code, 0) + 1
        assert len(resolved) <= 64  # memory stays bounded all along

    assert len(resolve.asked) == 100  # the window's budget of never-seen issuers, no more
    assert keys.fetches == (100 if trusted else 0)  # at most one key fetch per resolved issuer
    assert codes.get("issuer_unavailable") == 9_900
    assert (await verifier.verify(keys.token(STATIC))).issuer == STATIC  # static issuers unaffected
    clock.advance(60)  # a new window: new issuers are resolved again
    if trusted:
        assert (await verifier.verify(keys.token(tenant("new")))).issuer == tenant("new")
    else:
        assert (await refusal(verifier.verify(keys.token(tenant("new"))))).code == "unknown_issuer"
    assert len(resolve.asked) == 101


async def test_an_evicted_issuer_drops_its_keys(keys: Keys, clock: Clock) -> None:
    verifier = verifier_for(keys, clock, IssuerResolver(Resolver(keys), max_issuers=2))
    resolved = verifier.trust.resolved
    assert resolved is not None
    await verifier.verify(keys.token(tenant("first")))
    first = await resolved.keys_for(tenant("first"))
    assert first is not None
    jwks = weakref.ref(await first.jwks())
    del first

    await verifier.verify(keys.token(tenant("second")))
    await verifier.verify(keys.token(tenant("third")))
    gc.collect()

    assert resolved.cached(tenant("first")) is None and len(resolved) == 2
    assert jwks() is None


async def test_a_resolved_issuer_that_requires_dpop_refuses_bearer_tokens(keys: Keys, clock: Clock) -> None:
    resolve = Resolver(keys, dpop="required")
    verifier = TokenVerifier(
        IssuerResolver(resolve, max_issuers=1),
        client=keys.client,
        now=clock,
        clock=clock,
    )
    token = keys.token(tenant("acme"))

    first = await refusal(verifier.verify(token))
    await refusal(verifier.verify(keys.token(tenant("other"))))  # evicts acme; its token stays cached
    again = await refusal(verifier.verify(token))

    assert first.code == again.code == "dpop_required"
    assert resolve.asked == [tenant("acme"), tenant("other"), tenant("acme")]  # asked again, not "allowed"


async def test_the_middleware_answers_401_and_503_for_resolved_issuers(keys: Keys, clock: Clock) -> None:
    async def resolve(iss: str) -> Issuer | None:
        if iss == tenant("down"):
            raise RuntimeError("boom")
        return keys.issuer(iss) if iss == tenant("acme") else None

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": scope["auth"].issuer.encode()})

    verifier = TokenVerifier([keys.issuer(STATIC), resolve], client=keys.client, now=clock, clock=clock)
    middleware = AuthInfoMiddleware(app, verifier=verifier)
    transport = httpx.ASGITransport(app=middleware)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        answers = {
            name: await client.get("/", headers={"Authorization": f"Bearer {keys.token(iss)}"})
            for name, iss in (("acme", tenant("acme")), ("unknown", tenant("x")), ("down", tenant("down")))
        }

    assert (answers["acme"].status_code, answers["acme"].text) == (200, tenant("acme"))
    assert (
        answers["unknown"].status_code == 401 and answers["unknown"].json()["error_code"] == "unknown_issuer"
    )
    assert answers["down"].status_code == 503 and answers["down"].json()["error"] == "temporarily_unavailable"
    assert "retry-after" in answers["down"].headers


async def test_start_up_checks_cover_static_issuers_only(keys: Keys, clock: Clock) -> None:
    resolve = Resolver(keys)
    verifier = verifier_for(keys, clock, keys.issuer(STATIC), resolve)

    checks = await verifier.start(strict=True)

    assert [check.issuer for check in checks] == [STATIC] and resolve.asked == []


async def test_inspect_diagnoses_a_token_of_a_resolved_issuer(keys: Keys, clock: Clock) -> None:
    verifier = verifier_for(keys, clock, keys.issuer(STATIC), Resolver(keys))

    found = await diagnose(verifier, keys.token(tenant("acme")))
    unknown = await diagnose(verifier, keys.token("https://elsewhere.example.com"))

    assert found.error is None and found.auth is not None and found.auth.issuer == tenant("acme")
    assert found.issuer is not None and found.issuer.issuer == tenant("acme")
    row = next(check for check in unknown.checks if check.name == "issuer")
    assert row.expected == f"'{STATIC}' or an issuer the resolver returns"
    assert unknown.error is not None and unknown.error.code == "unknown_issuer"


async def test_inspect_with_only_a_resolver_checks_the_token(keys: Keys, clock: Clock) -> None:
    setup = _Setup((), resolver=IssuerResolver(Resolver(keys)))

    diagnosis = await _diagnose(setup, keys.token("https://elsewhere.example.com"), now=clock())
    text = render_text(diagnosis)

    assert diagnosis.error is not None and diagnosis.error.code == "unknown_issuer"
    assert "  trusted   the issuers the resolver returns\n" in text
    assert "result     REFUSED (unknown_issuer): the token's issuer 'https://elsewhere.example.com'" in text


def test_issuer_resolver_settings_are_checked_when_built(keys: Keys) -> None:
    async def resolve(iss: str) -> Issuer | None:
        return None

    for bad in (
        {"ttl": 0},
        {"negative_ttl": -1},
        {"max_issuers": 0},
        {"max_new_issuers": 1.5},
        {"timeout": True},
    ):
        with pytest.raises(ValueError, match=next(iter(bad))):
            IssuerResolver(resolve, **bad)
    with pytest.raises(ValueError, match="resolve must be an async function"):
        IssuerResolver("https://x.example.com")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="resolve must be an async function"):
        TokenVerifier([lambda iss: None])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="at most one resolver"):
        TokenVerifier([resolve, IssuerResolver(resolve)])
    with pytest.raises(ValueError, match="configured twice"):
        TokenVerifier([keys.issuer(STATIC), keys.issuer(STATIC), resolve])


@pytest.mark.parametrize("attribute", ["verifier", "issuers", "resolve"])
def test_inspect_config_keeps_the_apps_resolver(
    attribute: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "resolver_app.py").write_text(
        "from asgi_authinfo import Issuer, TokenVerifier\n"
        "async def resolve(iss):\n"
        "    return None\n"
        f"issuers = [Issuer({STATIC!r}, jwks_uri='{STATIC}/jwks.json'), resolve]\n"
        "verifier = TokenVerifier(issuers)\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))

    issuers, _, resolver = load_config(f"resolver_app:{attribute}")

    assert [issuer.issuer for issuer in issuers] == ([] if attribute == "resolve" else [STATIC])
    assert resolver is not None and resolver.resolve.__name__ == "resolve"


def cached_verifier_for(keys: Keys, clock: Clock, *issuers: Any, **options: Any) -> TokenVerifier:
    return TokenVerifier(list(issuers), client=keys.client, now=clock, clock=clock, **options)


async def test_a_cached_token_is_refused_once_the_resolver_stops_trusting_its_issuer(
    keys: Keys, clock: Clock
) -> None:
    removed: set[str] = set()
    resolve = Resolver(keys, known=lambda iss: iss not in removed)
    verifier = cached_verifier_for(keys, clock, IssuerResolver(resolve, ttl=60))
    token = keys.token(tenant("acme"), exp=clock() + 3600)

    assert (await verifier.verify(token)).issuer == tenant("acme")
    assert (await verifier.verify(token)).issuer == tenant("acme")  # from the token cache
    assert resolve.asked == [tenant("acme")]
    removed.add(tenant("acme"))  # the tenant is removed; the resolver says so once its ttl ends
    clock.advance(61)

    assert (await refusal(verifier.verify(token))).code == "unknown_issuer"
    assert (await refusal(verifier.verify(token))).code == "unknown_issuer"
    assert resolve.asked == [tenant("acme")] * 2


async def test_a_cached_token_of_an_evicted_issuer_is_verified_again(keys: Keys, clock: Clock) -> None:
    resolve = Resolver(keys)
    verifier = cached_verifier_for(keys, clock, IssuerResolver(resolve, max_issuers=1))
    token = keys.token(tenant("acme"), exp=clock() + 3600)

    await verifier.verify(token)
    await verifier.verify(keys.token(tenant("globex")))  # acme leaves the resolver's cache
    assert (await verifier.verify(token)).issuer == tenant("acme")

    assert resolve.asked == [tenant("acme"), tenant("globex"), tenant("acme")]  # asked again


async def test_asking_again_about_an_untrusted_issuer_spends_the_budget(keys: Keys, clock: Clock) -> None:
    resolve = Resolver(keys, known=lambda iss: False)
    config = IssuerResolver(resolve, negative_ttl=1, max_new_issuers=3, window=60)
    verifier = verifier_for(keys, clock, config)
    token = keys.token(tenant("junk"))

    codes = []
    for _ in range(5):
        codes.append((await refusal(verifier.verify(token))).code)
        clock.advance(1.5)  # past negative_ttl, inside the window

    assert codes == ["unknown_issuer"] * 3 + ["issuer_unavailable"] * 2
    assert len(resolve.asked) == 3


async def test_made_up_issuers_never_push_a_trusted_tenant_out(keys: Keys, clock: Clock) -> None:
    resolve = Resolver(keys, known=lambda iss: "junk" not in iss)
    verifier = verifier_for(keys, clock, IssuerResolver(resolve, max_issuers=3, max_new_issuers=1000))

    await verifier.verify(keys.token(tenant("acme")))
    for n in range(20):
        await refusal(verifier.verify(keys.token(tenant(f"junk{n}"))))
    await verifier.verify(keys.token(tenant("acme")))

    assert resolve.asked.count(tenant("acme")) == 1  # still cached: only made-up issuers were evicted
