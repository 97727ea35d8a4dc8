"""Django: the adapter in process, and the example app end to end through uvicorn."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import httpx
import pytest
from asgiref.sync import iscoroutinefunction
from django.http import HttpRequest, HttpResponse
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from asgi_authinfo import AuthInfo, NoAuthInfo, TokenVerifier
from asgi_authinfo.contrib.django import require
from examples.django.app import create_app
from pytest_plugin import FakeIssuer

from ._end_to_end import EndToEnd, bearer
from ._server import serving


@pytest.fixture(scope="module")
def address(served_issuer: FakeIssuer) -> Iterator[str]:
    with serving(create_app([served_issuer.issuer_config()])) as address:
        yield address


class TestEndToEnd(EndToEnd):
    websockets = False  # Django (without Channels) serves no WebSockets


def request_with(auth: AuthInfo | NoAuthInfo) -> HttpRequest:
    request = HttpRequest()
    request.scope = {"type": "http", "auth": auth}  # what ASGIRequest carries behind the middleware
    return request


@pytest.mark.anyio
async def test_require_keeps_async_views_async_and_sync_views_sync(fake_issuer: FakeIssuer) -> None:
    @require(permission="posts:write")
    async def async_view(request: HttpRequest) -> HttpResponse:
        return HttpResponse("async")

    @require(permission="posts:write")
    def sync_view(request: HttpRequest) -> HttpResponse:
        return HttpResponse("sync")

    verifier = TokenVerifier([fake_issuer.issuer_config()])
    writer = await verifier.verify(fake_issuer.token(permissions=["posts:write"]))
    await verifier.aclose()
    assert iscoroutinefunction(async_view) and not iscoroutinefunction(sync_view)
    assert (await async_view(request_with(writer))).content == b"async"
    assert sync_view(request_with(writer)).content == b"sync"
    refused = await async_view(request_with(NoAuthInfo()))
    assert refused.status_code == 401 and refused["WWW-Authenticate"] == 'Bearer realm="api"'
    assert json.loads(refused.content)["error_code"] == "missing_token"


def test_request_user_is_the_tokens_for_djangos_own_decorators(
    address: str, served_issuer: FakeIssuer
) -> None:
    base = f"http://{address}"
    token = served_issuer.token(sub="user_dj", email="dj@example.com", permissions=["reports:read"])
    assert httpx.get(f"{base}/profile", headers=bearer(token)).json() == {
        "user_id": "user_dj",
        "email": "dj@example.com",
    }
    assert httpx.get(f"{base}/reports", headers=bearer(token)).json() == {"reports": [], "for": "user_dj"}
    signed_out = httpx.get(f"{base}/profile")
    assert signed_out.status_code == 401 and signed_out.headers["www-authenticate"] == 'Bearer realm="api"'
    assert signed_out.json()["error_code"] == "missing_token"
    lacking = httpx.get(f"{base}/reports", headers=bearer(served_issuer.token(permissions=["posts:read"])))
    assert lacking.status_code == 403 and lacking.json()["error_code"] == "insufficient_scope"
    browser = httpx.get(f"{base}/profile", headers={"Accept": "text/html"})
    assert browser.status_code == 302 and browser.headers["location"].startswith("/accounts/login/")


def test_websocket_handshakes_are_refused_cleanly_without_channels(
    address: str, served_issuer: FakeIssuer, caplog: pytest.LogCaptureFixture
) -> None:
    token = served_issuer.token()
    with (
        caplog.at_level(logging.INFO),
        pytest.raises(InvalidStatus) as refused,
        connect(f"ws://{address}/ws", additional_headers=bearer(token), open_timeout=5),
    ):
        pass
    assert refused.value.response.status_code == 404
    assert [record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR] == []
