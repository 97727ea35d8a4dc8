"""What a DPoP request (RFC 9449) costs next to a bearer request, measured in ONE run.

    python benchmarks/dpop.py            # full run
    python benchmarks/dpop.py --quick    # fewer rounds, smaller batches

In-process, µs per request through ``AuthInfoMiddleware`` over a bare ASGI app (the bare app's
own cost subtracted), best round of several, rounds interleaving the scenarios:
(bearer-new) a new RS256 bearer token per request (parse, signature, claims, cache insert);
(bearer-reused) one bearer token reused (a token-cache hit);
(dpop-<alg>) one DPoP-bound token reused with a new proof per request signed with ``alg``: the
token is a cache hit, the proof is parsed, its signature checked, its claims, ``ath`` and
thumbprint compared, its ``jti`` recorded;
(dpop-new-<alg>) a new DPoP-bound token and a new proof per request.
The target (issue 15): a DPoP request costs at most 1.5x a new-token bearer request.
Proofs and tokens are minted before the timed loop, on a frozen clock.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import itertools
import time
from collections.abc import Callable
from typing import Any

import _checkout  # noqa: F401 (first: this checkout, not an installed copy)
from apps import bare_app

from asgi_authinfo import AuthInfoMiddleware, TokenVerifier
from pytest_plugin import Clock, FakeIssuer, dpop_key

URL = "http://bench.test/orders"
PROOF_ALGS = ("ES256", "EdDSA", "PS256", "RS256")
TARGET = 1.5


def scope_for(headers: dict[str, str]) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/orders",
        "raw_path": b"/orders",
        "root_path": "",
        "query_string": b"",
        "server": ("bench.test", 80),
        "headers": [(b"host", b"bench.test")]
        + [(name.lower().encode(), value.encode()) for name, value in headers.items()],
    }


async def _receive() -> dict[str, Any]:
    return {"type": "http.request", "body": b"", "more_body": False}


async def _time(app: Any, scopes: list[dict[str, Any]]) -> float:
    statuses: list[int] = []

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    started = time.perf_counter()
    for scope in scopes:
        await app(scope, _receive, send)
    elapsed = time.perf_counter() - started
    refused = [status for status in statuses if status != 200]
    if refused:
        raise SystemExit(f"a benchmark request was refused ({refused[0]}): the scenario is broken")
    return elapsed / len(scopes) * 1e6


async def main(rounds: int, batch: int) -> None:
    clock = Clock(time.time())
    with FakeIssuer(algorithm="RS256", audience="api://orders", now=clock) as fake:
        verifier_for: Callable[[], TokenVerifier] = lambda: TokenVerifier(  # noqa: E731
            [fake.issuer_config()], now=clock, clock=clock, cache_size=100_000
        )
        reused = fake.token()
        keys = {alg: dpop_key(alg) for alg in PROOF_ALGS}
        bound = {alg: fake.token(cnf=key.cnf) for alg, key in keys.items()}
        apps: dict[str, Any] = {"bare": bare_app}
        for name in ("bearer-new", "bearer-reused", *(f"dpop-{a}" for a in PROOF_ALGS), "dpop-new-ES256"):
            apps[name] = AuthInfoMiddleware(bare_app, verifier=verifier_for())
        for app in apps.values():  # fetch the JWKS once, outside the timings
            if isinstance(app, AuthInfoMiddleware):
                await app.verifier.verify(reused)

        serial = itertools.count()  # every minted token is new: never a token-cache hit

        def scopes(name: str) -> list[dict[str, Any]]:
            if name in ("bare", "bearer-reused"):
                return [scope_for({"Authorization": f"Bearer {reused}"})] * batch
            if name == "bearer-new":
                return [
                    scope_for({"Authorization": f"Bearer {fake.token(jti=str(next(serial)))}"})
                    for _ in range(batch)
                ]
            if name == "dpop-new-ES256":
                made = []
                for _ in range(batch):
                    token = fake.token(cnf=keys["ES256"].cnf, jti=str(next(serial)))
                    proof = keys["ES256"].proof("GET", URL, token=token, at=clock())
                    made.append(scope_for({"Authorization": f"DPoP {token}", "DPoP": proof}))
                return made
            alg = name.removeprefix("dpop-")
            token = bound[alg]
            return [
                scope_for(
                    {
                        "Authorization": f"DPoP {token}",
                        "DPoP": keys[alg].proof("GET", URL, token=token, at=clock()),
                    }
                )
                for _ in range(batch)
            ]

        for name, app in apps.items():  # warm up: token caches, key caches, code paths
            await _time(app, scopes(name)[: min(50, batch)])
        best: dict[str, float] = {name: float("inf") for name in apps}
        for _ in range(rounds):
            for name, app in apps.items():
                prepared = scopes(name)
                gc.collect()
                best[name] = min(best[name], await _time(app, prepared))
    bare = best.pop("bare")
    cost = {name: value - bare for name, value in best.items()}
    new = cost["bearer-new"]
    print(
        f"bare app: {bare:.1f} µs per request; middleware overhead below (µs, best of {rounds} x {batch})\n"
    )
    print("| scenario | µs | x new-token bearer |")
    print("|---|---:|---:|")
    for name, value in cost.items():
        print(f"| {name} | {value:.1f} | {value / new:.2f} |")
    worst = max(value / new for name, value in cost.items() if name.startswith("dpop-") and "new" not in name)
    verdict = "met" if worst <= TARGET else "NOT met"
    print(
        f"\nDPoP request (token cached, new proof) vs new-token bearer: worst {worst:.2f}x; "
        f"target <= {TARGET}x: {verdict}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds, smaller batches")
    args = parser.parse_args()
    asyncio.run(main(rounds=3 if args.quick else 7, batch=200 if args.quick else 1000))
