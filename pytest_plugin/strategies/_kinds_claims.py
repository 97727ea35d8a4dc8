"""Invalid tokens whose claims are missing or mistyped, or break the issuer config's rules
(authorized party, token type, required claims)."""

from __future__ import annotations

from typing import Final

from hypothesis import strategies as st

from ._claims import Draw
from ._invalid_token import Context, InvalidToken, Kinds

__all__ = ["CLAIMS"]

CLAIMS: Final = Kinds()


@CLAIMS.register("missing_subject")
def _missing_subject(draw: Draw, ctx: Context) -> InvalidToken:
    claims = ctx.claims(draw)
    value = draw(st.sampled_from([None, "null"]))
    if value is None:
        del claims["sub"]
    else:
        claims["sub"] = None
    return InvalidToken(
        "missing_subject", "missing_claim", "no sub" if value is None else "sub is null", ctx.sign(claims)
    )


@CLAIMS.register("subject_not_a_string")
def _subject_not_a_string(draw: Draw, ctx: Context) -> InvalidToken:
    value = draw(st.sampled_from(["", 123, True, ["user_1"]]))
    claims = {**ctx.claims(draw), "sub": value}
    return InvalidToken("subject_not_a_string", "invalid_claim", f"sub is {value!r}", ctx.sign(claims))


@CLAIMS.register("missing_expiry")
def _missing_expiry(draw: Draw, ctx: Context) -> InvalidToken:
    claims = ctx.claims(draw)
    if draw(st.booleans()):
        claims["exp"] = None
        why = "exp is null"
    else:
        del claims["exp"]
        why = "no exp"
    return InvalidToken("missing_expiry", "missing_claim", why, ctx.sign(claims))


@CLAIMS.register("time_not_a_number")
def _time_not_a_number(draw: Draw, ctx: Context) -> InvalidToken:
    name = draw(st.sampled_from(["exp", "nbf", "iat"]))
    value = draw(
        st.sampled_from(["tomorrow", "1700000000", True, [1700000000], {"t": 1}, 1e300, -1e300, 10**400])
    )
    claims = {**ctx.claims(draw), name: value}
    why = f"{name} is {value!r}, not a NumericDate"
    return InvalidToken("time_not_a_number", "invalid_claim", why, ctx.sign(claims))


@CLAIMS.register("unauthorized_party", lambda ctx: bool(ctx.config.authorized_parties))
def _unauthorized_party(draw: Draw, ctx: Context) -> InvalidToken:
    allowed = tuple(ctx.config.authorized_parties or ())
    azp = draw(
        st.sampled_from(["https://evil.example", "http://localhost:1337", "https://app.example.net"]).filter(
            lambda candidate: candidate not in allowed
        )
    )
    claims = {**ctx.claims(draw), "azp": azp}
    return InvalidToken("unauthorized_party", "unauthorized_party", f"azp is {azp!r}", ctx.sign(claims))


def _media(typ: str) -> str:
    return typ.lower().removeprefix("application/")


@CLAIMS.register("wrong_token_type", lambda ctx: ctx.config.token_type is not None)
def _wrong_token_type(draw: Draw, ctx: Context) -> InvalidToken:
    expected = _media(ctx.config.token_type or "")
    typ = draw(
        st.sampled_from([None, "JWT", "application/jwt", "id_token+jwt", "dpop+jwt"]).filter(
            lambda candidate: candidate is None or _media(candidate) != expected
        )
    )
    token = ctx.sign(ctx.claims(draw), {"typ": typ})
    return InvalidToken("wrong_token_type", "wrong_token_type", f"typ is {typ!r}", token)


def _droppable_required(ctx: Context) -> list[str]:
    excluded = {"iss"} | ({"aud"} if ctx.config.audience else set())
    return [name for name in ctx.config.required_claims if name not in excluded]


@CLAIMS.register("missing_required_claim", lambda ctx: bool(_droppable_required(ctx)))
def _missing_required_claim(draw: Draw, ctx: Context) -> InvalidToken:
    name = draw(st.sampled_from(_droppable_required(ctx)))
    claims = ctx.claims(draw)
    del claims[name]
    return InvalidToken(
        "missing_required_claim", "missing_claim", f"no {name}, which is required", ctx.sign(claims)
    )
