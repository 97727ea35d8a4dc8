"""The fast checks on the hot path accept and refuse exactly what the slow originals do."""

from __future__ import annotations

import base64
import binascii
import re

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from asgi_authinfo import InvalidTokenError
from asgi_authinfo._jose import parse
from asgi_authinfo._token_sources import is_token68

BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
TOKEN68 = re.compile(r"[A-Za-z0-9\-._~+/]+=*")
HEADER_AND_PAYLOAD = "eyJhbGciOiJSUzI1NiJ9.e30"  # {"alg":"RS256"}.{}

segments = st.one_of(
    st.text(alphabet=BASE64URL, max_size=40),
    st.text(alphabet=BASE64URL + "=+/!~ \x00é", max_size=40),
    st.binary(max_size=30).map(lambda data: base64.urlsafe_b64encode(data).rstrip(b"=").decode()),
)


def canonical_decode(segment: str) -> bytes | None:
    """The slow original: decode with the standard library, then re-encode and compare."""
    if not segment.isascii() or any(char not in BASE64URL for char in segment):
        return None
    try:
        decoded = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except binascii.Error:
        return None
    return decoded if base64.urlsafe_b64encode(decoded).rstrip(b"=").decode() == segment else None


def fast_decode(segment: str) -> bytes | None:
    try:
        return parse(f"{HEADER_AND_PAYLOAD}.{segment}").signature
    except InvalidTokenError as error:
        if error.code != "malformed":
            raise AssertionError(f"parse refused with {error.code!r}") from error
        return None


@given(segments)
@example("")
@example("QQ")  # canonical "A"
@example("QR")  # same bits, non-zero unused bits: not canonical
@example("QUI")  # canonical "AB"
@example("QUJ")
@example("QQ==")  # padded (AWS ALB style): PyJWT accepts it, we do not
@example("QQ===")
@example("Q")
@example("+/+/")
def test_segment_decoding_matches_a_re_encode_comparison(segment: str) -> None:
    """The O(1) canonical check (length and the last character's unused bits) decides exactly
    what decoding and re-encoding decides (RFC 4648 §3.5)."""
    assert fast_decode(segment) == canonical_decode(segment)


@pytest.mark.parametrize("text", ["", "=", "abc", "abc==", "a=b", "a b", "é", "ab\x00", "-._~+/", "x" * 5000])
def test_token68_examples(text: str) -> None:
    assert is_token68(text) == bool(TOKEN68.fullmatch(text))


@given(st.text(alphabet=st.sampled_from(BASE64URL + ".~+/= \t\"',;é\x00"), max_size=30))
def test_token68_matches_the_rfc_grammar(text: str) -> None:
    assert is_token68(text) == bool(TOKEN68.fullmatch(text))
