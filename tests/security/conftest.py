"""Fixtures for the security suite: a trusted fake issuer, a verifier behind the middleware, and a
network that answers only the issuer's JWKS and records every other request a token might cause."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import sys
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
import respx
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from asgi_authinfo import AuthError, AuthInfo, AuthInfoMiddleware, Issuer, TokenVerifier, get_auth
from pytest_plugin import Clock, FakeIssuer, SigningKey

ALGORITHMS = ["RS256", "PS256", "ES256", "ES384", "ES512", "EdDSA"]
AUDIENCE = "api://orders"
TOKEN68 = re.compile(r"[A-Za-z0-9\-._~+/]+=*")
FROM_FAKE: Any = object()
REFUSED: Counter[str] = Counter()
"""Hostile tokens refused, per test function (attack class): ``SECURITY_REPORT=1`` prints them."""


def _attack_class() -> str:
    current = os.environ.get("PYTEST_CURRENT_TEST", "?::?")
    return current.split("::")[-1].split("[")[0].split(" ")[0]


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not REFUSED or os.environ.get("SECURITY_REPORT") != "1":
        return
    terminalreporter.section("hostile tokens refused per attack class")
    for name, count in sorted(REFUSED.items()):
        terminalreporter.write_line(f"{count:6d}  {name}")
    terminalreporter.write_line(f"{REFUSED.total():6d}  in {len(REFUSED)} classes")


_ATTACKER_KEYS: dict[str, Any] = {}


def attacker_key(alg: str, kid: str = "attacker") -> SigningKey:
    """A private key no trusted issuer publishes, of the same family as ``alg``."""
    family = {"RS": "RSA", "PS": "RSA", "ES": alg, "Ed": "Ed25519"}[alg[:2]]
    private = _ATTACKER_KEYS.get(family)
    if private is None:
        if family == "RSA":
            private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        elif family == "Ed25519":
            private = ed25519.Ed25519PrivateKey.generate()
        else:
            curve = {"ES256": ec.SECP256R1(), "ES384": ec.SECP384R1(), "ES512": ec.SECP521R1()}[family]
            private = ec.generate_private_key(curve)
        _ATTACKER_KEYS[family] = private
    return SigningKey(kid=kid, alg=alg, private_key=private)


@dataclass
class Network:
    """Answers the trusted issuers' URLs (``jwks`` can replace their key set) and refuses the rest.

    Every request is recorded; ``strays`` are requests to any other URL, which a correct
    verifier never makes (a ``jku``/``x5u`` header must not cause a fetch).
    """

    fakes: dict[str, FakeIssuer] = field(default_factory=dict)
    jwks: Any = FROM_FAKE
    requests: list[str] = field(default_factory=list)
    strays: list[str] = field(default_factory=list)

    def add(self, fake: FakeIssuer) -> Network:
        self.fakes[httpx.URL(fake.issuer).host] = fake
        return self

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(str(request.url))
        fake = self.fakes.get(request.url.host)
        if fake is None:
            self.strays.append(str(request.url))
            raise httpx.ConnectError("the security suite allows no request outside the trusted issuers")
        if request.url.path.endswith("/jwks.json") and self.jwks is not FROM_FAKE:
            return httpx.Response(200, json=self.jwks)
        status, body = fake.answer(request.method, request.url.path, request.headers)
        return httpx.Response(status, json=body)

    def jwks_fetches_from(self, fake: FakeIssuer) -> int:
        return self.requests.count(fake.jwks_uri)

    @property
    def jwks_fetches(self) -> int:
        return sum(1 for url in self.requests if url.endswith("/jwks.json"))


@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    headers: dict[str, str]
    body: dict[str, Any]


async def call(app: Any, headers: list[tuple[bytes, bytes]], kind: str = "http") -> Reply:
    """Drive one request through an ASGI app with raw header bytes; return what it sent."""
    scope: dict[str, Any] = {
        "type": kind,
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http" if kind == "http" else "ws",
        "path": "/",
        "raw_path": b"/",
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 8000),
    }
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    start = next(message for message in sent if message["type"] == "http.response.start")
    body = b"".join(message.get("body", b"") for message in sent if message["type"] == "http.response.body")
    return Reply(
        start["status"],
        {name.decode("latin-1"): value.decode("latin-1") for name, value in start["headers"]},
        json.loads(body) if body else {},
    )


async def echo(scope: Any, receive: Any, send: Any) -> None:
    """The protected app: answers 200 with who the middleware says is signed in."""
    auth = get_auth(scope)
    body = json.dumps({"sub": auth.user_id, "signed_in": auth.is_signed_in}).encode()
    await send(
        {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]}
    )
    await send({"type": "http.response.body", "body": body})


@dataclass
class Target:
    """A verifier for one trusted issuer, the middleware over it, and the network they see."""

    fake: FakeIssuer
    verifier: TokenVerifier
    network: Network
    app: AuthInfoMiddleware

    async def refuse(self, token: str, code: str) -> AuthError:
        """Assert the verifier refuses ``token`` with ``code``, and the middleware answers 4xx."""
        try:
            auth = await self.verifier.verify(token)
        except AuthError as error:
            refused = error
        else:
            pytest.fail(f"a hostile token was accepted for subject {auth.subject!r}")
        assert refused.code == code, refused.description
        assert refused.status in (400, 401, 503)
        REFUSED[_attack_class()] += 1
        raw = token.encode("utf-8", "surrogateescape")
        reply = await call(self.app, [(b"authorization", b"Bearer " + raw)])
        if TOKEN68.fullmatch(token):
            assert (reply.status, reply.body["error_code"]) == (refused.status, code)
        else:  # the header itself is unreadable: 400 before the verifier runs
            assert (reply.status, reply.body["error_code"]) == (400, "invalid_request")
        if len(token) >= 16:  # never echoed: not in the body, not in WWW-Authenticate
            assert token not in json.dumps(reply.body) and token not in str(reply.headers)
            assert token not in refused.description
        return refused

    async def accept(self, token: str) -> AuthInfo:
        auth = await self.verifier.verify(token)
        reply = await call(self.app, [(b"authorization", f"Bearer {token}".encode())])
        assert reply.status == 200 and reply.body["sub"] == auth.subject
        return auth


@pytest.fixture
def clock() -> Clock:
    return Clock(1_800_000_000.0)


@pytest.fixture(params=ALGORITHMS)
def algorithm(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def network_for() -> Iterator[Any]:
    """A respx router for the test: fake issuers' hosts answered, every other URL a recorded stray."""
    network = Network()
    router = respx.MockRouter(assert_all_called=False, assert_all_mocked=True)
    router.route().mock(side_effect=network.handle)
    router.start()
    yield network.add
    router.stop(quiet=True)
    assert network.strays == [], "a token made the verifier fetch a URL it named"


async def make_target(fake: FakeIssuer, network: Network, clock: Clock, **options: Any) -> Target:
    issuer: Issuer = fake.issuer_config(**options)
    verifier = TokenVerifier([issuer], now=clock, clock=clock)
    return Target(fake, verifier, network, AuthInfoMiddleware(echo, verifier=verifier))


@pytest.fixture
async def target(algorithm: str, clock: Clock, network_for: Any) -> AsyncIterator[Target]:
    """The trusted issuer signs with ``algorithm``; the verifier trusts only that algorithm."""
    fake = FakeIssuer(algorithm=algorithm, audience=AUDIENCE, now=clock)
    built = await make_target(fake, network_for(fake), clock)
    yield built
    await built.verifier.aclose()


def load_fuzz_targets() -> ModuleType:
    """``fuzz/targets.py``, the checks the fuzz harnesses run, imported by path (``fuzz`` is no package)."""
    name = "asgi_authinfo_fuzz_targets"
    if name in sys.modules:
        return sys.modules[name]
    path = Path(__file__).resolve().parents[2] / "fuzz" / "targets.py"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
