"""Token sources: where the token is read from, and 400s for unreadable credentials."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from asgi_authinfo import BearerHeader, Cookie, InvalidRequestError, QueryParam
from asgi_authinfo._token_sources import token_from


def scope(headers: list[tuple[bytes, bytes]] = (), kind: str = "http", query: bytes = b"") -> dict[str, Any]:  # type: ignore[assignment]
    return {"type": kind, "headers": list(headers), "query_string": query}


@pytest.mark.parametrize("scheme", [b"Bearer", b"bearer", b"BEARER", b"bEaReR"])
def test_bearer_scheme_is_case_insensitive(scheme: bytes) -> None:
    assert BearerHeader().token(scope([(b"authorization", scheme + b" abc.def.ghi")])) == "abc.def.ghi"


@pytest.mark.parametrize(
    "value", [b"Bearer", b"Bearer ", b"Bearer a b", b"Bearer a,b", b"Bearer \xff\xfe", b"Bearer a\tb"]
)
def test_malformed_bearer_is_400(value: bytes) -> None:
    with pytest.raises(InvalidRequestError) as caught:
        BearerHeader().token(scope([(b"authorization", value)]))
    assert caught.value.status == 400 and caught.value.error == "invalid_request"


def test_other_schemes_are_not_ours() -> None:
    assert BearerHeader().token(scope([(b"authorization", b"Basic dXNlcjpwYXNz")])) is None
    assert BearerHeader().token(scope()) is None


def test_cookie_source() -> None:
    source = Cookie("__session")
    assert source.token(scope([(b"cookie", b"a=1; __session=tok.en.x; b=2")])) == "tok.en.x"
    assert source.token(scope([(b"cookie", b"__session_other=x")])) is None
    with pytest.raises(InvalidRequestError):
        source.token(scope([(b"cookie", b"__session=a"), (b"cookie", b"__session=b")]))


def test_query_param_only_on_websocket() -> None:
    source = QueryParam("access_token")
    assert source.token(scope(kind="websocket", query=b"access_token=t.o.k")) == "t.o.k"
    assert source.token(scope(kind="http", query=b"access_token=t.o.k")) is None
    with pytest.raises(InvalidRequestError):
        source.token(scope(kind="websocket", query=b"access_token=a&access_token=b"))


def test_two_different_tokens_are_a_conflict() -> None:
    sources = [BearerHeader(), Cookie()]
    both = scope([(b"authorization", b"Bearer a.b.c"), (b"cookie", b"__session=x.y.z")])
    with pytest.raises(InvalidRequestError) as caught:
        token_from(sources, both)
    assert caught.value.code == "conflicting_tokens"
    same = scope([(b"authorization", b"Bearer a.b.c"), (b"cookie", b"__session=a.b.c")])
    assert token_from(sources, same) == "a.b.c"


@given(st.binary(max_size=300))
def test_any_header_bytes_give_a_token_none_or_a_400(value: bytes) -> None:
    try:
        token = token_from([BearerHeader(), Cookie()], scope([(b"authorization", value), (b"cookie", value)]))
    except InvalidRequestError:
        return
    assert token is None or isinstance(token, str)
