"""Valid tokens: a fake issuer's signature over a claim set of its preset."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from .._fake_issuer import FakeIssuer
from ._claims import claim_sets

__all__ = ["tokens"]


def tokens(issuer: FakeIssuer, **fixed: Any) -> st.SearchStrategy[str]:
    """Valid tokens from ``issuer``: :func:`claim_sets` of its preset, its ``iss``/``aud``, its key."""
    return claim_sets(
        issuer.preset, now=issuer.now, **{"iss": issuer.issuer, "aud": issuer.audience, **fixed}
    ).map(lambda claims: issuer.key.sign(claims))
