"""``invalid_tokens``: tokens a correct verifier refuses, each labelled with its refusal code."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Final

from hypothesis import strategies as st

from asgi_authinfo import DEFAULT_MAX_TOKEN_BYTES, Issuer

from .._fake_issuer import FakeIssuer
from ._claims import Draw
from ._invalid_token import Applies, Builder, Context, InvalidToken
from ._kinds_claims import CLAIMS
from ._kinds_signature import SIGNATURE
from ._kinds_validity import VALIDITY

__all__ = ["KINDS", "invalid_tokens"]

_KINDS: Final[Mapping[str, tuple[Builder, Applies]]] = {
    **VALIDITY.by_name,
    **SIGNATURE.by_name,
    **CLAIMS.by_name,
}

KINDS: Final = tuple(_KINDS)
"""Every kind of invalid token :func:`invalid_tokens` draws (some only when the issuer config has
the rule they break, e.g. ``wrong_audience`` only with an ``audience``)."""


def invalid_tokens(
    issuer: FakeIssuer,
    *,
    config: Issuer | None = None,
    kinds: Iterable[str] | None = None,
    max_token_bytes: int = DEFAULT_MAX_TOKEN_BYTES,
) -> st.SearchStrategy[InvalidToken]:
    """Tokens a correct verifier refuses, each an :class:`InvalidToken` labelled with its refusal ``code``.

    ``config`` is the ``Issuer`` the verifier trusts (default: ``issuer.issuer_config()``); it
    decides which kinds apply (audience, authorized parties, token type, required claims).
    ``kinds`` restricts the draw to some of :data:`KINDS`. Shrinks towards an expired token.
    """
    ctx = Context(issuer, config or issuer.issuer_config(), max_token_bytes)
    if issuer.key.alg not in ctx.config.algorithms:
        raise ValueError(
            f"the issuer config allows {list(ctx.config.algorithms)}, but the fake issuer signs with "
            f"{issuer.key.alg}: every token would be refused for its algorithm"
        )
    applicable = [name for name, (_, applies) in _KINDS.items() if applies(ctx)]
    if kinds is not None:
        wanted = list(dict.fromkeys(kinds))
        unknown = [name for name in wanted if name not in _KINDS]
        if unknown:
            raise ValueError(f"unknown invalid-token kinds {unknown}; known: {', '.join(KINDS)}")
        missing = [name for name in wanted if name not in applicable]
        if missing:
            raise ValueError(
                f"kinds {missing} do not apply to this issuer config (they need a rule it lacks)"
            )
        applicable = wanted
    if not applicable:
        raise ValueError("no kind of invalid token to draw")

    return _drawn_invalid_tokens(tuple(applicable), ctx)


@st.composite
def _drawn_invalid_tokens(draw: Draw, kinds: tuple[str, ...], ctx: Context) -> InvalidToken:
    builder = _KINDS[draw(st.sampled_from(kinds))][0]
    return builder(draw, ctx)
