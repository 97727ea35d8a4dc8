"""The asgi-authinfo demo: an app behind AuthInfoMiddleware, trusting a local fake issuer.

Run:  python examples/demo.py          (serves until Ctrl-C)
      python examples/demo.py --once   (prints the curl lines and their answers, then exits)

Everything runs on 127.0.0.1: the fake issuer serves its JWKS over real HTTP, uvicorn serves the
app, and the printed curl lines show ``scope["auth"]`` filled, a token refused with its reason,
and a request without a token.
"""

from __future__ import annotations

import argparse
import json
import shlex
import socket
import sys
import threading
import time
from typing import Any

import httpx
import uvicorn

from asgi_authinfo import AuthInfoMiddleware, get_auth, requires
from pytest_plugin import FakeIssuer


async def me(scope: Any, receive: Any, send: Any) -> None:
    """GET /me: the AuthInfo (or NoAuthInfo) the middleware put in scope["auth"], as JSON."""
    await _json(send, 200, get_auth(scope).to_dict())


async def orders(scope: Any, receive: Any, send: Any) -> None:
    await _json(send, 200, {"orders": ["ord_1", "ord_2"], "for": get_auth(scope).user_id})


guarded_orders = requires(permission="orders:read")(orders)


async def app(scope: Any, receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    if scope["path"] == "/orders":
        await guarded_orders(scope, receive, send)
    else:
        await me(scope, receive, send)


async def _json(send: Any, status: int, body: Any) -> None:
    data = json.dumps(body, indent=2).encode() + b"\n"
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": data})


def _free_port(preferred: int) -> socket.socket:
    sock = socket.socket(
        socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP
    )  # IPPROTO_TCP: asyncio sets TCP_NODELAY
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(("127.0.0.1", preferred))
    except OSError:
        sock.bind(("127.0.0.1", 0))
    return sock


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--port", type=int, default=8000, help="port for the app (a free one if taken)")
    parser.add_argument("--once", action="store_true", help="print the examples and their answers, then exit")
    args = parser.parse_args(argv)

    fake = FakeIssuer(audience="api://demo", lifetime=3600)
    with fake.serve():
        # refusal_hint=None: the reasons production gives, without the plugin's test advice
        protected = AuthInfoMiddleware(app, issuers=[fake.issuer_config(refusal_hint=None)])
        sock = _free_port(args.port)
        base = f"http://127.0.0.1:{sock.getsockname()[1]}"
        server = uvicorn.Server(uvicorn.Config(protected, log_level="warning", lifespan="on"))
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.02)

        signed_in = fake.token(
            sub="user_ada",
            email="ada@example.com",
            name="Ada Lovelace",
            org_id="org_analytical",
            role="admin",
            permissions=["orders:read", "orders:write"],
        )
        expired = fake.token(sub="user_ada", at=time.time() - 3600 - 240)
        examples = [
            ("Signed in: scope['auth'] is an AuthInfo", "/me", signed_in),
            ("Expired token: 401 with the reason in WWW-Authenticate and the body", "/me", expired),
            ("No token: the request passes on with a NoAuthInfo", "/me", None),
            ("No token on a route that requires orders:read: 401", "/orders", None),
        ]
        print(f"asgi-authinfo demo: app on {base}, fake issuer on {fake.issuer} (JWKS {fake.jwks_uri})\n")
        with httpx.Client() as client:
            for title, path, token in examples:
                command = ["curl", "-si", base + path]
                headers = {}
                if token is not None:
                    command += ["-H", f"Authorization: Bearer {token}"]
                    headers["Authorization"] = f"Bearer {token}"
                print(f"# {title}\n{shlex.join(command)}\n")
                response = client.get(base + path, headers=headers)
                print(f"HTTP/1.1 {response.status_code} {response.reason_phrase}")
                for name in ("www-authenticate", "retry-after"):
                    if name in response.headers:
                        print(f"{name}: {response.headers[name]}")
                print(response.text.rstrip() + "\n")
        if not args.once:
            print("Serving; press Ctrl-C to stop.")
            try:
                while thread.is_alive():
                    thread.join(0.5)
            except KeyboardInterrupt:
                pass
        server.should_exit = True
        thread.join(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
