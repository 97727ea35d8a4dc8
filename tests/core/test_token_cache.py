"""The verified-token cache: a reused token is served from memory, but never beyond what verifying it
again would accept (expiry to the second, ``nbf``/``iat``, leeway, keys leaving the JWKS)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from asgi_authinfo import AuthError, AuthInfo, Issuer, Outcome, TokenCache, TokenVerifier
from asgi_authinfo._token_cache import BYTES_PER_TOKEN_CHAR, ENTRY_OVERHEAD_BYTES
from pytest_plugin import Clock, FakeIssuer

pytestmark = pytest.mark.anyio

START = 1_800_000_000.0
AUDIENCE = "api://orders"


@pytest.fixture
def wall() -> Clock:
    return Clock(START)


@pytest.fixture
def mono() -> Clock:
    return Clock(1000.0)


@pytest.fixture(params=["RS256", "ES256", "EdDSA"])
def fake(request: pytest.FixtureRequest, wall: Clock) -> Iterator[FakeIssuer]:
    with FakeIssuer(algorithm=request.param, audience=AUDIENCE, now=wall) as issuer:
        yield issuer


@pytest.fixture
def quick_fake(wall: Clock) -> Iterator[FakeIssuer]:
    """One fast-signing issuer for the rules that do not depend on the algorithm."""
    with FakeIssuer(algorithm="EdDSA", audience=AUDIENCE, now=wall) as issuer:
        yield issuer


def make_verifier(issuers: Issuer | list[Issuer], wall: Clock, mono: Clock, **options: int) -> TokenVerifier:
    return TokenVerifier(issuers, now=wall, clock=mono, **options)


@pytest.fixture
async def verifier(fake: FakeIssuer, wall: Clock, mono: Clock) -> AsyncIterator[TokenVerifier]:
    verifier = make_verifier(fake.issuer_config(), wall, mono)
    yield verifier
    await verifier.aclose()


async def outcome(verifier: TokenVerifier, token: str) -> AuthInfo | str:
    """The ``AuthInfo`` for an accepted token, the refusal code otherwise."""
    try:
        return await verifier.verify(token)
    except AuthError as error:
        return error.code


def cache_of(verifier: TokenVerifier) -> TokenCache:
    assert verifier.token_cache is not None
    return verifier.token_cache


# -- hits -------------------------------------------------------------------------------------


async def test_a_reused_token_gets_the_same_auth_info_without_a_second_fetch(
    fake: FakeIssuer, verifier: TokenVerifier
) -> None:
    token = fake.token(email="ada@example.com", permissions=["orders:read"])
    first = await verifier.verify(token)
    second = await verifier.verify(token)
    assert second is first
    assert second.access_token == token and second.has(permission="orders:read")
    cache = cache_of(verifier)
    assert (cache.hits, cache.misses, len(cache)) == (1, 1, 1)
    assert fake.jwks_fetches == 1


async def test_the_cache_can_be_switched_off(quick_fake: FakeIssuer, wall: Clock, mono: Clock) -> None:
    verifier = make_verifier(quick_fake.issuer_config(), wall, mono, cache_size=0)
    token = quick_fake.token()
    first, second = await verifier.verify(token), await verifier.verify(token)
    assert verifier.token_cache is None
    assert first == second and first is not second
    await verifier.aclose()


@pytest.mark.parametrize("size", [-1, True, 2.5, "10"])
async def test_cache_size_is_checked_when_built(quick_fake: FakeIssuer, size: object) -> None:
    with pytest.raises(ValueError, match="cache_size"):
        TokenVerifier([quick_fake.issuer_config()], cache_size=size)  # type: ignore[arg-type]


@pytest.mark.parametrize(("entries", "max_bytes"), [(0, 1024), (1, 0), (-5, 1024), (10, -1)])
async def test_token_cache_limits_are_checked_when_built(entries: int, max_bytes: int) -> None:
    with pytest.raises(ValueError, match="must be a whole number"):
        TokenCache(entries, max_bytes=max_bytes)


# -- time -------------------------------------------------------------------------------------


@pytest.mark.parametrize("leeway", [0, 5, 60])
@pytest.mark.parametrize("offset", [-1.0, -0.001, 0.0, 0.001, 1.0])
async def test_expiry_is_honoured_to_the_second_exactly_as_without_the_cache(
    quick_fake: FakeIssuer, wall: Clock, mono: Clock, leeway: int, offset: float
) -> None:
    issuer = quick_fake.issuer_config(leeway=leeway)
    cached = make_verifier(issuer, wall, mono)
    uncached = make_verifier(issuer, wall, mono, cache_size=0)
    token = quick_fake.token()  # exp = START + 300
    known = await cached.verify(token)

    wall.set(START + 300 + leeway + offset)
    got = await outcome(cached, token)
    assert (got is known) == (offset < 0)
    assert got == (known if offset < 0 else "expired")
    assert (await outcome(uncached, token) == "expired") == (got == "expired")
    assert len(cache_of(cached)) == (1 if offset < 0 else 0)  # an expired entry is dropped


@pytest.mark.parametrize(("claim", "other"), [("nbf", "iat"), ("iat", "nbf")])
@pytest.mark.parametrize("back", [1.0, 2.0, 2.001, 10.0])
async def test_nbf_and_iat_are_rechecked_on_every_hit(
    quick_fake: FakeIssuer, wall: Clock, mono: Clock, claim: str, other: str, back: float
) -> None:
    """Valid 3 s early under the 5 s leeway; a wall clock stepping back makes it early again."""
    issuer = quick_fake.issuer_config(leeway=5)
    cached = make_verifier(issuer, wall, mono)
    uncached = make_verifier(issuer, wall, mono, cache_size=0)
    token = quick_fake.token(**{claim: int(START) + 3, other: None})
    known = await cached.verify(token)

    wall.set(wall() - back)  # refused once START + 3 > START - back + 5, i.e. back > 2
    got = await outcome(cached, token)
    assert got == (known if back <= 2 else "not_yet_valid")
    assert (got is known) == (back <= 2)
    assert (await outcome(uncached, token) == "not_yet_valid") == (back > 2)


async def test_refused_tokens_are_never_cached(quick_fake: FakeIssuer, wall: Clock, mono: Clock) -> None:
    verifier = make_verifier(quick_fake.issuer_config(), wall, mono)
    for token in (
        quick_fake.token(exp=int(START) - 60),
        quick_fake.token(aud="api://billing"),
        quick_fake.token(nbf=int(START) + 600),
    ):
        assert isinstance(await outcome(verifier, token), str)
    assert len(cache_of(verifier)) == 0


# -- keys -------------------------------------------------------------------------------------


async def test_a_key_removed_from_the_jwks_invalidates_its_tokens_at_the_next_fetch(
    fake: FakeIssuer, verifier: TokenVerifier, mono: Clock
) -> None:
    old = fake.token()
    await verifier.verify(old)
    fake.rotate_keys(keep_old=False)
    assert isinstance(await verifier.verify(old), AuthInfo)  # nothing refetched yet: still trusted

    mono.advance(fake.issuer_config().jwks_cooldown)
    await verifier.verify(fake.token())  # an unknown kid makes the verifier refetch the key set
    assert await outcome(verifier, old) == "unknown_key"
    assert fake.jwks_fetches == 2


async def test_a_stale_key_set_is_refreshed_in_the_background_then_a_removed_key_drops_its_tokens(
    fake: FakeIssuer, verifier: TokenVerifier, mono: Clock
) -> None:
    old = fake.token()
    known = await verifier.verify(old)
    fake.rotate_keys(keep_old=False)
    mono.advance(fake.issuer_config().jwks_max_age)
    assert await verifier.verify(old) is known  # stale keys serve while one refresh runs
    await verifier.background.wait()
    assert await outcome(verifier, old) == "unknown_key"
    assert fake.jwks_fetches == 2


async def test_a_key_kept_across_a_refetch_keeps_its_tokens_valid(
    fake: FakeIssuer, verifier: TokenVerifier, mono: Clock
) -> None:
    old = fake.token()
    known = await verifier.verify(old)
    fake.rotate_keys(keep_old=True)
    mono.advance(fake.issuer_config().jwks_cooldown)
    await verifier.verify(fake.token())  # refetch for the new kid; the old key is still listed
    again = await verifier.verify(old)
    assert again is known  # the unchanged key kept its key object, so the cached entry still holds
    mono.advance(fake.issuer_config().jwks_max_age)
    assert await verifier.verify(old) == known  # a stale key set is refreshed in the background
    await verifier.background.wait()
    assert fake.jwks_fetches == 3


# -- identity ---------------------------------------------------------------------------------


async def test_different_tokens_never_share_an_entry(
    quick_fake: FakeIssuer, wall: Clock, mono: Clock
) -> None:
    verifier = make_verifier(quick_fake.issuer_config(), wall, mono)
    claims = {"jti": "same", "sub": "user_1"}
    token = quick_fake.token(**claims)
    await verifier.verify(token)
    head, payload, signature = token.split(".")
    forged = f"{head}.{payload}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BA'}"
    other_key = quick_fake.rotate_keys(keep_old=False)
    resigned = quick_fake.token(key=other_key, headers={"kid": quick_fake.signing_keys[1].kid}, **claims)
    assert await outcome(verifier, forged) == "bad_signature"
    assert await outcome(verifier, resigned) == "bad_signature"
    assert await outcome(verifier, token[:-1]) in ("malformed", "bad_signature")
    assert await outcome(verifier, token + ".") == "malformed"
    assert len(cache_of(verifier)) == 1


async def test_tokens_of_two_issuers_for_the_same_subject_stay_apart(
    quick_fake: FakeIssuer, wall: Clock, mono: Clock
) -> None:
    other = Issuer(
        "https://two.example", jwks_uri=quick_fake.jwks_uri, audience=AUDIENCE, algorithms=["EdDSA"]
    )
    verifier = make_verifier([quick_fake.issuer_config(), other], wall, mono)
    first = await verifier.verify(quick_fake.token(sub="user_1", jti="same"))
    second = await verifier.verify(quick_fake.token(iss=other.issuer, sub="user_1", jti="same"))
    again = await verifier.verify(quick_fake.token(sub="user_1", jti="same", email="ada@example.com"))
    assert (first.issuer, second.issuer) == (quick_fake.issuer, "https://two.example")
    assert first.token_identifier != second.token_identifier
    assert again is not first and again.user.email == "ada@example.com"
    assert len(cache_of(verifier)) == 3
    await verifier.aclose()


# -- bounds -----------------------------------------------------------------------------------


async def test_the_cache_holds_at_most_cache_size_tokens_least_recently_used_first_out(
    quick_fake: FakeIssuer, wall: Clock, mono: Clock
) -> None:
    verifier = make_verifier(quick_fake.issuer_config(), wall, mono, cache_size=3)
    cache = cache_of(verifier)
    t1, t2, t3, t4, t5 = (quick_fake.token() for _ in range(5))
    for token in (t1, t2, t3):
        await verifier.verify(token)
    await verifier.verify(t1)  # a hit: t1 is now the most recently used
    await verifier.verify(t4)  # evicts t2
    assert len(cache) == 3 and (cache.hits, cache.misses) == (1, 4)
    await verifier.verify(t1)
    assert cache.hits == 2
    await verifier.verify(t2)  # verified again in full (and evicts t3)
    assert (cache.hits, cache.misses) == (2, 5)
    await verifier.verify(t5)
    assert len(cache) == 3


async def test_the_cache_stays_within_its_memory_budget(
    quick_fake: FakeIssuer, wall: Clock, mono: Clock
) -> None:
    token = quick_fake.token()
    cost = ENTRY_OVERHEAD_BYTES + BYTES_PER_TOKEN_CHAR * len(token)
    budget = 2 * cost + cost // 2
    verifier = TokenVerifier([quick_fake.issuer_config()], now=wall, clock=mono, cache_max_bytes=budget)
    cache = cache_of(verifier)
    for _ in range(6):
        await verifier.verify(quick_fake.token())
        assert cache.estimated_bytes <= budget
    assert len(cache) == 2

    tiny = TokenVerifier([quick_fake.issuer_config()], now=wall, clock=mono, cache_max_bytes=cost - 1)
    await tiny.verify(token)  # a token bigger than the whole budget is verified, just not kept
    assert len(cache_of(tiny)) == 0
    cache.clear()
    assert (len(cache), cache.estimated_bytes) == (0, 0)


# -- with observers and userinfo --------------------------------------------------------------


async def test_tokens_answered_from_the_cache_are_observed_too(
    quick_fake: FakeIssuer, wall: Clock, mono: Clock
) -> None:
    outcomes: list[Outcome] = []
    verifier = TokenVerifier([quick_fake.issuer_config()], now=wall, clock=mono, observer=outcomes.append)
    token = quick_fake.token()
    await verifier.verify(token)
    await verifier.verify(token)
    assert [(o.accepted, o.issuer) for o in outcomes] == [(True, quick_fake.issuer)] * 2
    assert cache_of(verifier).hits == 1
    await verifier.aclose()


async def test_an_enriched_auth_info_is_cached_but_a_failed_userinfo_lookup_is_not(
    quick_fake: FakeIssuer, wall: Clock, mono: Clock
) -> None:
    token = quick_fake.token(email="ada@example.com")
    enriched = make_verifier(quick_fake.issuer_config(userinfo=True), wall, mono)
    first = await enriched.verify(token)
    assert first.userinfo is not None and first.userinfo_error is None
    assert await enriched.verify(token) is first
    assert len(quick_fake.requests_to("/oauth2/userinfo")) == 1

    failing = make_verifier(
        quick_fake.issuer_config(userinfo=True, userinfo_uri=quick_fake.issuer + "/no-userinfo-here"),
        wall,
        mono,
    )
    refused_lookup = await failing.verify(token)
    assert refused_lookup.userinfo_error is not None
    assert len(cache_of(failing)) == 0  # retried once the enricher's failure window has passed
