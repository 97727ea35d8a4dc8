"""Every framework's guard refuses exactly as the middleware does: one status, header set and body.

Each example app runs with ``on_invalid="anonymous"``, so every refusal below is answered by the
framework's guard (``requires``, ``contrib.<framework>.require``), not by the middleware.
"""

from __future__ import annotations

import importlib
from typing import Any, NamedTuple

import pytest
from starlette.testclient import TestClient

from asgi_authinfo import AuthInfoMiddleware, Issuer, Requirement, check
from asgi_authinfo._responses import Refusal
from examples.raw_asgi.app import router
from pytest_plugin import FakeIssuer

FRAMEWORKS = ("raw_asgi", "starlette", "fastapi", "litestar", "django", "quart", "falcon")
CASES = ("no_token", "expired", "insufficient_scope", "issuer_unavailable")
UNREACHABLE_JWKS = "http://127.0.0.1:9/jwks.json"


class Answer(NamedTuple):
    status: int
    www_authenticate: str | None
    cache_control: str | None
    content_type: str | None
    body: bytes


def asgi3(app: Any) -> Any:
    """Starlette's TestClient leaves ``scope["asgi"]`` out of lifespan scopes; Falcon then won't start."""

    async def with_version(scope: Any, receive: Any, send: Any) -> None:
        scope.setdefault("asgi", {"version": "3.0"})
        await app(scope, receive, send)

    return with_version


def post(app: Any, token: str | None) -> tuple[Answer, str | None]:
    """POST /posts (which needs ``posts:write``); the answer and its ``Retry-After``."""
    headers = {} if token is None else {"Authorization": f"Bearer {token}"}
    with TestClient(asgi3(app)) as client:
        response = client.post("/posts", headers=headers)
    seen = response.headers
    answer = Answer(
        response.status_code,
        seen.get("www-authenticate"),
        seen.get("cache-control"),
        seen.get("content-type"),
        response.content,
    )
    return answer, seen.get("retry-after")


def expected(fake: FakeIssuer, case: str, issuer: Issuer, token: str | None) -> tuple[Answer, str | None]:
    """What the middleware answers itself (``required=True``); for 403, what ``Refusal`` renders."""
    if case == "insufficient_scope":
        assert token is not None
        error = check(fake.verify(token), Requirement(permission="posts:write"))
        assert error is not None
        refusal = Refusal.of(error, "api")
        headers = refusal.headers
        answer = Answer(
            refusal.status,
            headers["WWW-Authenticate"],
            headers["Cache-Control"],
            headers["Content-Type"],
            refusal.body,
        )
        return answer, None
    return post(AuthInfoMiddleware(router, issuers=[issuer], required=True), token)


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_every_guard_answers_what_the_middleware_answers(
    framework: str, case: str, fake_issuer: FakeIssuer
) -> None:
    issuer = fake_issuer.issuer_config(
        **({"jwks_uri": UNREACHABLE_JWKS} if case == "issuer_unavailable" else {})
    )
    token = {
        "no_token": None,
        "expired": fake_issuer.token(exp=1),
        "insufficient_scope": fake_issuer.token(permissions=["posts:read"]),
        "issuer_unavailable": fake_issuer.token(),
    }[case]
    create_app = importlib.import_module(f"examples.{framework}.app").create_app

    answer, retry_after = post(create_app([issuer], on_invalid="anonymous"), token)
    reference, reference_retry_after = expected(fake_issuer, case, issuer, token)

    assert answer == reference
    assert (answer.cache_control, answer.content_type) == ("no-store", "application/json")
    if case == "issuer_unavailable":
        assert answer.status == 503 and answer.www_authenticate is None
        assert retry_after is not None and reference_retry_after is not None and int(retry_after) >= 1
        assert b'"error": "temporarily_unavailable", "error_code": "issuer_unavailable"' in answer.body
    else:
        assert answer.status == (403 if case == "insufficient_scope" else 401)
        assert answer.www_authenticate is not None and retry_after is None
        assert answer.www_authenticate.startswith('Bearer realm="api"')
