"""FastAPI's OpenAPI schema lists the refusals: 401 where the auth is read, 403 where require() can fail."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI

from asgi_authinfo import AuthInfo
from asgi_authinfo.contrib.fastapi import (
    CurrentAuth,
    SignedIn,
    document_refusals,
    refusal_responses,
    require,
)
from examples.fastapi.app import create_app
from pytest_plugin import FakeIssuer

Writer = Annotated[AuthInfo, Depends(require(permission="posts:write"))]
AdminIssuer = Annotated[AuthInfo, Depends(require(issuer="https://admin.example.com"))]


def answers(schema: dict[str, Any], path: str, method: str) -> list[str]:
    return sorted(schema["paths"][path][method]["responses"])


def test_the_example_app_lists_401_and_403(fake_issuer: FakeIssuer) -> None:
    schema = create_app([fake_issuer.issuer_config()]).openapi()
    assert answers(schema, "/me", "get") == ["200", "401"]
    assert answers(schema, "/posts", "post") == ["201", "401", "403"]
    body = schema["paths"]["/posts"]["post"]["responses"]["403"]["content"]["application/json"]["schema"]
    assert body["required"] == ["error", "error_code", "error_description"]


def test_routes_are_documented_by_what_they_depend_on() -> None:
    app = FastAPI()
    document_refusals(app)

    @app.get("/signed-in")
    async def signed_in(auth: SignedIn) -> dict[str, str]:
        return {}

    @app.get("/writer")
    async def write(auth: Writer) -> dict[str, str]:
        return {}

    @app.get("/admin")
    async def admin(auth: AdminIssuer) -> dict[str, str]:
        return {}

    @app.get("/open")
    async def open_route() -> dict[str, str]:
        return {}

    @app.get("/own", responses={401: {"description": "mine"}})
    async def own(auth: CurrentAuth) -> dict[str, str]:
        return {}

    schema = app.openapi()
    assert answers(schema, "/signed-in", "get") == ["200", "401"]  # no conditions: nothing to lack
    assert answers(schema, "/writer", "get") == ["200", "401", "403"]
    assert answers(schema, "/admin", "get") == ["200", "401"]  # another issuer is a 401
    assert answers(schema, "/open", "get") == ["200"]
    assert schema["paths"]["/own"]["get"]["responses"]["401"]["description"] == "mine"


def test_a_router_can_declare_them_itself() -> None:
    router = APIRouter(responses=refusal_responses)

    @router.get("/x")
    async def x() -> dict[str, str]:
        return {}

    app = FastAPI()
    app.include_router(router)
    assert answers(app.openapi(), "/x", "get") == ["200", "401", "403"]
