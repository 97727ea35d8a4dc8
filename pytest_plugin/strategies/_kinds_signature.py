"""Invalid tokens that are not a genuine, well-formed JWS: wrong keys, tampering, algorithm attacks,
bad headers, broken encodings, oversize."""

from __future__ import annotations

import json
import string
from typing import Any, Final

from hypothesis import strategies as st

from .._forge import b64, decode_segment, forge, json_bytes, replace_segment, segments
from .._keys import ALGORITHMS, stranger_key
from ._claims import Draw
from ._invalid_token import Context, InvalidToken, Kinds

__all__ = ["SIGNATURE"]

SIGNATURE: Final = Kinds()


@SIGNATURE.register("wrong_key")
def _wrong_key(draw: Draw, ctx: Context) -> InvalidToken:
    key = stranger_key(ctx.issuer.key.alg, ctx.issuer.key.kid)
    token = key.sign(ctx.claims(draw), ctx.headers())
    why = f"signed by another {key.alg} key under the issuer's kid {key.kid!r}"
    return InvalidToken("wrong_key", "bad_signature", why, token)


@SIGNATURE.register("embedded_jwk")
def _embedded_jwk(draw: Draw, ctx: Context) -> InvalidToken:
    key = stranger_key(ctx.issuer.key.alg, ctx.issuer.key.kid)
    token = key.sign(ctx.claims(draw), {**ctx.headers(), "jwk": key.public_jwk})
    why = "signed by the attacker's key, which its header embeds as `jwk` (must be ignored)"
    return InvalidToken("embedded_jwk", "bad_signature", why, token)


@SIGNATURE.register("tampered_payload")
def _tampered_payload(draw: Draw, ctx: Context) -> InvalidToken:
    claims = ctx.claims(draw)
    token = ctx.sign(claims)
    change = draw(st.sampled_from(["role", "permissions", "sub", "exp", "org_id"]))
    values: dict[str, Any] = {
        "role": "admin",
        "permissions": ["*"],
        "sub": "user_01ADMIN",
        "exp": int(claims["exp"]) + 365 * 86400,
        "org_id": "org_01OTHER",
    }
    forged = {**claims, change: values[change]}
    if forged == claims:
        forged["tampered"] = True
    token = replace_segment(token, 1, b64(json_bytes(forged)))
    why = f"payload changed ({change}) after signing"
    return InvalidToken("tampered_payload", "bad_signature", why, token)


@SIGNATURE.register("tampered_signature")
def _tampered_signature(draw: Draw, ctx: Context) -> InvalidToken:
    token = ctx.sign(ctx.claims(draw))
    signature = bytearray(decode_segment(segments(token)[2]))
    bit = draw(st.integers(0, len(signature) * 8 - 1))
    signature[bit // 8] ^= 1 << (bit % 8)
    token = replace_segment(token, 2, b64(bytes(signature)))
    return InvalidToken("tampered_signature", "bad_signature", f"signature bit {bit} flipped", token)


@SIGNATURE.register("tampered_header")
def _tampered_header(draw: Draw, ctx: Context) -> InvalidToken:
    token = ctx.sign(ctx.claims(draw))
    extra = draw(
        st.sampled_from(
            [
                {"jku": "https://attacker.example/jwks.json"},
                {"x5u": "https://attacker.example/cert.pem"},
                {"cty": "JWT"},
            ]
        )
    )
    original = json.loads(decode_segment(segments(token)[0]))
    token = replace_segment(token, 0, b64(json_bytes({**original, **extra})))
    why = f"header gained {sorted(extra)} after signing"
    return InvalidToken("tampered_header", "bad_signature", why, token)


@SIGNATURE.register("alg_none")
def _alg_none(draw: Draw, ctx: Context) -> InvalidToken:
    alg = draw(st.sampled_from(["none", "None", "NONE", "nOnE"]))
    claims = ctx.claims(draw)
    token = forge(ctx.header(alg=alg), claims)
    if draw(st.booleans()):
        token = replace_segment(token, 2, segments(ctx.sign(claims))[2])
    return InvalidToken("alg_none", "algorithm_not_allowed", f"alg is {alg!r}", token)


@SIGNATURE.register("missing_alg")
def _missing_alg(draw: Draw, ctx: Context) -> InvalidToken:
    header = ctx.header()
    del header["alg"]
    token = forge(header, ctx.claims(draw), key=ctx.issuer.key)
    return InvalidToken("missing_alg", "algorithm_not_allowed", "the header has no alg", token)


@SIGNATURE.register("hmac_with_public_key")
def _hmac_with_public_key(draw: Draw, ctx: Context) -> InvalidToken:
    alg = draw(st.sampled_from(["HS256", "HS384", "HS512"]))
    key = ctx.issuer.key
    form = draw(st.sampled_from(["PEM", "JWK"]))
    secret = key.public_pem if form == "PEM" else json_bytes(key.public_jwk)
    token = forge(ctx.header(alg=alg), ctx.claims(draw), alg=alg, secret=secret)
    why = f"{alg} keyed with the issuer's public key ({form}): the key-confusion attack"
    return InvalidToken("hmac_with_public_key", "algorithm_not_allowed", why, token)


def _disallowed(ctx: Context) -> list[str]:
    return [alg for alg in ALGORITHMS if alg not in ctx.config.algorithms]


@SIGNATURE.register("disallowed_algorithm", lambda ctx: bool(_disallowed(ctx)))
def _disallowed_algorithm(draw: Draw, ctx: Context) -> InvalidToken:
    alg = draw(st.sampled_from(_disallowed(ctx)))
    key = stranger_key(alg, ctx.issuer.key.kid)
    token = key.sign(ctx.claims(draw), ctx.headers())
    why = f"signed with {alg}, which the issuer does not allow ({', '.join(ctx.config.algorithms)})"
    return InvalidToken("disallowed_algorithm", "algorithm_not_allowed", why, token)


@SIGNATURE.register("unknown_kid")
def _unknown_kid(draw: Draw, ctx: Context) -> InvalidToken:
    published = {key.kid for key in ctx.issuer.published_keys}
    kid = draw(
        st.text(string.ascii_letters + string.digits + "-_", min_size=1, max_size=16)
        .map(lambda text: f"unknown-{text}")
        .filter(lambda candidate: candidate not in published)
    )
    claims = ctx.claims(draw)
    # Issued well before any JWKS fetch: a token newer than the keys may carry a key published
    # since, and is answered 503 + Retry-After (refetch soon) instead of 401.
    claims["iat"] = min(claims.get("iat", ctx.now()), ctx.now() - 600)
    token = ctx.sign(claims, {"kid": kid})
    return InvalidToken("unknown_kid", "unknown_key", f"kid {kid!r} is not in the JWKS", token)


@SIGNATURE.register("missing_kid", lambda ctx: len(ctx.issuer.published_keys) > 1)
def _missing_kid(draw: Draw, ctx: Context) -> InvalidToken:
    token = ctx.sign(ctx.claims(draw), {"kid": None})
    why = f"no kid, and the JWKS has {len(ctx.issuer.published_keys)} keys"
    return InvalidToken("missing_kid", "unknown_key", why, token)


@SIGNATURE.register("kid_not_a_string")
def _kid_not_a_string(draw: Draw, ctx: Context) -> InvalidToken:
    kid = draw(st.sampled_from([123, True, [ctx.issuer.key.kid], {"kid": ctx.issuer.key.kid}]))
    token = forge(ctx.header(kid=kid), ctx.claims(draw), key=ctx.issuer.key)
    return InvalidToken("kid_not_a_string", "malformed", f"kid is {kid!r}", token)


@SIGNATURE.register("critical_header")
def _critical_header(draw: Draw, ctx: Context) -> InvalidToken:
    name = draw(st.sampled_from(["exp", "x-tenant", "http://example.com/ext"]))
    token = forge(ctx.header(crit=[name], **{name: True}), ctx.claims(draw), key=ctx.issuer.key)
    why = f"crit lists {name!r}, an extension the verifier does not understand"
    return InvalidToken("critical_header", "malformed", why, token)


@SIGNATURE.register("unencoded_payload")
def _unencoded_payload(draw: Draw, ctx: Context) -> InvalidToken:
    header = ctx.header(b64=False, crit=["b64"])
    token = forge(header, ctx.claims(draw), key=ctx.issuer.key)
    why = "RFC 7797 b64=false header (unencoded payload), which bearer tokens never use"
    return InvalidToken("unencoded_payload", "malformed", why, token)


@SIGNATURE.register("wrong_segment_count")
def _wrong_segment_count(draw: Draw, ctx: Context) -> InvalidToken:
    parts = segments(ctx.sign(ctx.claims(draw)))
    count = draw(st.sampled_from([1, 2, 4, 5]))
    chosen = (parts + parts)[:count] if count > 3 else parts[:count]
    return InvalidToken("wrong_segment_count", "malformed", f"{count} segments", ".".join(chosen))


@SIGNATURE.register("truncated")
def _truncated(draw: Draw, ctx: Context) -> InvalidToken:
    """Cut before the signature (fewer than 3 segments), or inside it: after a whole number of
    4-character groups (decodes to a short signature) or one character past one (undecodable).
    Cuts that leave a partial, non-canonical last character are not drawn: whether they are
    ``malformed`` depends on how strictly the base64url decoder reads them."""
    token = ctx.sign(ctx.claims(draw))
    last_dot = token.rindex(".")
    if draw(st.booleans()):
        cut = draw(st.integers(1, last_dot))
        why = f"cut to {cut} chars: fewer than 3 segments"
        return InvalidToken("truncated", "malformed", why, token[:cut])
    signature = len(token) - last_dot - 1
    left = 4 * draw(st.integers(0, (signature - 1) // 4)) + draw(st.sampled_from([0, 1]))
    truncated = token[: last_dot + 1 + left]
    if left % 4 == 1:
        why = f"signature cut to {left} base64url chars, which no bytes encode to"
        return InvalidToken("truncated", "malformed", why, truncated)
    return InvalidToken("truncated", "bad_signature", f"signature cut to {left} base64url chars", truncated)


_B64URL: Final = string.ascii_letters + string.digits + "-_"


@SIGNATURE.register("garbage")
def _garbage(draw: Draw, ctx: Context) -> InvalidToken:
    header = draw(
        st.integers(0, 20)
        .map(lambda n: 4 * n + 1)
        .flatmap(lambda n: st.text(_B64URL, min_size=n, max_size=n))
    )
    rest = draw(st.lists(st.text(_B64URL, max_size=40), min_size=2, max_size=2))
    token = ".".join([header, *rest])
    return InvalidToken("garbage", "malformed", "a header segment that is not base64url", token)


@SIGNATURE.register("header_not_json")
def _header_not_json(draw: Draw, ctx: Context) -> InvalidToken:
    header = draw(st.sampled_from([b"not json", b"[1,2]", b'"RS256"', b"{", b"null"]))
    token = replace_segment(ctx.sign(ctx.claims(draw)), 0, b64(header))
    return InvalidToken("header_not_json", "malformed", f"header is {header!r}", token)


@SIGNATURE.register("payload_not_json")
def _payload_not_json(draw: Draw, ctx: Context) -> InvalidToken:
    payload = draw(st.sampled_from([b"not json", b"[1,2,3]", b'"a string"', b"123", b"null", b"{"]))
    token = forge(ctx.header(), payload, key=ctx.issuer.key)
    return InvalidToken("payload_not_json", "malformed", f"payload is {payload!r}", token)


@SIGNATURE.register("oversized")
def _oversized(draw: Draw, ctx: Context) -> InvalidToken:
    pad = "x" * (ctx.max_token_bytes + draw(st.integers(0, 4096)))
    token = ctx.sign({**ctx.claims(draw), "pad": pad})
    why = f"{len(token)} bytes, over the {ctx.max_token_bytes} byte limit"
    return InvalidToken("oversized", "token_too_large", why, token)
