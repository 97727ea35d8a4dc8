"""The JOSE layer against PyJWT's own answers: ``parse`` + ``verify_signature`` accept exactly the
tokens PyJWT's public ``PyJWS().decode_complete`` accepts, minus what we refuse on purpose, and
read the same header, payload and signature from them. Real keys, real signatures throughout."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any, Final

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa
from hypothesis import example, given
from hypothesis import strategies as st

from asgi_authinfo import InvalidTokenError, _jose
from asgi_authinfo._jose import MAX_JSON_DEPTH, ParsedToken, VerifyingKey, parse, verify_signature

PRIVATE_KEYS: Final[dict[str, Any]] = {
    "RS256": rsa.generate_private_key(public_exponent=65537, key_size=2048),
    "ES256": ec.generate_private_key(ec.SECP256R1()),
    "EdDSA": ed25519.Ed25519PrivateKey.generate(),
}
KTY: Final = {"RS": "RSA", "PS": "RSA", "ES": "EC", "Ed": "OKP"}


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def sign(alg: str, signing_input: bytes, private_key: Any = None) -> bytes:
    """PyJWT's public algorithm object signs (PKCS#1 v1.5, raw r||s for ECDSA, Ed25519/Ed448)."""
    return jwt.get_algorithm_by_name(alg).sign(signing_input, private_key or PRIVATE_KEYS[alg])


def verifying_key(alg: str, private_key: Any = None) -> VerifyingKey:
    public_key = (private_key or PRIVATE_KEYS[alg]).public_key()
    curve = public_key.curve.name if isinstance(public_key, ec.EllipticCurvePublicKey) else None
    return VerifyingKey(kid=None, kty=KTY[alg[:2]], alg=alg, public_key=public_key, curve=curve)


# -- the two verdicts ------------------------------------------------------------------------------

Verdict = tuple[dict[str, Any], dict[str, Any], bytes] | None


def pyjwt_verdict(token: str, alg: str) -> Verdict:
    """PyJWT's public JWS API, plus what ``jwt.decode`` asks of a JWT payload (a JSON object)."""
    try:
        decoded = jwt.api_jws.PyJWS().decode_complete(token, PRIVATE_KEYS[alg].public_key(), algorithms=[alg])
        claims = json.loads(decoded["payload"])
    except (jwt.PyJWTError, ValueError, RecursionError):
        return None
    if not isinstance(claims, dict):
        return None
    return decoded["header"], claims, decoded["signature"]


def our_verdict(token: str, alg: str) -> Verdict:
    """``parse``, the verifier's header rules (allowed ``alg``, no ``crit``, a string ``kid``),
    then ``verify_signature``: the JOSE part of ``TokenVerifier.verify``."""
    try:
        parsed = parse(token)
    except InvalidTokenError as error:
        return _malformed(error)
    header = parsed.header
    if header.get("alg") != alg or "crit" in header or not isinstance(header.get("kid", ""), str):
        return None
    if not verify_signature(parsed, alg, verifying_key(alg)):
        return None
    return dict(header), parsed.claims, parsed.signature


def _malformed(error: InvalidTokenError) -> None:
    if error.code != "malformed":
        raise AssertionError(f"parse refused with {error.code!r}") from error


def refused_on_purpose(token: str) -> str | None:
    """Why we refuse a token PyJWT accepts, decided the slow, obvious way (or None)."""
    segments = token.split(".")
    if any("=" in segment for segment in segments):
        return "padded base64url"
    for part, segment in zip(("header", "payload"), segments, strict=False):
        data = unb64(segment)
        try:
            text = data.decode("utf-8")  # PyJWT's json.loads(bytes) also reads UTF-16/32, BOMs, surrogates
            value = json.loads(text, object_pairs_hook=_no_repeats)
        except UnicodeDecodeError:
            return f"{part} is not UTF-8"
        except _Repeated:
            return f"{part} repeats a name"
        except ValueError:
            return f"{part} is JSON only once decoded from another encoding"
        if _depth(value) > MAX_JSON_DEPTH:
            return f"{part} nests too deep"
        if part == "header" and "crit" in value:
            return "crit"
    return None


class _Repeated(Exception):
    pass


def _no_repeats(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    if len({name for name, _ in pairs}) != len(pairs):
        raise _Repeated
    return dict(pairs)


def _depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max(map(_depth, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(_depth, value), default=0)
    return 0


def same(ours: Verdict, theirs: Verdict) -> bool:
    if ours is None or theirs is None:
        return ours is theirs
    # json.dumps so that NaN (which PyJWT's json.loads reads too) compares equal to itself
    return json.dumps(ours[:2]) == json.dumps(theirs[:2]) and ours[2] == theirs[2]


# -- generated tokens ------------------------------------------------------------------------------

scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8)
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=8,
)


def nested(depth: int) -> Any:
    value: Any = 1
    for index in range(depth):
        value = [value] if index % 2 else {"n": value}
    return value


@st.composite
def documents(draw: st.DrawFn, base: dict[str, Any], extras: st.SearchStrategy[dict[str, Any]]) -> bytes:
    """A JSON object as bytes, or one of the ways a header or payload goes wrong."""
    document = {**base, **draw(extras)}
    plain = json.dumps(document, separators=(",", ":")).encode()
    kind = draw(
        st.sampled_from(
            ["plain"] * 6
            + ["spaced", "repeated", "nested-repeat", "deep", "bad-utf8", "surrogate", "escaped-surrogate"]
            + ["other-encoding", "not-an-object", "nan", "truncated"]
        )
    )
    first = next(iter(document), "x")
    tail = plain[:-1] + (b"," if document else b"")
    match kind:
        case "plain":
            return plain
        case "spaced":
            return b" \n" + json.dumps(document, indent=draw(st.sampled_from([None, 1]))).encode() + b"\t"
        case "repeated":
            return tail + json.dumps({first: draw(json_values)})[1:].encode()
        case "nested-repeat":
            return tail + b'"x":{"a":1,"a":2}}'
        case "deep":
            depth = draw(st.integers(MAX_JSON_DEPTH - 2, MAX_JSON_DEPTH + 2))
            return tail + b'"deep":' + json.dumps(nested(depth)).encode() + b"}"
        case "bad-utf8":
            bad = draw(st.sampled_from([b"\xff", b"\xc3\x28", b"\xc0\xaf", b"\x80"]))
            return tail + b'"x":"' + bad + b'"}'
        case "surrogate":
            return tail + b'"x":"\xed\xa0\x80"}'  # an encoded surrogate: not UTF-8
        case "escaped-surrogate":
            return tail + b'"x":"\\ud800"}'  # valid JSON text in valid UTF-8
        case "other-encoding":
            encoding = draw(st.sampled_from(["utf-16", "utf-16-le", "utf-32", "utf-8-sig"]))
            return plain.decode().encode(encoding)
        case "not-an-object":
            return json.dumps(draw(json_values.filter(lambda v: not isinstance(v, dict)))).encode()
        case "nan":
            return tail + b'"x":NaN}'
        case _:
            return plain[: draw(st.integers(0, max(len(plain) - 1, 0)))]


@st.composite
def encoded(draw: st.DrawFn, data: bytes) -> str:
    """``data`` in base64url, canonical or in one of the spellings PyJWT and we read differently."""
    text = b64(data)
    kind = draw(st.sampled_from(["canonical"] * 5 + ["padded", "unused-bits", "standard-alphabet", "space"]))
    if kind == "padded":
        return text + "=" * draw(st.integers(0, 3))
    if kind == "unused-bits" and len(text) % 4 in (2, 3):
        step = 16 if len(text) % 4 == 2 else 4
        index = _jose._COMPACT.index(text[-1].encode())
        return text[:-1] + chr(_jose._COMPACT[index + draw(st.integers(1, step - 1))])
    if kind == "standard-alphabet":
        return text.replace("-", "+").replace("_", "/")
    if kind == "space" and text:
        at = draw(st.integers(0, len(text)))
        return text[:at] + draw(st.sampled_from([" ", "\n", "\t"])) + text[at:]
    return text


header_extras = st.fixed_dictionaries(
    {},
    optional={
        "typ": st.sampled_from(["JWT", "at+jwt"]) | scalars,
        "kid": st.sampled_from(["k1", "k2"]) | scalars,
        "crit": st.sampled_from([["b64"], ["exp"], [], "b64"]),
        "b64": st.booleans(),
        "jwk": st.dictionaries(st.text(max_size=3), scalars, max_size=2),
        "x": json_values,
    },
)
payload_extras = st.dictionaries(st.text(max_size=6), json_values, max_size=4)


@st.composite
def tokens(draw: st.DrawFn) -> tuple[str, str]:
    """(token, alg): signed with the real key over its signing input as written, then maybe edited."""
    alg = draw(st.sampled_from(sorted(PRIVATE_KEYS)))
    header_alg = draw(st.sampled_from([alg] * 8 + ["none", "HS256", "RS512", ""]))
    header = draw(documents({"alg": header_alg}, header_extras))
    payload = draw(documents({"sub": "user_1", "iss": "https://issuer.test"}, payload_extras))
    signing_input = f"{draw(encoded(header))}.{draw(encoded(payload))}"
    signature = sign(alg, signing_input.encode())
    token = f"{signing_input}.{draw(encoded(signature))}"
    edit = draw(st.sampled_from(["none"] * 6 + ["replace", "insert", "delete", "cut", "swap-signature"]))
    at = draw(st.integers(0, len(token) - 1))
    char = draw(st.sampled_from(sorted(_jose._COMPACT.decode() + "=+/ é")))
    match edit:
        case "replace":
            token = token[:at] + char + token[at + 1 :]
        case "insert":
            token = token[:at] + char + token[at:]
        case "delete":
            token = token[:at] + token[at + 1 :]
        case "cut":
            token = token[:at]
        case "swap-signature":
            token = f"{signing_input}.{b64(sign(alg, b'another message'))}"
    return token, alg


@given(tokens())
@example(("eyJhbGciOiJSUzI1NiJ9.e30.", "RS256"))  # empty signature
def test_accepts_exactly_what_pyjwt_accepts_minus_our_refusals(case: tuple[str, str]) -> None:
    token, alg = case
    theirs = pyjwt_verdict(token, alg)
    ours = our_verdict(token, alg)
    if theirs is not None and ours is None:
        assert refused_on_purpose(token), "PyJWT accepts a token we refuse for no listed reason"
        return
    assert same(ours, theirs)


def token_of(alg: str, header: bytes, payload: bytes, padded: bool = False) -> str:
    pad: Callable[[str], str] = (lambda s: s + "=" * (-len(s) % 4)) if padded else (lambda s: s)
    signing_input = f"{pad(b64(header))}.{pad(b64(payload))}"
    return f"{signing_input}.{pad(b64(sign(alg, signing_input.encode())))}"


GOOD_HEADER = b'{"alg":"RS256","typ":"JWT","kid":"k1"}'
GOOD_PAYLOAD = b'{"sub":"user_1","iss":"https://issuer.test","aud":["a","b"],"n":{"x":[1,2.5,null]}}'


@pytest.mark.parametrize(
    ("why", "token"),
    [
        ("padded base64url", token_of("RS256", GOOD_HEADER, GOOD_PAYLOAD + b" ", padded=True)),
        ("repeated name", token_of("RS256", GOOD_HEADER, b'{"sub":"a","sub":"admin"}')),
        ("repeated header name", token_of("RS256", b'{"alg":"none","alg":"RS256"}', GOOD_PAYLOAD)),
        ("too deep", token_of("RS256", GOOD_HEADER, json.dumps({"d": nested(MAX_JSON_DEPTH)}).encode())),
        ("UTF-16", token_of("RS256", GOOD_HEADER, GOOD_PAYLOAD.decode().encode("utf-16"))),
        ("UTF-8 BOM", token_of("RS256", GOOD_HEADER.decode().encode("utf-8-sig"), GOOD_PAYLOAD)),
        ("encoded surrogate", token_of("RS256", GOOD_HEADER, b'{"sub":"\xed\xa0\x80"}')),
        ("crit", token_of("RS256", b'{"alg":"RS256","crit":["b64"],"b64":true}', GOOD_PAYLOAD)),
    ],
)
def test_what_we_refuse_on_purpose_pyjwt_accepts(why: str, token: str) -> None:
    assert pyjwt_verdict(token, "RS256") is not None
    assert our_verdict(token, "RS256") is None
    assert refused_on_purpose(token)


@pytest.mark.parametrize("alg", sorted(PRIVATE_KEYS))
def test_a_plain_token_reads_the_same(alg: str) -> None:
    token = token_of(alg, GOOD_HEADER.replace(b"RS256", alg.encode()), GOOD_PAYLOAD)
    verdict = our_verdict(token, alg)
    assert verdict is not None and same(verdict, pyjwt_verdict(token, alg))


def test_unencoded_payload_is_refused() -> None:
    for payload in (b"", b"e30"):
        header = b64(b'{"alg":"RS256","b64":false,"crit":["b64"]}')
        signing_input = f"{header}.{payload.decode()}"
        token = f"{signing_input}.{b64(sign('RS256', signing_input.encode()))}"
        with pytest.raises(InvalidTokenError, match="b64"):
            parse(token)


# -- the header cache ------------------------------------------------------------------------------


def test_each_parse_gets_its_own_header() -> None:
    token = token_of("RS256", GOOD_HEADER, GOOD_PAYLOAD)
    first = parse(token).header
    assert isinstance(first, dict)
    first["alg"] = "none"
    first["kid"] = "attacker"
    assert parse(token).header == json.loads(GOOD_HEADER)
    nested_header = b'{"alg":"RS256","jwk":{"kty":"RSA","n":"x"}}'
    token = token_of("RS256", nested_header, GOOD_PAYLOAD)
    parse(token).header["jwk"]["n"] = "y"
    assert parse(token).header == json.loads(nested_header)


def test_the_header_cache_is_bounded() -> None:
    for index in range(500):
        header = json.dumps({"alg": "RS256", "kid": f"k{index}"}).encode()
        token = token_of("RS256", header, GOOD_PAYLOAD)
        assert parse(token).header == {"alg": "RS256", "kid": f"k{index}"}
        assert len(_jose._HEADERS) <= _jose._HEADERS_KEPT


# -- verify_signature -------------------------------------------------------------------------------

EVERY_ALGORITHM: Final[dict[str, Any]] = {
    **PRIVATE_KEYS,
    "RS512": PRIVATE_KEYS["RS256"],
    "PS256": PRIVATE_KEYS["RS256"],
    "PS384": PRIVATE_KEYS["RS256"],
    "ES384": ec.generate_private_key(ec.SECP384R1()),
    "ES512": ec.generate_private_key(ec.SECP521R1()),
    "EdDSA-448": ed448.Ed448PrivateKey.generate(),
}


def parsed_with(signature: bytes) -> ParsedToken:
    return ParsedToken({"alg": "x"}, {}, b"header.payload", signature)


@pytest.mark.parametrize("name", sorted(EVERY_ALGORITHM))
def test_a_bad_signature_of_any_length_is_false(name: str) -> None:
    alg = name.split("-")[0]
    key = verifying_key(alg, EVERY_ALGORITHM[name])
    good = sign(alg, b"header.payload", EVERY_ALGORITHM[name])
    assert verify_signature(parsed_with(good), alg, key) is True
    flipped = good[:-1] + bytes([good[-1] ^ 1])
    for signature in (b"", b"\x00", flipped, good + b"\x00", good[:-1], b"\xff" * len(good), b"x" * 4096):
        assert verify_signature(parsed_with(signature), alg, key) is False


@pytest.mark.parametrize(
    ("alg", "wrong"),
    [
        ("RS256", PRIVATE_KEYS["ES256"].public_key()),
        ("RS256", None),
        ("PS256", PRIVATE_KEYS["EdDSA"].public_key()),
        ("ES256", PRIVATE_KEYS["RS256"].public_key()),
        ("EdDSA", PRIVATE_KEYS["RS256"].public_key()),
        ("EdDSA", "not a key"),
    ],
)
def test_a_wrong_key_object_is_a_bug_not_a_bad_signature(alg: str, wrong: Any) -> None:
    key = VerifyingKey(kid=None, kty="RSA", alg=alg, public_key=wrong)
    with pytest.raises((TypeError, AttributeError)):
        verify_signature(parsed_with(b"x" * 64), alg, key)


def test_tokens_share_their_claim_names() -> None:
    """Cached tokens keep one copy of each claim name, not one per token (memory per cached token)."""
    first = parse(token_of("RS256", GOOD_HEADER, b'{"sub":"a","email":"a@example.com"}')).claims
    second = parse(token_of("RS256", GOOD_HEADER, b'{"sub":"b","email":"b@example.com"}')).claims
    assert [id(name) for name in first] == [id(name) for name in second]
    long_name = "n" * 500
    for index in range(2 * _jose._NAMES_KEPT):
        payload = json.dumps({f"claim_{index}": 1, long_name: 2}).encode()
        assert parse(token_of("RS256", GOOD_HEADER, payload)).claims == {f"claim_{index}": 1, long_name: 2}
        assert len(_jose._NAMES) <= _jose._NAMES_KEPT
    assert long_name not in _jose._NAMES
