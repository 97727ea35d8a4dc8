"""RedisRevocations against a real valkey-server: sharing, resync, Redis down and back, fail_closed, CLI."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest
import redis.asyncio
from redis.exceptions import ConnectionError as RedisConnectionError

from asgi_authinfo import AuthInfo, InvalidTokenError, RevocationsUnavailableError, User
from asgi_authinfo.__main__ import main
from asgi_authinfo.contrib.redis import RedisRevocations, RevocationSync

from .conftest import ValkeyServer, eventually

pytestmark = pytest.mark.anyio

ISSUER = "https://issuer.example"
FAST = {"retry_delays": (0.02, 0.2), "start_timeout": 5.0}


def auth(
    *, sid: str | None = None, sub: str = "user_1", iat: float | None = None, jti: str = "j"
) -> AuthInfo:
    claims = {"jti": jti, **({} if iat is None else {"iat": iat})}
    user = User(id=sub)
    return AuthInfo(user=user, issuer=ISSUER, subject=sub, access_token="t", session_id=sid, claims=claims)


def revoked(revocations: RedisRevocations, who: AuthInfo) -> Callable[[], bool]:
    return lambda: revocations.refusal(who) is not None


@asynccontextmanager
async def running(url: str, **options: Any) -> AsyncIterator[RedisRevocations]:
    async with RedisRevocations(url, **{**FAST, **options}) as revocations:
        yield revocations


async def test_a_revocation_through_one_process_reaches_the_others(valkey: ValkeyServer) -> None:
    async with running(valkey.url) as one, running(valkey.url) as other:
        assert one.status.in_sync and other.status.in_sync
        await one.revoke(sid="sess_1")
        refused = one.refusal(auth(sid="sess_1"))
        assert isinstance(refused, InvalidTokenError) and refused.code == "revoked"
        assert refused.description == "the session was signed out; sign in again"
        await eventually(revoked(other, auth(sid="sess_1")), within=5)
        await other.revoke(sub="user_2", before=time.time())
        await other.revoke(jti="token_3")
        await eventually(revoked(one, auth(sub="user_2", iat=time.time() - 60)), within=5)
        await eventually(revoked(one, auth(jti="token_3")), within=5)
        assert one.refusal(auth(sid="sess_other", sub="user_2", iat=time.time() + 60)) is None
        async with running(valkey.url) as late:  # a process started afterwards loads them all
            assert late.refusal(auth(sid="sess_1")) is not None
            assert late.status.entries == 3


async def test_a_missed_message_is_repaired_by_the_periodic_resync(valkey: ValkeyServer) -> None:
    async with running(valkey.url, resync_interval=0.1) as listening:
        client = redis.asyncio.Redis.from_url(valkey.url)
        await client.zadd("asgi_authinfo:revocations", {"sid:sess_unannounced": time.time() + 60})
        await client.aclose()
        await eventually(revoked(listening, auth(sid="sess_unannounced")), within=5)


async def test_redis_down_keeps_the_list_and_revocations_made_meanwhile_spread_on_its_return(
    valkey: ValkeyServer, caplog: pytest.LogCaptureFixture
) -> None:
    statuses: list[RevocationSync] = []
    async with (
        running(valkey.url) as one,
        running(valkey.url, on_status=statuses.append) as other,
    ):
        await one.revoke(sid="before_outage")
        await eventually(revoked(other, auth(sid="before_outage")))
        with caplog.at_level(logging.WARNING, logger="asgi_authinfo"):
            valkey.kill()
            await eventually(lambda: not other.status.in_sync)
        assert other.refusal(auth(sid="before_outage")) is not None  # the last known list, no waiting
        assert other.refusal(auth(sid="fine")) is None
        assert "Redis is unreachable" in caplog.text and "keeping the last known 1 revocations" in caplog.text
        assert [s.in_sync for s in statuses] == [True, False]
        await one.revoke(sid="during_outage")  # kept, published when Redis is back
        assert one.refusal(auth(sid="during_outage")) is not None
        assert one.status.pending == 1
        valkey.start()  # the same port, empty: a restart without persistence
        await eventually(revoked(other, auth(sid="during_outage")), within=5)
        await eventually(lambda: one.status.in_sync and other.status.in_sync and one.status.pending == 0)
        assert statuses[-1].in_sync
    async with running(valkey.url) as fresh:  # the lost entries were written back
        assert fresh.refusal(auth(sid="before_outage")) is not None


async def test_fail_closed_refuses_while_out_of_sync(valkey: ValkeyServer) -> None:
    revocations = RedisRevocations(valkey.url, fail_closed=True, **FAST)  # type: ignore[arg-type]
    refusal = revocations.refusal(auth(sid="any"))
    assert isinstance(refusal, RevocationsUnavailableError)
    assert (refusal.status, refusal.code) == (503, "revocations_unavailable")
    async with revocations:
        assert revocations.refusal(auth(sid="any")) is None
        valkey.kill()
        unavailable = lambda: isinstance(revocations.refusal(auth(sid="any")), RevocationsUnavailableError)  # noqa: E731
        await eventually(unavailable)
        valkey.start()
        await eventually(lambda: revocations.refusal(auth(sid="any")) is None)


async def test_revoking_from_a_script_raises_when_redis_is_unreachable(valkey: ValkeyServer) -> None:
    valkey.kill()
    script = RedisRevocations(valkey.url)
    with pytest.raises(RedisConnectionError):
        await script.revoke(sid="sess")
    await script.aclose()


def test_configuration_is_checked_when_built() -> None:
    with pytest.raises(ValueError, match="either a url"):
        RedisRevocations()
    with pytest.raises(ValueError, match="resync_interval"):
        RedisRevocations("redis://127.0.0.1:1", resync_interval=0)


async def test_the_cli_revokes_in_every_process(
    valkey: ValkeyServer, capsys: pytest.CaptureFixture[str]
) -> None:
    async with running(valkey.url) as listening:
        by_sid = ["revoke", "--redis", valkey.url, "--sid", "sess_cli"]
        by_sub = ["revoke", "--redis", valkey.url, "--sub", "user_cli", "--before", "2030-01-01T00:00:00Z"]
        assert await asyncio.to_thread(main, by_sid) == 0  # its own event loop, as from a shell
        assert await asyncio.to_thread(main, by_sub) == 0
        await eventually(revoked(listening, auth(sid="sess_cli")))
        await eventually(revoked(listening, auth(sub="user_cli", iat=1_800_000_000)))
    out = capsys.readouterr().out
    assert "revoked sid 'sess_cli' in every process" in out
    assert "issued before 2030-01-01T00:00:00Z" in out and valkey.url not in out
    sid = ["revoke", "--redis", valkey.url, "--sid", "x"]
    assert await asyncio.to_thread(main, [*sid, "--before", "yesterday"]) == 2
    assert await asyncio.to_thread(main, [*sid, "--before", "0"]) == 2
    valkey.kill()
    assert await asyncio.to_thread(main, sid) == 1
    assert "could not be reached" in capsys.readouterr().err


async def test_around_runs_the_list_for_the_apps_lifespan(valkey: ValkeyServer) -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})

    revocations = RedisRevocations(valkey.url, **FAST)  # type: ignore[arg-type]
    inbox: asyncio.Queue[dict[str, str]] = asyncio.Queue()
    sent: list[str] = []

    async def send(message: Any) -> None:
        sent.append(message["type"])

    running_app = asyncio.create_task(revocations.around(app)({"type": "lifespan"}, inbox.get, send))
    await inbox.put({"type": "lifespan.startup"})
    await eventually(lambda: sent == ["lifespan.startup.complete"])
    assert revocations.status.in_sync
    await inbox.put({"type": "lifespan.shutdown"})
    await running_app
    assert sent[-1] == "lifespan.shutdown.complete" and revocations._task is None
