"""Per-route issuer and audience: ``requires(issuer=..., audience=...)`` and every adapter's guard.

Two real issuers sign real tokens; the middleware trusts both, and each route says which issuer
(or audience) it accepts. A token from the other issuer or for another audience gets 401
``invalid_token`` naming what the route expects, on HTTP and on a WebSocket handshake.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import pytest
from fastapi import WebSocket as FastAPIWebSocket
from starlette.testclient import TestClient, WebSocketDenialResponse

from asgi_authinfo import AuthInfo, AuthInfoMiddleware, Issuer, Requirement, get_auth, requires
from asgi_authinfo.contrib.litestar import AuthRequest, AuthWebSocket
from pytest_plugin import FakeIssuer

APP_ISS = "https://app.example.com"
ADMIN_ISS = "https://admin.example.com"
PUBLIC_AUD = "public-api"
ADMIN_AUD = "admin-api"
WANTS_ADMIN = f"this route accepts tokens from {ADMIN_ISS}; this token is from '{APP_ISS}'"
WANTS_PUBLIC = f"this route accepts tokens for audience {PUBLIC_AUD}; this token is for '{ADMIN_AUD}'"


@pytest.fixture(scope="module")
def fakes() -> Iterator[tuple[FakeIssuer, FakeIssuer]]:
    with FakeIssuer(APP_ISS, audience=PUBLIC_AUD) as app, FakeIssuer(ADMIN_ISS, audience=ADMIN_AUD) as admin:
        yield app, admin


def trusted(fakes: tuple[FakeIssuer, FakeIssuer]) -> list[Issuer]:
    audiences = [PUBLIC_AUD, ADMIN_AUD]
    return [fake.issuer_config(audience=audiences) for fake in fakes]


# -- one app per framework: GET /admin (issuer), GET /public (audience), WebSocket /ws (issuer) --


async def _hello(scope: Any, receive: Any, send: Any) -> None:
    if scope["type"] == "websocket":
        await receive()
        await send({"type": "websocket.accept"})
        await send({"type": "websocket.send", "text": json.dumps({"iss": get_auth(scope).issuer})})
        await send({"type": "websocket.close", "code": 1000})
        return
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": get_auth(scope).issuer.encode()})


def raw_asgi(issuers: list[Issuer]) -> Any:
    routes = {
        "/admin": requires(issuer=ADMIN_ISS)(_hello),
        "/public": requires(audience=[PUBLIC_AUD])(_hello),
        "/ws": requires(issuer=(ADMIN_ISS,))(_hello),
    }

    async def router(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            message = await receive()
            await send({"type": "lifespan.startup.complete"})
            await receive()
            await send({"type": "lifespan.shutdown.complete"})
            del message
            return
        await routes[scope["path"]](scope, receive, send)

    return AuthInfoMiddleware(router, issuers=issuers, on_invalid="anonymous")


def starlette(issuers: list[Issuer]) -> Any:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route, WebSocketRoute
    from starlette.websockets import WebSocket

    from asgi_authinfo.contrib.starlette import require

    @require(issuer=ADMIN_ISS)
    async def admin(request: Request) -> PlainTextResponse:
        return PlainTextResponse(get_auth(request).issuer)

    @require(audience=PUBLIC_AUD)
    def public(request: Request) -> PlainTextResponse:  # sync endpoints are guarded too
        return PlainTextResponse(get_auth(request).issuer)

    @require(issuer=ADMIN_ISS)
    async def feed(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_json({"iss": get_auth(websocket).issuer})
        await websocket.close()

    routes = [Route("/admin", admin), Route("/public", public), WebSocketRoute("/ws", feed)]
    return AuthInfoMiddleware(Starlette(routes=routes), issuers=issuers, on_invalid="anonymous")


def fastapi(issuers: list[Issuer]) -> Any:
    from fastapi import Depends, FastAPI
    from fastapi.responses import PlainTextResponse

    from asgi_authinfo.contrib.fastapi import AuthRefused, refusal_handler, require

    app = FastAPI(exception_handlers={AuthRefused: refusal_handler})
    app.add_middleware(AuthInfoMiddleware, issuers=issuers, on_invalid="anonymous")

    @app.get("/admin", response_class=PlainTextResponse)
    async def admin(auth: AuthInfo = Depends(require(issuer=ADMIN_ISS))) -> str:  # noqa: B008
        return auth.issuer

    @app.get("/public", response_class=PlainTextResponse)
    async def public(auth: AuthInfo = Depends(require(audience=PUBLIC_AUD))) -> str:  # noqa: B008
        return auth.issuer

    @app.websocket("/ws")
    async def feed(websocket: FastAPIWebSocket, auth: AuthInfo = Depends(require(issuer=ADMIN_ISS))) -> None:  # noqa: B008
        await websocket.accept()
        await websocket.send_json({"iss": auth.issuer})
        await websocket.close()

    return app


def litestar(issuers: list[Issuer]) -> Any:
    from litestar import Litestar, MediaType, get, websocket

    from asgi_authinfo.contrib.litestar import AuthInfoPlugin, require

    @get("/admin", guards=[require(issuer=ADMIN_ISS)], media_type=MediaType.TEXT)
    async def admin(request: AuthRequest) -> str:
        return request.auth.issuer or ""

    @get("/public", guards=[require(audience=PUBLIC_AUD)], media_type=MediaType.TEXT)
    async def public(request: AuthRequest) -> str:
        return request.auth.issuer or ""

    @websocket("/ws", guards=[require(issuer=ADMIN_ISS)])
    async def feed(socket: AuthWebSocket) -> None:
        await socket.accept()
        await socket.send_json({"iss": socket.auth.issuer})
        await socket.close()

    return Litestar([admin, public, feed], plugins=[AuthInfoPlugin(issuers=issuers, on_invalid="anonymous")])


def quart(issuers: list[Issuer]) -> Any:
    from quart import Quart, request, websocket

    from asgi_authinfo.contrib.quart import require

    app = Quart(__name__)

    @app.get("/admin")
    @require(issuer=ADMIN_ISS)
    async def admin() -> str:
        return get_auth(request).issuer or ""

    @app.get("/public")
    @require(audience=PUBLIC_AUD)
    async def public() -> str:
        return get_auth(request).issuer or ""

    @app.websocket("/ws")
    @require(issuer=ADMIN_ISS)
    async def feed() -> None:
        await websocket.accept()
        await websocket.send(json.dumps({"iss": get_auth(websocket).issuer}))

    return AuthInfoMiddleware(app, issuers=issuers, on_invalid="anonymous")


def falcon(issuers: list[Issuer]) -> Any:
    import falcon
    import falcon.asgi

    from asgi_authinfo.contrib.falcon import require

    class Admin:
        @falcon.before(require(issuer=ADMIN_ISS))
        async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
            resp.content_type, resp.text = falcon.MEDIA_TEXT, get_auth(req).issuer

        @falcon.before(require(issuer=ADMIN_ISS))
        async def on_websocket(self, req: falcon.asgi.Request, ws: falcon.asgi.WebSocket) -> None:
            await ws.accept()
            await ws.send_media({"iss": get_auth(req).issuer})
            await ws.close()

    class Public:
        @falcon.before(require(audience=PUBLIC_AUD))
        async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
            resp.content_type, resp.text = falcon.MEDIA_TEXT, get_auth(req).issuer

    app = falcon.asgi.App()
    app.add_route("/admin", Admin())
    app.add_route("/ws", Admin())
    app.add_route("/public", Public())
    return AuthInfoMiddleware(app, issuers=issuers, on_invalid="anonymous")


def django(issuers: list[Issuer]) -> Any:
    from django.http import HttpRequest, HttpResponse
    from django.urls import path

    import examples.django.app
    from asgi_authinfo.contrib.django import require, with_lifespan

    @require(issuer=ADMIN_ISS)
    async def admin(request: HttpRequest) -> HttpResponse:
        return HttpResponse(get_auth(request).issuer, content_type="text/plain")

    @require(audience=PUBLIC_AUD)
    def public(request: HttpRequest) -> HttpResponse:
        return HttpResponse(get_auth(request).issuer, content_type="text/plain")

    from django.core.asgi import get_asgi_application

    urls = examples.django.app.urlpatterns
    added = [path("admin", admin), path("public", public)]
    urls[:] = [*added, *(url for url in urls if str(url.pattern) not in ("admin", "public"))]
    return AuthInfoMiddleware(with_lifespan(get_asgi_application()), issuers=issuers, on_invalid="anonymous")


APPS: dict[str, Callable[[list[Issuer]], Any]] = {
    "raw_asgi": raw_asgi,
    "starlette": starlette,
    "fastapi": fastapi,
    "litestar": litestar,
    "quart": quart,
    "falcon": falcon,
    "django": django,
}
WEBSOCKETS = ("raw_asgi", "starlette", "fastapi", "litestar", "quart", "falcon")  # Django: no WebSockets


def asgi3(app: Any) -> Any:
    async def with_version(scope: Any, receive: Any, send: Any) -> None:
        scope.setdefault("asgi", {"version": "3.0"})
        await app(scope, receive, send)

    return with_version


@pytest.fixture(params=list(APPS))
def client(request: pytest.FixtureRequest, fakes: tuple[FakeIssuer, FakeIssuer]) -> Iterator[TestClient]:
    with TestClient(asgi3(APPS[request.param](trusted(fakes)))) as test_client:
        yield test_client


@pytest.fixture(params=WEBSOCKETS)
def ws_client(request: pytest.FixtureRequest, fakes: tuple[FakeIssuer, FakeIssuer]) -> Iterator[TestClient]:
    with TestClient(asgi3(APPS[request.param](trusted(fakes)))) as test_client:
        yield test_client


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _assert_refused(status: int, headers: Any, body: bytes, code: str, description: str) -> None:
    assert status == 401
    assert headers["www-authenticate"].startswith('Bearer realm="api", error="invalid_token"')
    assert description in headers["www-authenticate"]
    assert json.loads(body)["error_code"] == code
    assert json.loads(body)["error_description"] == description


def test_a_route_takes_tokens_from_its_issuer_only(
    client: TestClient, fakes: tuple[FakeIssuer, FakeIssuer]
) -> None:
    app_fake, admin_fake = fakes
    allowed = client.get("/admin", headers={"Authorization": f"Bearer {admin_fake.token()}"})
    refused = client.get("/admin", headers={"Authorization": f"Bearer {app_fake.token()}"})
    signed_out = client.get("/admin")

    assert (allowed.status_code, allowed.text) == (200, ADMIN_ISS)
    _assert_refused(refused.status_code, refused.headers, refused.content, "unknown_issuer", WANTS_ADMIN)
    assert signed_out.status_code == 401 and signed_out.json()["error_code"] == "missing_token"


def test_a_route_takes_tokens_for_its_audience_only(
    client: TestClient, fakes: tuple[FakeIssuer, FakeIssuer]
) -> None:
    app_fake, admin_fake = fakes
    for_public = client.get(
        "/public", headers={"Authorization": f"Bearer {admin_fake.token(aud=[PUBLIC_AUD])}"}
    )
    for_admin = client.get("/public", headers={"Authorization": f"Bearer {admin_fake.token(aud=ADMIN_AUD)}"})
    from_app = client.get("/public", headers={"Authorization": f"Bearer {app_fake.token()}"})

    assert (for_public.status_code, for_public.text) == (200, ADMIN_ISS)  # aud as a list
    assert (from_app.status_code, from_app.text) == (200, APP_ISS)  # any issuer, this audience
    _assert_refused(
        for_admin.status_code, for_admin.headers, for_admin.content, "audience_mismatch", WANTS_PUBLIC
    )


def test_a_websocket_takes_tokens_from_its_issuer_only(
    ws_client: TestClient, fakes: tuple[FakeIssuer, FakeIssuer]
) -> None:
    client = ws_client
    app_fake, admin_fake = fakes
    with client.websocket_connect("/ws", headers={"Authorization": f"Bearer {admin_fake.token()}"}) as socket:
        assert json.loads(socket.receive_text()) == {"iss": ADMIN_ISS}

    with (
        pytest.raises(WebSocketDenialResponse) as denied,
        client.websocket_connect("/ws", headers={"Authorization": f"Bearer {app_fake.token()}"}) as socket,
    ):
        socket.receive_text()
    answer = denied.value
    _assert_refused(answer.status_code, answer.headers, answer.content, "unknown_issuer", WANTS_ADMIN)


# -- the requirement itself ------------------------------------------------------------------


def test_requirement_checks_its_issuers_and_audiences_when_built() -> None:
    both = Requirement(issuer=[ADMIN_ISS, APP_ISS], audience=ADMIN_AUD, permission="x")
    assert both.issuers == (ADMIN_ISS, APP_ISS) and both.audiences == (ADMIN_AUD,)
    assert both.conditions == {"permission": "x"}  # not AuthInfo.has() keywords
    assert (
        repr(both) == f"Requirement(permission='x', issuer={[ADMIN_ISS, APP_ISS]!r}, audience='{ADMIN_AUD}')"
    )
    for bad in ([], [""], 3, [ADMIN_ISS, 3]):
        with pytest.raises(ValueError, match="issuer"):
            Requirement(issuer=bad)
    with pytest.raises(ValueError, match="audience"):
        Requirement(audience="")


def test_several_issuers_are_named_in_the_refusal(fakes: tuple[FakeIssuer, FakeIssuer]) -> None:
    from asgi_authinfo import check

    app_fake, _ = fakes
    other = Requirement(issuer=[ADMIN_ISS, "https://ops.example.com"])
    error = check(app_fake.verify(app_fake.token()), other)
    assert error is not None and error.description == (
        f"this route accepts tokens from {ADMIN_ISS} or https://ops.example.com; "
        f"this token is from '{APP_ISS}'"
    )
    no_aud = check(replace(app_fake.verify(app_fake.token()), claims={}), Requirement(audience=ADMIN_AUD))
    assert no_aud is not None and no_aud.description.endswith("this token is for no audience")
