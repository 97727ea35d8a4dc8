"""The fast checks on the hot path accept and refuse exactly what the slow originals do."""

from __future__ import annotations

import re

import jwt
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from asgi_authinfo._jose import _PyJWS
from asgi_authinfo._token_sources import is_token68

BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
TOKEN68 = re.compile(r"[A-Za-z0-9\-._~+/]+=*")

segments = st.one_of(
    st.text(alphabet=BASE64URL, max_size=40),
    st.text(alphabet=BASE64URL + "=+/.!~ \x00é", max_size=40),
    st.binary(max_size=30).map(lambda data: jwt.utils.base64url_encode(data).decode()),
).map(str.encode)


def pyjwt_decode(segment: bytes) -> bytes | str:
    try:
        return jwt.api_jws.PyJWS._decode_base64url_segment(segment, "payload")
    except jwt.DecodeError as error:
        return str(error)


def fast_decode(segment: bytes) -> bytes | str:
    try:
        return _PyJWS._decode_base64url_segment(segment, "payload")
    except jwt.DecodeError as error:
        return str(error)


@given(segments)
@example(b"")
@example(b"QQ")  # canonical "A"
@example(b"QR")  # same bits, non-zero padding bits: not canonical
@example(b"QQ==")  # padded (AWS ALB style): PyJWT accepts it
@example(b"QQ===")
@example(b"Q")
@example(b"+/+/")
def test_segment_decoding_matches_pyjwt(segment: bytes) -> None:
    assert fast_decode(segment) == pyjwt_decode(segment)


@pytest.mark.parametrize("text", ["", "=", "abc", "abc==", "a=b", "a b", "é", "ab\x00", "-._~+/", "x" * 5000])
def test_token68_examples(text: str) -> None:
    assert is_token68(text) == bool(TOKEN68.fullmatch(text))


@given(st.text(alphabet=st.sampled_from(BASE64URL + ".~+/= \t\"',;é\x00"), max_size=30))
def test_token68_matches_the_rfc_grammar(text: str) -> None:
    assert is_token68(text) == bool(TOKEN68.fullmatch(text))
