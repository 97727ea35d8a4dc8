"""Fuzz targets for the token parser, the verifier and the request-header parsing.

Shared by the atheris harness (``fuzz/fuzz_atheris.py``), the long Hypothesis run
(``fuzz/fuzz_hypothesis.py``) and the short CI run in ``tests/security/test_fuzz.py``. Each check
feeds one input and asserts the invariant: the code returns, or raises its own ``AuthError``;
nothing else escapes, a 500 never happens, and only a token the fake issuer minted is accepted.
Everything is in-process: the JWKS is served by an ``httpx.MockTransport``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final, get_args

import httpx
from hypothesis import strategies as st

from asgi_authinfo import (
    AuthError,
    AuthInfoMiddleware,
    BearerHeader,
    Cookie,
    ErrorCode,
    Issuer,
    QueryParam,
    TokenVerifier,
    get_auth,
)
from asgi_authinfo._jose import parse
from asgi_authinfo._token_sources import token_from
from pytest_plugin import FakeIssuer

__all__ = [
    "ALGORITHMS",
    "Harness",
    "Violation",
    "authorization_values",
    "check_parse",
    "check_request",
    "check_sources",
    "check_verify",
    "mutate",
    "tokens",
]

ISSUER: Final = "https://fuzz-issuer.test"
JWKS_URI: Final = f"{ISSUER}/.well-known/jwks.json"
AUDIENCE: Final = "api://fuzz"
NOW: Final = 1_800_000_000.0
ALGORITHMS: Final = ("RS256", "ES256", "EdDSA")
CODES: Final = frozenset(get_args(ErrorCode))
STATUSES: Final = frozenset({200, 400, 401, 503})


class Violation(AssertionError):
    """An invariant broke: the input that caused it is a bug report."""


def _now() -> float:
    return NOW


@dataclass
class Harness:
    """Trusted keys for three algorithms, the tokens they minted, and verifiers that trust them."""

    fakes: dict[str, FakeIssuer] = field(init=False)
    valid: dict[str, str] = field(init=False)
    """Every token minted here, mapped to its subject: the only tokens that may be accepted."""
    strays: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.fakes = {
            alg: FakeIssuer(ISSUER, algorithm=alg, audience=AUDIENCE, now=_now) for alg in ALGORITHMS
        }
        self.valid = {}
        for alg in ALGORITHMS:
            for extra in ({}, {"email": "a@example.com", "permissions": ["orders:read"], "org_id": "org_1"}):
                token = self.fakes[alg].token(sub=f"user_{alg}", **extra)
                self.valid[token] = f"user_{alg}"
        self.jwks = {"keys": [fake.key.public_jwk for fake in self.fakes.values()]}
        self.issuer = Issuer(ISSUER, jwks_uri=JWKS_URI, audience=AUDIENCE, algorithms=ALGORITHMS)

    @property
    def seeds(self) -> list[str]:
        return list(self.valid)

    def _serve(self, request: httpx.Request) -> httpx.Response:
        if str(request.url) != JWKS_URI:
            self.strays.append(str(request.url))
            raise Violation(f"a token made the verifier fetch {request.url}")
        return httpx.Response(200, json=self.jwks)

    def verifier(self) -> TokenVerifier:
        client = httpx.AsyncClient(transport=httpx.MockTransport(self._serve))
        return TokenVerifier([self.issuer], client=client, now=_now)

    def middleware(self, verifier: TokenVerifier) -> AuthInfoMiddleware:
        sources = [BearerHeader(), Cookie("__session"), QueryParam("access_token", websocket_only=False)]
        return AuthInfoMiddleware(_echo, verifier=verifier, token_sources=sources)


async def _echo(scope: Any, receive: Any, send: Any) -> None:
    auth = get_auth(scope)
    body = json.dumps({"sub": auth.user_id, "token": auth.access_token}).encode()
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": body})


# -- checks ------------------------------------------------------------------------------------------


def check_parse(token: str) -> None:
    """``parse`` returns a ParsedToken or raises InvalidTokenError ``malformed``; nothing else."""
    try:
        parsed = parse(token)
    except AuthError as error:
        if error.code != "malformed":
            raise Violation(f"parse raised code {error.code!r}") from None
        return
    if not isinstance(parsed.header, dict) or not isinstance(parsed.claims, dict):
        raise Violation("parse returned a non-object header or payload")
    if not token.isascii():
        raise Violation("parse accepted a token with non-ASCII characters")


async def check_verify(harness: Harness, verifier: TokenVerifier, token: str) -> str | None:
    """``verify`` accepts exactly the minted tokens; anything else is an AuthError with a known code."""
    try:
        auth = await verifier.verify(token)
    except AuthError as error:
        if error.code not in CODES:
            raise Violation(f"unknown refusal code {error.code!r}") from None
        if len(token) >= 16 and token in error.description:
            raise Violation("a refusal echoed the token") from None
        return error.code
    if harness.valid.get(token) != auth.subject:
        raise Violation(f"accepted a token that was never minted (subject {auth.subject!r})")
    return None


async def check_request(
    harness: Harness, app: AuthInfoMiddleware, headers: Sequence[tuple[bytes, bytes]], query: bytes = b""
) -> int:
    """One HTTP request through the middleware: it answers 200/400/401/503, and a 200 is signed in
    only with a minted token. An exception escaping ``__call__`` fails the check."""
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/",
        "raw_path": b"/",
        "query_string": query,
        "root_path": "",
        "headers": list(headers),
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 8000),
    }
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)  # type: ignore[arg-type]
    starts = [message for message in sent if message["type"] == "http.response.start"]
    if len(starts) != 1:
        raise Violation(f"the middleware sent {len(starts)} response starts")
    status = int(starts[0]["status"])
    if status not in STATUSES:
        raise Violation(f"the middleware answered {status}")
    body = b"".join(message.get("body", b"") for message in sent if message["type"] == "http.response.body")
    if status == 200:
        seen = json.loads(body)
        if seen["token"] is not None and harness.valid.get(seen["token"]) != seen["sub"]:
            raise Violation("the app saw a signed-in user for a token that was never minted")
    return status


def check_sources(headers: Sequence[tuple[bytes, bytes]], query: bytes = b"") -> None:
    """Each token source returns a string or None, or raises its own 400 ``AuthError``."""
    for kind in ("http", "websocket"):
        scope = {"type": kind, "headers": list(headers), "query_string": query}
        sources = (BearerHeader(), Cookie("__session"), QueryParam("access_token"))
        for source in sources:
            try:
                token = source.token(scope)
            except AuthError as error:
                if error.status != 400:
                    raise Violation(f"{type(source).__name__} raised a {error.status}") from None
                continue
            if token is not None and (not isinstance(token, str) or not token):
                raise Violation(f"{type(source).__name__} returned {token!r}")
        try:
            token_from(sources, scope)
        except AuthError as error:
            if error.status != 400:
                raise Violation(f"token_from raised a {error.status}") from None


# -- inputs ------------------------------------------------------------------------------------------


def mutate(token: str, operation: int, position: int, value: int) -> str:
    """One edit of ``token``: replace, insert or delete a character, or swap two segments."""
    index = position % (len(token) + 1)
    char = chr(value % 256)
    match operation % 5:
        case 0:
            index = min(index, len(token) - 1)
            replaced = token[:index] + char + token[index + 1 :]
            return (
                replaced if replaced != token else token[:index] + chr((value + 1) % 256) + token[index + 1 :]
            )
        case 1:
            return token[:index] + char + token[index:]
        case 2:
            index = min(index, len(token) - 1)
            return token[:index] + token[index + 1 :]
        case 3:
            parts = token.split(".")
            first, second = position % len(parts), value % len(parts)
            parts[first], parts[second] = parts[second], parts[first]
            return ".".join(parts)
        case _:
            return token[:index]


BASE64URL: Final = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def tokens(seeds: Sequence[str]) -> st.SearchStrategy[str]:
    """Token-shaped strings: single edits of real tokens, recombined segments, JSON-ish segments."""
    seed = st.sampled_from(list(seeds))
    edits = st.builds(mutate, seed, st.integers(0, 4), st.integers(0, 4096), st.integers(0, 255))
    recombined = st.builds(
        lambda a, b, c: f"{a.split('.')[0]}.{b.split('.')[1]}.{c.split('.')[2]}", seed, seed, seed
    )
    segment = st.text(BASE64URL, max_size=64)
    shaped = st.lists(segment, min_size=1, max_size=6).map(".".join)
    json_values = st.recursive(
        st.none() | st.booleans() | st.floats(allow_nan=True) | st.integers() | st.text(max_size=20),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
        max_leaves=12,
    )

    def json_token(header: Any, payload: Any, signature: bytes) -> str:
        import base64

        def b64(data: bytes) -> str:
            return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

        return f"{b64(json.dumps(header).encode())}.{b64(json.dumps(payload).encode())}.{b64(signature)}"

    headers = st.fixed_dictionaries(
        {"alg": st.sampled_from(["RS256", "ES256", "EdDSA", "none", "HS256", "PS256"])},
        optional={
            "kid": st.sampled_from(["fake-rs256-0", "fake-es256-0", "x"]) | st.text(max_size=10),
            "crit": json_values,
        },
    )
    payloads = st.fixed_dictionaries(
        {"iss": st.sampled_from([ISSUER, ISSUER + "/"]), "sub": st.text(max_size=10)},
        optional={"exp": json_values | st.just(NOW + 60), "aud": json_values | st.just(AUDIENCE)},
    )
    crafted = st.builds(json_token, headers | json_values, payloads | json_values, st.binary(max_size=80))
    return st.one_of(edits, edits, recombined, shaped, crafted, st.text(max_size=200))


def authorization_values(seeds: Sequence[str]) -> st.SearchStrategy[bytes]:
    """Raw ``Authorization`` header bytes: anything, and near-misses of a good bearer header."""
    schemes = st.sampled_from([b"Bearer", b"bearer", b"BEARER", b"Basic", b"DPoP", b"Bearer\t", b""])
    spaces = st.sampled_from([b" ", b"  ", b"\t", b"", b" \x00"])
    bearer = st.builds(
        lambda scheme, space, token, tail: scheme + space + token.encode("utf-8", "surrogatepass") + tail,
        schemes,
        spaces,
        tokens(seeds),
        st.sampled_from([b"", b" ", b"\r\n", b"=", b",", b"\xff"]),
    )
    return st.one_of(st.binary(max_size=300), bearer, bearer)
