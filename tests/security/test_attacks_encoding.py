"""Attacks on the encoding (RFC 7515 §2, §4, §7.1; RFC 8259): what the token is made of, before any
rule about its claims. Hostile bytes are signed with the issuer's own key where that matters, so a
refusal here is the parser's, not the signature check's."""

from __future__ import annotations

import json
from typing import Any

import pytest

from asgi_authinfo import AuthInfoMiddleware, TokenVerifier

from .conftest import Clock, Target, call, echo
from .forge import b64, sign_raw, unb64

pytestmark = pytest.mark.anyio


@pytest.fixture
def algorithm() -> str:
    return "RS256"


def header_of(target: Target) -> dict[str, Any]:
    return {"alg": "RS256", "typ": "JWT", "kid": target.fake.key.kid}


# -- header or payload that is not a JSON object --------------------------------------------------

NOT_OBJECTS: list[bytes] = [
    b"[]",
    b'"RS256"',
    b"1",
    b"null",
    b"true",
    b'[{"alg":"RS256"}]',
    b"",
    b" ",
    b"{",
    b"{}}",
]


@pytest.mark.parametrize("value", NOT_OBJECTS)
async def test_non_object_header(target: Target, value: bytes) -> None:
    await target.refuse(sign_raw(target.fake.key, value, target.fake.default_claims()), "malformed")


@pytest.mark.parametrize("value", NOT_OBJECTS)
async def test_non_object_payload(target: Target, value: bytes) -> None:
    await target.refuse(sign_raw(target.fake.key, header_of(target), value), "malformed")


# -- duplicate JSON names ------------------------------------------------------------------------


async def test_duplicate_json_keys(target: Target) -> None:
    kid = target.fake.key.kid
    claims = json.dumps(target.fake.default_claims())[1:-1]
    headers = [
        f'{{"alg":"none","alg":"RS256","kid":"{kid}"}}',
        f'{{"alg":"RS256","kid":"attacker","kid":"{kid}"}}',
        f'{{"alg":"RS256","kid":"{kid}","crit":["x"],"crit":[]}}',
    ]
    for header in headers:
        await target.refuse(
            sign_raw(target.fake.key, header.encode(), target.fake.default_claims()), "malformed"
        )
    payloads = [
        f'{{{claims},"sub":"admin"}}',
        f'{{{claims},"iss":"https://attacker.example"}}',
        f'{{{claims},"exp":1}}',
        f'{{{claims},"aud":"api://other"}}',
        f'{{{claims},"role":"member","role":"admin"}}',
        f'{{{claims},"org":{{"id":"a","id":"b"}}}}',
    ]
    for payload in payloads:
        error = await target.refuse(
            sign_raw(target.fake.key, header_of(target), payload.encode()), "malformed"
        )
        assert "twice" in error.description


# -- invalid UTF-8 and other text encodings ---------------------------------------------------------


@pytest.mark.parametrize(
    "bad",
    [
        b"\xff",  # never valid in UTF-8
        b"\xc3\x28",  # broken two-byte sequence
        b"\xc0\xaf",  # overlong '/'
        b"\xed\xa0\x80",  # an encoded surrogate
        b"\xf4\x90\x80\x80",  # beyond U+10FFFF
        b"\x80",  # lone continuation byte
    ],
)
async def test_invalid_utf8(target: Target, bad: bytes) -> None:
    claims = json.dumps(target.fake.default_claims()).encode()
    payload = claims[:-1] + b',"name":"' + bad + b'"}'
    await target.refuse(sign_raw(target.fake.key, header_of(target), payload), "malformed")
    header = json.dumps(header_of(target)).encode()[:-1] + b',"x":"' + bad + b'"}'
    await target.refuse(sign_raw(target.fake.key, header, target.fake.default_claims()), "malformed")


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-32", "utf-8-sig"])
async def test_json_in_another_encoding(target: Target, encoding: str) -> None:
    payload = json.dumps(target.fake.default_claims()).encode(encoding)
    await target.refuse(sign_raw(target.fake.key, header_of(target), payload), "malformed")


# -- non-canonical base64url ----------------------------------------------------------------------


def variants(token: str) -> dict[str, str]:
    header, payload, signature = token.split(".")

    def twiddle_last(segment: str) -> str:
        """Same bytes, other unused low bits in the last character (RFC 4648 §3.5)."""
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
        for char in alphabet:
            candidate = segment[:-1] + char
            if candidate != segment and unb64(candidate) == unb64(segment):
                return candidate
        raise AssertionError("segment length has no unused bits")

    out = {
        "padded-signature": f"{header}.{payload}.{signature}" + "=" * (-len(signature) % 4 or 4),
        "padded-header": f"{header}{'=' * (-len(header) % 4 or 4)}.{payload}.{signature}",
        "standard-alphabet": token.replace("-", "+").replace("_", "/"),
        "space": f"{header}.{payload}.{signature[:10]} {signature[10:]}",
        "newline": f"{header}.{payload}.{signature[:10]}\n{signature[10:]}",
        "tab": f"{header}\t.{payload}.{signature}",
        "trailing-newline": f"{header}.{payload}.{signature}\n",
        "non-ascii": f"{header}.{payload}.{signature[:5]}é{signature[5:]}",
        "fullwidth": f"{header}.{payload}.{signature[:5]}\uff21{signature[5:]}",
        "percent-encoded": f"{header}.{payload}.{signature[:5]}%41{signature[5:]}",
        "junk-after": f"{header}.{payload}.{signature}!!!!",
        "nul": f"{header}.{payload}.{signature}\x00",
        "length-1-mod-4": f"{header}.{payload}.{signature}" + "A" * ((1 - len(signature)) % 4),
    }
    if len(signature) % 4:
        out["signature-unused-bits"] = f"{header}.{payload}.{twiddle_last(signature)}"
    if len(payload) % 4:
        out["payload-unused-bits"] = f"{header}.{twiddle_last(payload)}.{signature}"
    if len(header) % 4:
        out["header-unused-bits"] = f"{twiddle_last(header)}.{payload}.{signature}"
    return out


@pytest.mark.parametrize("algorithm", ["RS256", "ES256", "ES512", "EdDSA"])
async def test_non_canonical_base64url(target: Target) -> None:
    """Each variant decodes (leniently) to the same signed bytes; none may be accepted, so a token
    has exactly one spelling (no signature malleability, no deny-list bypass)."""
    token = target.fake.token()
    while "-" not in token and "_" not in token:  # so the standard-alphabet spelling differs
        token = target.fake.token()
    found = variants(token)
    assert "signature-unused-bits" in found or target.fake.algorithm == "ES512"
    for name, variant in found.items():
        error = await target.refuse(variant, "malformed")
        assert error.status == 401, name
    await target.accept(token)


# -- segments --------------------------------------------------------------------------------------


async def test_wrong_number_of_segments(target: Target) -> None:
    token = target.fake.token()
    header, payload, signature = token.split(".")
    jwe = b64(json.dumps({"alg": "RSA-OAEP-256", "enc": "A256GCM", "kid": target.fake.key.kid}).encode())
    cases = {
        "empty": "",
        "one": header,
        "two": f"{header}.{payload}",
        "four": f"{token}.{signature}",
        "five (JWE)": f"{jwe}.{b64(b'k' * 256)}.{b64(b'iv' * 6)}.{b64(b'ct' * 20)}.{b64(b't' * 16)}",
        "six": f"{token}.a.b.c",
        "dots": "..",
        "many dots": "." * 100,
        "empty header": f".{payload}.{signature}",
        "empty payload": f"{header}..{signature}",
    }
    for name, value in cases.items():
        error = await target.refuse(value, "malformed")
        if name.startswith("five"):
            assert "JWE" in error.description, name
    assert target.network.requests == []  # refused before any key was looked up


# -- size -----------------------------------------------------------------------------------------


async def test_oversized_tokens_are_refused_before_decoding(target: Target, clock: Clock) -> None:
    limit = target.verifier.max_token_bytes
    real = target.fake.token(padding="x" * limit)
    assert len(real) > limit
    await target.refuse(real, "token_too_large")
    garbage = "A" * (10 * 1024 * 1024)  # 10 MB of one segment: never split, decoded or parsed
    await target.refuse(garbage, "token_too_large")
    nested = "[" * (limit * 2)
    await target.refuse(f"{b64(nested.encode())}.e30.", "token_too_large")
    assert target.network.requests == []
    small = TokenVerifier([target.fake.issuer_config()], now=clock, clock=clock, max_token_bytes=512)
    small_target = Target(target.fake, small, target.network, AuthInfoMiddleware(echo, verifier=small))
    await small_target.refuse(target.fake.token(), "token_too_large")


async def test_oversized_authorization_header_through_the_middleware(target: Target) -> None:
    reply = await call(target.app, [(b"authorization", b"Bearer " + b"A" * (1024 * 1024))])
    assert (reply.status, reply.body["error_code"]) == (401, "token_too_large")


# -- deeply nested JSON ----------------------------------------------------------------------------


def nested(depth: int) -> Any:
    value: Any = "leaf"
    for index in range(depth):
        value = [value] if index % 2 else {"n": value}
    return value


async def test_deeply_nested_json(target: Target, clock: Clock) -> None:
    wide = TokenVerifier(
        [target.fake.issuer_config()], now=clock, clock=clock, max_token_bytes=4 * 1024 * 1024
    )
    big = Target(target.fake, wide, target.network, AuthInfoMiddleware(echo, verifier=wide))
    claims = target.fake.default_claims()
    for depth in (33, 40, 300):
        signed = sign_raw(target.fake.key, header_of(target), {**claims, "deep": nested(depth)})
        await big.refuse(signed, "malformed")
    for depth in (990, 5000, 100_000):  # written as bytes: no JSON encoder nests this deep
        deep = json.dumps(claims).encode()[:-1] + b',"deep":' + b'{"n":' * depth + b"1" + b"}" * depth + b"}"
        await big.refuse(sign_raw(target.fake.key, header_of(target), deep), "malformed")
    bombs = [b"[" * 1_000_000, b'{"a":' * 200_000, b"[" * 990 + b"]" * 990]
    for bomb in bombs:
        await big.refuse(sign_raw(target.fake.key, header_of(target), bomb), "malformed")
        await big.refuse(sign_raw(target.fake.key, bomb, claims), "malformed")
    header_bomb = json.dumps(header_of(target)).encode()[:-1] + b',"x":' + b"[" * 500 + b"]" * 500 + b"}"
    await big.refuse(sign_raw(target.fake.key, header_bomb, claims), "malformed")
    # 31 levels under the top-level object (32 in all) is the deepest accepted
    await big.accept(sign_raw(target.fake.key, header_of(target), {**claims, "deep": nested(31)}))
    await big.refuse(
        sign_raw(target.fake.key, header_of(target), {**claims, "deep": nested(32)}), "malformed"
    )
