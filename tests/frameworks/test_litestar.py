"""Litestar: the adapter in process, and the example app end to end through uvicorn."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from litestar import Litestar, get
from starlette.testclient import TestClient, WebSocketDenialResponse

from asgi_authinfo import AuthInfoMiddleware
from asgi_authinfo.contrib.litestar import AuthInfoPlugin, AuthRequest, require
from examples.litestar.app import create_app
from pytest_plugin import FakeIssuer

from ._end_to_end import EndToEnd, bearer
from ._server import serving


@pytest.fixture(scope="module")
def address(served_issuer: FakeIssuer) -> Iterator[str]:
    with serving(create_app([served_issuer.issuer_config()])) as address:
        yield address


class TestEndToEnd(EndToEnd):
    ws_refusal_status = 401  # the guard closes; the middleware sends it as the denial response


def test_guard_refuses_websocket_handshakes_with_the_denial_response(fake_issuer: FakeIssuer) -> None:
    client = TestClient(create_app([fake_issuer.issuer_config()]))
    with client, pytest.raises(WebSocketDenialResponse) as refused, client.websocket_connect("/ws"):
        pass
    assert (
        refused.value.status_code == 401 and refused.value.headers["www-authenticate"] == 'Bearer realm="api"'
    )
    assert refused.value.json()["error_code"] == "missing_token"


@get("/name")
async def name(request: AuthRequest) -> dict[str, Any]:
    return {"name": request.user.name, "email": request.user.email, "id": request.user.id}


def test_a_signed_out_user_has_the_users_fields_as_none(served_issuer: FakeIssuer) -> None:
    app = AuthInfoMiddleware(Litestar([name]), issuers=[served_issuer.issuer_config()])
    with serving(app) as address:
        signed_out = httpx.get(f"http://{address}/name")
        signed_in = httpx.get(
            f"http://{address}/name", headers=bearer(served_issuer.token(sub="u", name="Ada"))
        )
    assert signed_out.status_code == 200 and signed_out.json() == {"name": None, "email": None, "id": None}
    assert signed_in.json()["name"] == "Ada"


@get("/hello", guards=[require(permission="posts:write")])
async def hello(request: AuthRequest) -> str:
    return f"hello {request.user.identity}"


def test_the_plugin_mounts_answers_and_documents(served_issuer: FakeIssuer) -> None:
    app = Litestar([name, hello], plugins=[AuthInfoPlugin(issuers=[served_issuer.issuer_config()])])
    with serving(app) as address:
        signed_out = httpx.get(f"http://{address}/hello")
        reader = httpx.get(f"http://{address}/hello", headers=bearer(served_issuer.token(permissions=["r"])))
        writer = httpx.get(
            f"http://{address}/hello",
            headers=bearer(served_issuer.token(sub="w", permissions=["posts:write"])),
        )
        expired = httpx.get(f"http://{address}/name", headers=bearer(served_issuer.token(exp=1)))
        schema = httpx.get(f"http://{address}/schema/openapi.json").json()
    assert signed_out.status_code == 401 and signed_out.headers["www-authenticate"] == 'Bearer realm="api"'
    assert signed_out.headers["content-type"] == "application/json"  # on a str handler too
    assert set(signed_out.json()) == set(expired.json()) == {"error", "error_code", "error_description"}
    assert reader.status_code == 403 and reader.json()["error_code"] == "insufficient_scope"
    assert writer.status_code == 200 and writer.text == "hello w"
    assert (
        expired.status_code == 401 and expired.json()["error_code"] == "expired"
    )  # the middleware is mounted
    assert schema["components"]["securitySchemes"]["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
    }
    guarded = schema["paths"]["/hello"]["get"]
    assert {"401", "403"} <= set(guarded["responses"]) and guarded["security"] == [{"bearer": []}]
    assert "401" not in schema["paths"]["/name"]["get"]["responses"]
