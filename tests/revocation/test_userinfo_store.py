"""RedisUserinfoStore: one userinfo call per token across processes, and no harm when Redis is gone."""

from __future__ import annotations

import logging

import httpx
import pytest

from asgi_authinfo import TokenVerifier, UserinfoStore
from asgi_authinfo.contrib.redis import RedisUserinfoStore
from pytest_plugin import FakeIssuer

from .conftest import ValkeyServer

pytestmark = pytest.mark.anyio


def verifier_for(fake: FakeIssuer, store: RedisUserinfoStore) -> TokenVerifier:
    return TokenVerifier(
        [fake.issuer_config(userinfo=True)],
        client=httpx.AsyncClient(transport=fake.transport()),
        userinfo_store=store,
    )


async def test_processes_share_one_userinfo_answer_per_token(valkey: ValkeyServer) -> None:
    fake = FakeIssuer(audience="api://orders")
    stores = [RedisUserinfoStore(valkey.url), RedisUserinfoStore(valkey.url)]
    assert isinstance(stores[0], UserinfoStore)
    verifiers = [verifier_for(fake, store) for store in stores]
    token = fake.token(sub="user_shared", email="ada@example.com")
    answers = [await verifier.verify(token) for verifier in verifiers]
    assert [auth.userinfo_error for auth in answers] == [None, None]
    assert answers[0].userinfo == answers[1].userinfo and answers[1].userinfo is not None
    assert len(fake.requests_to("/userinfo")) == 1
    await verifiers[1].verify(fake.token(sub="user_other"))  # another token: its own answer
    assert len(fake.requests_to("/userinfo")) == 2
    for verifier, store in zip(verifiers, stores, strict=True):
        await verifier.aclose()
        await store.aclose()


async def test_without_redis_the_endpoint_is_asked_and_nothing_fails(
    valkey: ValkeyServer, caplog: pytest.LogCaptureFixture
) -> None:
    valkey.kill()
    fake = FakeIssuer(audience="api://orders")
    store = RedisUserinfoStore(valkey.url)
    verifier = verifier_for(fake, store)
    with caplog.at_level(logging.WARNING, logger="asgi_authinfo"):
        first = await verifier.verify(fake.token(sub="user_a"))
        second = await verifier.verify(fake.token(sub="user_b"))
    assert first.userinfo is not None and second.userinfo is not None
    assert len(fake.requests_to("/userinfo")) == 2
    assert caplog.text.count("shared userinfo store is unreachable") == 1  # then left alone a while
    await verifier.aclose()
    await store.aclose()


def test_configuration_is_checked_when_built() -> None:
    with pytest.raises(ValueError, match="either a url"):
        RedisUserinfoStore()
    with pytest.raises(ValueError, match="timeout"):
        RedisUserinfoStore("redis://127.0.0.1:1", timeout=0)
