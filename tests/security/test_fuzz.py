"""The short CI run of the fuzz harness in ``fuzz/`` (see docs/security.md for the long runs).

Same checks as ``fuzz/fuzz_atheris.py`` and ``fuzz/fuzz_hypothesis.py``, bounded by the active
Hypothesis profile (the ``ci`` profile is derandomized and runs 100 examples per test).
"""

from __future__ import annotations

import functools
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from .conftest import load_fuzz_targets

targets: Any = load_fuzz_targets()


@functools.cache
def harness() -> Any:
    return targets.Harness()


@given(token=targets.tokens(harness().seeds) | st.text(max_size=300))
def test_fuzz_token_parser(token: str) -> None:
    targets.check_parse(token)


@pytest.mark.anyio
@given(token=targets.tokens(harness().seeds))
async def test_fuzz_verifier(token: str) -> None:
    verifier = harness().verifier()
    await targets.check_verify(harness(), verifier, token)
    await verifier.aclose()
    assert harness().strays == []


header_names = st.sampled_from([b"authorization", b"Authorization", b"cookie", b"x-other", b"AUTHORIZATION"])
header_lists = st.lists(
    st.tuples(header_names, st.binary(max_size=200) | targets.authorization_values(harness().seeds)),
    max_size=4,
)
cookie_values = st.lists(
    st.tuples(st.sampled_from(["__session", "other", "__session ", ""]), targets.tokens(harness().seeds)),
    max_size=3,
).map(lambda pairs: "; ".join(f"{name}={value}" for name, value in pairs).encode("utf-8", "surrogatepass"))
queries = st.binary(max_size=200) | targets.tokens(harness().seeds).map(
    lambda token: b"access_token=" + token.encode("utf-8", "surrogatepass")
)


@given(headers=header_lists, cookie=cookie_values, query=queries)
def test_fuzz_token_sources(headers: list[tuple[bytes, bytes]], cookie: bytes, query: bytes) -> None:
    targets.check_sources([*headers, (b"cookie", cookie)], query)


@pytest.mark.anyio
@given(headers=header_lists, cookie=cookie_values, query=queries)
async def test_fuzz_middleware_headers(
    headers: list[tuple[bytes, bytes]], cookie: bytes, query: bytes
) -> None:
    verifier = harness().verifier()
    app = harness().middleware(verifier)
    await targets.check_request(harness(), app, [*headers, (b"cookie", cookie)], query)
    await verifier.aclose()


@pytest.mark.anyio
async def test_fuzz_seeds_are_accepted() -> None:
    """The harness is sound: its minted tokens pass every check, through the verifier and the app."""
    verifier = harness().verifier()
    app = harness().middleware(verifier)
    for token in harness().seeds:
        targets.check_parse(token)
        assert await targets.check_verify(harness(), verifier, token) is None
        status = await targets.check_request(harness(), app, [(b"authorization", f"Bearer {token}".encode())])
        assert status == 200
    await verifier.aclose()
