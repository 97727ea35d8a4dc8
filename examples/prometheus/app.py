"""Count asgi-authinfo outcomes with prometheus_client: an ``Observer`` and a ``/metrics`` route.

Copy ``PrometheusObserver`` into your project, then::

    app = AuthInfoMiddleware(app, issuers=providers.workos("client_..."), observer=PrometheusObserver())
    # and serve prometheus_client.make_asgi_app() at /metrics, as build_app() below does

Run this file (``python examples/prometheus/app.py``) to see it work offline: a fake issuer with
real keys signs a few tokens, they go through the middleware, and the metrics are printed.

Labels are ``outcome`` (accepted/refused), ``code`` (the stable refusal code, "" when accepted)
and ``issuer`` (a configured issuer, "" when none matched): all bounded. Never label by ``kid``
or anything else taken from a refused token: callers choose those values.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterable
from typing import Any

import httpx
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, make_asgi_app

from asgi_authinfo import AuthInfoMiddleware, Issuer, Outcome, get_auth

BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0)


class PrometheusObserver:
    """An asgi-authinfo observer: a counter of outcomes and a histogram of verification time."""

    def __init__(self, registry: CollectorRegistry = REGISTRY) -> None:
        self.tokens = Counter(
            "asgi_authinfo_tokens",
            "Bearer tokens verified, by outcome, refusal code and configured issuer.",
            ["outcome", "code", "issuer"],
            registry=registry,
        )
        self.seconds = Histogram(
            "asgi_authinfo_verify_seconds",
            "Time to verify one token, key fetches included.",
            ["outcome"],
            buckets=BUCKETS,
            registry=registry,
        )

    def __call__(self, outcome: Outcome) -> None:
        self.tokens.labels(outcome.outcome, outcome.code or "", outcome.issuer or "").inc()
        self.seconds.labels(outcome.outcome).observe(outcome.duration)


async def whoami(scope: Any, receive: Any, send: Any) -> None:
    """Any route of your app: here, the AuthInfo (or NoAuthInfo) as JSON."""
    body = json.dumps(get_auth(scope).to_dict()).encode()
    await send(
        {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]}
    )
    await send({"type": "http.response.body", "body": body})


def build_app(
    issuers: Issuer | Iterable[Issuer | Iterable[Issuer]],
    *,
    registry: CollectorRegistry = REGISTRY,
    client: httpx.AsyncClient | None = None,
) -> Any:
    """The app behind AuthInfoMiddleware with the observer, and /metrics beside it (no token needed)."""
    protected = AuthInfoMiddleware(
        whoami, issuers=issuers, observer=PrometheusObserver(registry), client=client
    )
    metrics = make_asgi_app(registry)

    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] == "/metrics":
            await metrics(scope, receive, send)
        else:
            await protected(scope, receive, send)

    return app


async def demo() -> str:
    """Four requests through the app, then the asgi_authinfo lines of /metrics."""
    from pytest_plugin import FakeIssuer  # the bundled test issuer: real keys, JWKS answered in-process

    registry = CollectorRegistry()
    with FakeIssuer(audience="api://orders") as fake:
        keys = httpx.AsyncClient()  # fetches the JWKS; answered in-process by the fake issuer
        app = build_app([fake.issuer_config()], registry=registry, client=keys)
        async with (
            keys,
            httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://app") as client,
        ):
            for token in (
                fake.token(),
                fake.token(exp=int(time.time()) - 240),
                fake.token(aud="api://billing"),
            ):
                await client.get("/", headers={"Authorization": f"Bearer {token}"})
            await client.get("/")
            metrics = (await client.get("/metrics")).text
    return "\n".join(line for line in metrics.splitlines() if line.startswith("asgi_authinfo_tokens_total"))


if __name__ == "__main__":
    print(asyncio.run(demo()))
