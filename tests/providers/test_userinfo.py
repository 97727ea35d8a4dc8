"""Userinfo enrichment: ``Issuer(userinfo=True)`` merges the issuer's userinfo answer into ``user``.

The userinfo answer below is Authgear's documented example (``/work/shared/reference/
authgear-userinfo.txt``, https://docs.authgear.com/reference/apis/oauth-2.0-and-openid-connect-oidc/userinfo),
served by a FakeIssuer subclass; the rules follow OpenID Connect Core §5.3 (bearer access token,
``sub`` must equal the token's).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

import anyio
import anyio.lowlevel
import httpx
import pytest

from asgi_authinfo import (
    AuthInfo,
    AuthInfoMiddleware,
    InvalidTokenError,
    IssuerUnavailableError,
    TokenVerifier,
    User,
)
from asgi_authinfo._userinfo import UserinfoEnricher
from pytest_plugin import FakeIssuer

from ._support import in_memory, verify

AUTHGEAR_USERINFO: dict[str, Any] = {
    "custom_attributes": {"plan": "pro", "seats": 12},
    "email": "user@gmail.com",
    "email_verified": True,
    "family_name": "John",
    "gender": "male",
    "given_name": "Doe",
    "phone_number": "0805551112",
    "phone_number_verified": True,
    "https://authgear.com/claims/user/can_reauthenticate": True,
    "https://authgear.com/claims/user/is_anonymous": False,
    "https://authgear.com/claims/user/is_verified": True,
    "updated_at": 1694947082,
    "x_web3": {"accounts": []},
}
ROLES = "https://authgear.com/claims/user/roles"


class ProfileIssuer(FakeIssuer):
    """A fake issuer whose userinfo endpoint answers with a profile (or a chosen failure)."""

    def __init__(self, *args: Any, profile: Mapping[str, Any] = AUTHGEAR_USERINFO, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.profile = dict(profile)
        self.userinfo_status = 200
        self.userinfo_sub: str | None = None

    def answer(
        self, method: str, path: str, headers: Mapping[str, str], **options: Any
    ) -> tuple[int, dict[str, Any] | None]:
        status, body = super().answer(method, path, headers, **options)
        if not path.endswith("/oauth2/userinfo") or status != 200 or body is None:
            return status, body
        if self.userinfo_status != 200:
            return self.userinfo_status, {"error": "invalid_token"}
        answer = {**self.profile, "sub": self.userinfo_sub or body["sub"]}
        return 200, answer

    @property
    def userinfo_requests(self) -> int:
        return len(self.requests_to("/oauth2/userinfo"))


def test_issuer_validates_the_userinfo_policy() -> None:
    fake = FakeIssuer()
    with pytest.raises(ValueError, match="userinfo must be"):
        fake.issuer_config(userinfo="always")
    with pytest.raises(ValueError, match="userinfo_timeout"):
        fake.issuer_config(userinfo=True, userinfo_timeout=0)
    assert fake.issuer_config(userinfo="required").userinfo == "required"


@pytest.mark.anyio
async def test_profile_and_custom_attributes_are_merged_into_user() -> None:
    with ProfileIssuer(audience="api", claims="authgear") as fake:
        config = fake.issuer_config(jwks_uri=None, userinfo=True)  # discovery names the endpoint
        token = fake.token(**{ROLES: ["admin"], "custom_attributes": {"plan": "free", "region": "eu"}})
        auth = await verify(config, token)
        user = auth.user
        assert user.email == "user@gmail.com" and user.email_verified is True
        assert (user.given_name, user.family_name) == ("Doe", "John")
        assert user.phone_number == "0805551112" and user.phone_number_verified is True
        assert user.custom_attributes == {"plan": "pro", "seats": 12}  # the userinfo answer wins
        assert user.gender == "male"  # OIDC profile claims only userinfo sends are typed too
        assert user.updated_at is not None and int(user.updated_at.timestamp()) == 1694947082
        assert auth.roles == ("admin",)  # authorization stays with the signed token
        assert auth.userinfo is not None and auth.userinfo["gender"] == "male"
        assert auth.userinfo["x_web3"] == {"accounts": ()}
        assert auth.userinfo_error is None
        assert "email" not in auth.claims  # the token's own claims are untouched
        (request,) = fake.requests_to("/oauth2/userinfo")
        assert request.headers["authorization"] == f"Bearer {token}"


@pytest.mark.anyio
async def test_configured_endpoint_needs_no_discovery() -> None:
    with ProfileIssuer() as fake:
        config = fake.issuer_config(userinfo=True, userinfo_uri=fake.userinfo_uri)
        auth = await verify(config, fake.token())
        assert auth.user.email == "user@gmail.com"
        assert [request.path for request in fake.requests] == ["/.well-known/jwks.json", "/oauth2/userinfo"]


@pytest.mark.anyio
async def test_discovery_only_for_the_endpoint_when_keys_are_configured() -> None:
    with ProfileIssuer() as fake:
        auth = await verify(fake.issuer_config(userinfo=True), fake.token())
        assert auth.user.email == "user@gmail.com"
        assert sorted(request.path for request in fake.requests) == [
            "/.well-known/jwks.json",
            "/.well-known/openid-configuration",
            "/oauth2/userinfo",
        ]


@pytest.mark.anyio
@pytest.mark.parametrize("keys_configured", [True, False])
async def test_one_discovery_per_issuer_serves_its_keys_and_its_userinfo(keys_configured: bool) -> None:
    with ProfileIssuer() as fake:
        config = fake.issuer_config(userinfo=True, **({} if keys_configured else {"jwks_uri": None}))
        verifier = TokenVerifier(config)
        for sub in ("user_1", "user_2", "user_3"):
            assert (await verifier.verify(fake.token(sub=sub))).user.email == "user@gmail.com"
        assert len(fake.requests_to("/.well-known/openid-configuration")) == 1
        assert fake.userinfo_requests == 3
        await verifier.aclose()


@pytest.mark.anyio
async def test_without_an_endpoint_or_a_discovery_the_enricher_says_what_to_configure() -> None:
    fake = ProfileIssuer()
    async with in_memory(fake) as client:
        enricher = UserinfoEnricher(client=client)
        config = fake.issuer_config(userinfo=True)
        auth = await enricher.enrich(_auth(fake.token(), time.time() + 300), config)
        assert auth.userinfo_error is not None and "configure Issuer(userinfo_uri=...)" in auth.userinfo_error
        assert fake.requests == []


@pytest.mark.anyio
async def test_issuers_that_do_not_opt_in_are_not_called() -> None:
    with ProfileIssuer() as fake:
        auth = await verify(fake.issuer_config(), fake.token())
        assert auth.user.email is None and auth.userinfo is None and auth.userinfo_error is None
        assert fake.userinfo_requests == 0


@pytest.mark.anyio
async def test_cached_per_token() -> None:
    with ProfileIssuer() as fake:
        verifier = TokenVerifier(fake.issuer_config(userinfo=True, userinfo_uri=fake.userinfo_uri))
        first, second = fake.token(), fake.token()
        for token in (first, first, second, first, second):
            assert (await verifier.verify(token)).user.email == "user@gmail.com"
        assert fake.userinfo_requests == 2
        await verifier.aclose()


def _auth(token: str, expires: float, sub: str = "user_1") -> AuthInfo:
    return AuthInfo(
        user=User(id=sub),
        issuer="https://fake-issuer.test",
        subject=sub,
        access_token=token,
        claims=MappingProxyType({"sub": sub}),
        expires_at=datetime.fromtimestamp(expires, UTC),
    )


@pytest.mark.anyio
async def test_cache_entries_end_with_the_token_and_the_cache_is_bounded() -> None:
    fake = ProfileIssuer()
    config = fake.issuer_config(userinfo=True, userinfo_uri=fake.userinfo_uri)
    now = [time.time()]  # the fake's userinfo endpoint may refuse tokens expired by the real clock
    async with in_memory(fake) as client:
        enricher = UserinfoEnricher(client=client, now=lambda: now[0], max_entries=2)
        tokens = [fake.token(sub="user_1", at=now[0]) for _ in range(3)]
        for token in tokens[:2]:
            await enricher.enrich(_auth(token, now[0] + 300), config)
        await enricher.enrich(_auth(tokens[0], now[0] + 300), config)
        assert fake.userinfo_requests == 2 and len(enricher) == 2
        await enricher.enrich(_auth(tokens[2], now[0] + 300), config)  # evicts tokens[1]
        await enricher.enrich(_auth(tokens[1], now[0] + 300), config)
        assert fake.userinfo_requests == 4 and len(enricher) == 2
        now[0] += 301  # tokens[1] and tokens[2] expired: their answers went with them
        await enricher.enrich(_auth(tokens[2], now[0] + 300), config)
        assert fake.userinfo_requests == 5


@pytest.mark.anyio
async def test_concurrent_requests_with_one_token_share_one_fetch() -> None:
    fake = ProfileIssuer()
    gate = anyio.Event()
    arrived = anyio.Event()
    token = fake.token()

    async def answer(request: httpx.Request) -> httpx.Response:
        if request.headers.get("authorization") == f"Bearer {token}":
            arrived.set()
            await gate.wait()
        status, body = fake.answer(request.method, request.url.path, request.headers)
        return httpx.Response(status, json=body)

    async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as client:
        verifier = TokenVerifier(
            fake.issuer_config(userinfo=True, userinfo_uri=fake.userinfo_uri), client=client
        )
        await verifier.verify(fake.token(sub="warm-up"))  # the key set is cached from here on
        results: list[AuthInfo] = []

        async def one() -> None:
            results.append(await verifier.verify(token))

        async with anyio.create_task_group() as group:
            for _ in range(8):
                group.start_soon(one)
            await arrived.wait()
            for _ in range(50):
                await anyio.lowlevel.checkpoint()  # let every request reach the shared fetch
            gate.set()
        assert len(results) == 8 and {auth.user.email for auth in results} == {"user@gmail.com"}
        assert fake.userinfo_requests == 2  # the warm-up token's and this token's


Failure = Callable[[ProfileIssuer], None]


def _status(code: int) -> Failure:
    def fail(fake: ProfileIssuer) -> None:
        fake.userinfo_status = code

    return fail


def _other_subject(fake: ProfileIssuer) -> None:
    fake.userinfo_sub = "user_someone_else"


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("fail", "noted", "required_code"),
    [
        (_status(500), "HTTP 500", "issuer_unavailable"),
        (_status(401), "HTTP 401", "userinfo_refused"),
        (_status(403), "HTTP 403", "userinfo_refused"),
        (_other_subject, "another subject", "issuer_unavailable"),
    ],
)
async def test_failures_keep_the_token_claims_unless_required(
    fail: Failure, noted: str, required_code: str, caplog: pytest.LogCaptureFixture
) -> None:
    with ProfileIssuer() as fake:
        fail(fake)
        token = fake.token(email="from-token@example.com")
        with caplog.at_level(logging.WARNING, logger="asgi_authinfo"):
            auth = await verify(fake.issuer_config(userinfo=True, userinfo_uri=fake.userinfo_uri), token)
        assert auth.user.email == "from-token@example.com"
        assert auth.userinfo is None
        assert auth.userinfo_error is not None and noted in auth.userinfo_error
        assert noted in caplog.text
        assert token not in caplog.text and token not in auth.userinfo_error
        with pytest.raises((InvalidTokenError, IssuerUnavailableError)) as refused:
            await verify(fake.issuer_config(userinfo="required", userinfo_uri=fake.userinfo_uri), token)
        assert refused.value.code == required_code
        assert token not in refused.value.description


@pytest.mark.anyio
async def test_a_failing_endpoint_is_left_alone_for_a_while() -> None:
    fake = ProfileIssuer()
    fake.userinfo_status = 502
    clock = [0.0]
    async with in_memory(fake) as client:
        config = fake.issuer_config(userinfo=True, userinfo_uri=fake.userinfo_uri)
        verifier = TokenVerifier(config, client=client, clock=lambda: clock[0])
        first = await verifier.verify(fake.token())
        second = await verifier.verify(fake.token())
        assert fake.userinfo_requests == 1
        assert first.userinfo_error is not None and "HTTP 502" in first.userinfo_error
        assert second.userinfo_error is not None and "not retried yet" in second.userinfo_error
        clock[0] += 10
        fake.userinfo_status = 200
        assert (await verifier.verify(fake.token())).user.email == "user@gmail.com"
        assert fake.userinfo_requests == 2


@pytest.mark.anyio
async def test_timeout() -> None:
    fake = ProfileIssuer()

    async def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/oauth2/userinfo"):
            await anyio.sleep_forever()
        status, body = fake.answer(request.method, request.url.path, request.headers)
        return httpx.Response(status, json=body)

    async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as client:
        config = fake.issuer_config(userinfo=True, userinfo_uri=fake.userinfo_uri, userinfo_timeout=0.05)
        auth = await verify(config, fake.token(), client=client)
        assert auth.userinfo_error is not None and "no complete answer within 0.05 s" in auth.userinfo_error


@pytest.mark.anyio
async def test_discovery_without_a_userinfo_endpoint() -> None:
    class Bare(ProfileIssuer):
        @property
        def discovery(self) -> dict[str, Any]:
            return {key: value for key, value in super().discovery.items() if key != "userinfo_endpoint"}

    with Bare() as fake:
        auth = await verify(fake.issuer_config(userinfo=True), fake.token())
        assert auth.userinfo_error is not None and "names no userinfo_endpoint" in auth.userinfo_error
        assert fake.userinfo_requests == 0


@pytest.mark.anyio
async def test_middleware_users_see_the_enriched_profile() -> None:
    seen: list[Any] = []

    async def app(scope: dict[str, Any], receive: Callable[[], Awaitable[Any]], send: Any) -> None:
        seen.append(scope["user"].display_name)
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    with ProfileIssuer(profile={"name": "Ada Lovelace"}) as fake:
        middleware = AuthInfoMiddleware(
            app, issuers=[fake.issuer_config(userinfo=True, userinfo_uri=fake.userinfo_uri)]
        )
        transport = httpx.ASGITransport(app=middleware)
        async with httpx.AsyncClient(transport=transport, base_url="http://app.test") as client:
            response = await client.get("/", headers={"Authorization": f"Bearer {fake.token()}"})
        assert response.status_code == 204
        assert seen == ["Ada Lovelace"]
        await middleware.verifier.aclose()
