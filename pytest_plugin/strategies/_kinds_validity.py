"""Invalid tokens outside their validity window, or for another issuer or audience."""

from __future__ import annotations

import math
from typing import Final

from hypothesis import strategies as st

from ._claims import Draw
from ._invalid_token import Context, InvalidToken, Kinds

__all__ = ["VALIDITY"]

VALIDITY: Final = Kinds()

_LIFETIMES: Final = st.integers(60, 86400)
_YEARS: Final = 10 * 365 * 86400


@VALIDITY.register("expired")
def _expired(draw: Draw, ctx: Context) -> InvalidToken:
    claims = ctx.claims(draw)
    exp = math.floor(ctx.now() - ctx.leeway) - draw(st.integers(1, _YEARS))
    claims.update(exp=exp, iat=exp - draw(_LIFETIMES))
    claims["nbf"] = claims["iat"]
    return InvalidToken("expired", "expired", f"exp is {exp}, past now minus leeway", ctx.sign(claims))


@VALIDITY.register("not_yet_valid")
def _not_yet_valid(draw: Draw, ctx: Context) -> InvalidToken:
    claims = ctx.claims(draw)
    nbf = math.ceil(ctx.now() + ctx.leeway) + draw(st.integers(60, _YEARS))
    claims.update(nbf=nbf, exp=nbf + draw(_LIFETIMES))
    return InvalidToken(
        "not_yet_valid", "not_yet_valid", f"nbf is {nbf}, after now plus leeway", ctx.sign(claims)
    )


@VALIDITY.register("issued_in_future")
def _issued_in_future(draw: Draw, ctx: Context) -> InvalidToken:
    claims = ctx.claims(draw)
    iat = math.ceil(ctx.now() + ctx.leeway) + draw(st.integers(60, _YEARS))
    claims.pop("nbf", None)
    claims.update(iat=iat, exp=iat + draw(_LIFETIMES))
    why = f"iat is {iat}, after now plus leeway (no nbf)"
    return InvalidToken("issued_in_future", "not_yet_valid", why, ctx.sign(claims))


@VALIDITY.register("wrong_issuer")
def _wrong_issuer(draw: Draw, ctx: Context) -> InvalidToken:
    iss = ctx.issuer.issuer
    lookalikes = [iss.rstrip("/") if iss.endswith("/") else iss + "/", iss.upper(), iss + "/tenant"]
    if iss.startswith("https://"):
        lookalikes.append("http://" + iss.removeprefix("https://"))
    others = st.sampled_from(
        ["https://evil.example", "https://login.example.org/tenant", "https://auth.test"]
    )
    value = draw((st.sampled_from(lookalikes) | others).filter(lambda candidate: candidate != iss))
    claims = {**ctx.claims(draw), "iss": value}
    return InvalidToken("wrong_issuer", "unknown_issuer", f"iss is {value!r}", ctx.sign(claims))


@VALIDITY.register("issuer_not_a_string")
def _issuer_not_a_string(draw: Draw, ctx: Context) -> InvalidToken:
    iss = ctx.issuer.issuer
    value = draw(st.sampled_from([None, [iss], {"url": iss}, 123, True]))
    claims = ctx.claims(draw)
    if value is None:
        del claims["iss"]
    else:
        claims["iss"] = value
    why = "no iss" if value is None else f"iss is {value!r}"
    return InvalidToken("issuer_not_a_string", "unknown_issuer", why, ctx.sign(claims))


def _has_audience(ctx: Context) -> bool:
    return bool(ctx.config.audience)


@VALIDITY.register("wrong_audience", _has_audience)
def _wrong_audience(draw: Draw, ctx: Context) -> InvalidToken:
    expected = tuple(ctx.config.audience or ())
    lookalikes = [f"{aud}/" for aud in expected] + [aud.upper() for aud in expected]
    other = st.sampled_from(["api://other", "https://api.other.example", "account", *lookalikes]).filter(
        lambda candidate: candidate not in expected
    )
    value = draw(st.none() | other | st.lists(other, max_size=3))
    claims = ctx.claims(draw)
    if value is None:
        del claims["aud"]
    else:
        claims["aud"] = value
    why = "no aud" if value is None else f"aud is {value!r}, expected one of {list(expected)}"
    return InvalidToken("wrong_audience", "audience_mismatch", why, ctx.sign(claims))


@VALIDITY.register("audience_not_a_string", _has_audience)
def _audience_not_a_string(draw: Draw, ctx: Context) -> InvalidToken:
    expected = next(iter(ctx.config.audience or ()))
    value = draw(st.sampled_from([123, True, {"aud": expected}, [1], [expected, 2]]))
    claims = {**ctx.claims(draw), "aud": value}
    why = f"aud is {value!r}: neither a string nor a list of strings"
    return InvalidToken("audience_not_a_string", "invalid_claim", why, ctx.sign(claims))
