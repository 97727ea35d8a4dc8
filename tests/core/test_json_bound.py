"""The token cache counts an entry's claims by ``json_bound``: never less than they really hold."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from asgi_authinfo._footprint import json_bound, walk
from asgi_authinfo._frozen import freeze
from asgi_authinfo._jose import _json_object

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**300), max_value=10**300)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40)
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=6) | st.dictionaries(st.text(max_size=12), inner, max_size=6),
    max_leaves=60,
)
OBJECTS = st.dictionaries(st.text(max_size=12), JSON_VALUES, max_size=12)


@settings(max_examples=100)
@given(claims=OBJECTS, ascii_only=st.booleans(), compact=st.booleans())
@example(claims={"groups": [{"i": i} for i in range(50)]}, ascii_only=True, compact=True)
@example(claims={"n": "a" * 500 + "\U0001f600"}, ascii_only=True, compact=True)
@example(claims={"n": "é" * 500}, ascii_only=False, compact=True)
@example(claims={"a": [[]] * 50, "b": [{}] * 50}, ascii_only=True, compact=True)
def test_the_bound_is_at_least_what_the_frozen_claims_hold(
    claims: dict[str, Any], ascii_only: bool, compact: bool
) -> None:
    separators = (",", ":") if compact else (", ", ": ")
    text = json.dumps(claims, ensure_ascii=ascii_only, separators=separators).encode()
    decoded = _json_object(text, "payload")
    assert json_bound(text) >= walk(freeze(decoded))
