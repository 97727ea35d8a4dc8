"""FastAPI: dependencies, RFC 6750 refusals, the OpenAPI bearer scheme; end to end through uvicorn."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, HTTPException, WebSocketException
from starlette.requests import HTTPConnection
from starlette.testclient import TestClient

from asgi_authinfo import AuthInfoMiddleware, MissingTokenError
from asgi_authinfo._guards import missing_token
from asgi_authinfo._responses import Refusal
from asgi_authinfo.contrib.fastapi import AuthRefused, SignedIn, refusal, refusal_handler
from examples.fastapi.app import create_app
from pytest_plugin import FakeIssuer

from ._end_to_end import EndToEnd
from ._server import serving


@pytest.fixture(scope="module")
def address(served_issuer: FakeIssuer) -> Iterator[str]:
    with serving(create_app([served_issuer.issuer_config()])) as address:
        yield address


class TestEndToEnd(EndToEnd):
    ws_refusal_status = 401  # the dependency's HTTPException becomes an HTTP denial response


def test_openapi_has_the_bearer_scheme(served_issuer: FakeIssuer) -> None:
    schema = create_app([served_issuer.issuer_config()]).openapi()
    assert schema["components"]["securitySchemes"] == {
        "BearerAuth": {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "An access token from a trusted issuer: Authorization: Bearer <token>",
        }
    }
    assert schema["paths"]["/me"]["get"]["security"] == [{"BearerAuth": []}]
    assert schema["paths"]["/posts"]["post"]["security"] == [{"BearerAuth": []}]


def test_docs_page_is_served(address: str) -> None:
    docs = httpx.get(f"http://{address}/docs")
    assert docs.status_code == 200 and "swagger-ui" in docs.text


def test_issuer_unavailable_is_503_with_retry_after(fake_issuer: FakeIssuer) -> None:
    app = FastAPI(exception_handlers={AuthRefused: refusal_handler})
    unreachable = fake_issuer.issuer_config(jwks_uri="http://127.0.0.1:9/jwks.json")
    app.add_middleware(AuthInfoMiddleware, issuers=[unreachable], on_invalid="anonymous")

    @app.get("/posts")
    async def posts(auth: SignedIn) -> dict[str, Any]:
        return {"user_id": auth.user_id}

    with TestClient(app) as client:
        response = client.get("/posts", headers={"Authorization": f"Bearer {fake_issuer.token()}"})
    assert response.status_code == 503
    assert "www-authenticate" not in response.headers and int(response.headers["retry-after"]) >= 1
    assert response.json()["error_code"] == "issuer_unavailable"


def test_dependencies_answer_with_the_middlewares_realm(fake_issuer: FakeIssuer) -> None:
    app = FastAPI()
    app.add_middleware(AuthInfoMiddleware, issuers=[fake_issuer.issuer_config()], realm="orders")

    @app.get("/posts")
    async def posts(auth: SignedIn) -> dict[str, Any]:
        return {"user_id": auth.user_id}

    with TestClient(app) as client:
        response = client.get("/posts")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer realm="orders"'


def test_without_the_handler_fastapi_nests_the_body_under_detail(fake_issuer: FakeIssuer) -> None:
    app = FastAPI()
    app.add_middleware(AuthInfoMiddleware, issuers=[fake_issuer.issuer_config()])

    @app.get("/posts")
    async def posts(auth: SignedIn) -> dict[str, Any]:
        return {"user_id": auth.user_id}

    with TestClient(app) as client:
        response = client.get("/posts")
    answer = Refusal.of(missing_token(), "api")
    assert response.status_code == 401 and response.json() == {"detail": answer.payload}
    assert {name: response.headers[name] for name in answer.headers} == answer.headers


def test_websocket_refusal_without_denial_responses_closes_with_1008() -> None:
    scope = {"type": "websocket", "headers": [], "extensions": {}}
    refused = refusal(HTTPConnection(scope), MissingTokenError("sign in"))
    assert isinstance(refused, WebSocketException)
    assert refused.code == 1008 and refused.reason == "missing_token: sign in"
    with_denial = refusal(
        HTTPConnection({**scope, "extensions": {"websocket.http.response": {}}}), MissingTokenError("x")
    )
    assert isinstance(with_denial, HTTPException) and with_denial.status_code == 401
