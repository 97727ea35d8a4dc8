"""Property-based refusal tests: for whole classes of inputs, never a pass and never a crash.

- any valid token with any single byte of any segment changed is refused;
- any claim set signed by a key the issuer does not publish is refused;
- the middleware never raises out of ``__call__`` for any bytes as the ``Authorization`` header.
"""

from __future__ import annotations

import functools
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_plugin import PRESETS, SigningKey
from pytest_plugin import strategies as plugin_strategies

from .conftest import attacker_key, load_fuzz_targets
from .forge import sign_raw

pytestmark = pytest.mark.anyio

targets: Any = load_fuzz_targets()


@functools.cache
def harness() -> Any:
    return targets.Harness()


def seeds() -> list[str]:
    return harness().seeds  # type: ignore[no-any-return]


@given(
    seed=st.integers(0, 5),
    segment=st.integers(0, 2),
    position=st.integers(0, 10_000),
    byte=st.integers(0, 255),
)
async def test_any_single_byte_change_to_any_segment_is_refused(
    seed: int, segment: int, position: int, byte: int
) -> None:
    token = seeds()[seed % len(seeds())]
    parts = token.split(".")
    part = parts[segment]
    index = position % len(part)
    if chr(byte) == part[index]:
        byte = (byte + 1) % 256
    parts[segment] = part[:index] + chr(byte) + part[index + 1 :]
    changed = ".".join(parts)
    verifier = harness().verifier()
    code = await targets.check_verify(harness(), verifier, changed)
    assert code is not None, "a token with a changed byte was accepted"
    assert code in {"malformed", "bad_signature", "unknown_key", "algorithm_not_allowed", "unknown_issuer"}
    app = harness().middleware(verifier)
    header = b"Bearer " + changed.encode("utf-8", "surrogatepass")
    assert await targets.check_request(harness(), app, [(b"authorization", header)]) in (400, 401)
    await verifier.aclose()


@st.composite
def claim_sets(draw: st.DrawFn) -> dict[str, Any]:
    """The plugin's claim sets, for any preset, at the harness's time and for its issuer and audience;
    sometimes with a claim made odd or dropped, so only the signature decides."""
    preset = draw(st.sampled_from(sorted(PRESETS)))
    claims: dict[str, Any] = draw(
        plugin_strategies.claim_sets(preset, now=targets.NOW, iss=targets.ISSUER, aud=targets.AUDIENCE)
    )
    odd = draw(st.sampled_from(["none", "drop", "iss", "exp"]))
    if odd == "drop":
        claims.pop(draw(st.sampled_from(sorted(claims))), None)
    elif odd == "iss":
        claims["iss"] = "https://attacker.example"
    elif odd == "exp":
        claims["exp"] = draw(st.sampled_from(["soon", 10**400, -1, None]))
    return claims


@given(
    claims=claim_sets(),
    alg=st.sampled_from(targets.ALGORITHMS),
    kid=st.sampled_from(["trusted", "attacker", None]),
)
async def test_any_claim_set_signed_by_an_untrusted_key_is_refused(
    claims: dict[str, Any], alg: str, kid: str | None
) -> None:
    trusted_kid = harness().fakes[alg].key.kid
    key: SigningKey = attacker_key(alg, kid="attacker")
    chosen = {"trusted": trusted_kid, "attacker": "attacker", None: None}[kid]
    header = {"alg": alg, "typ": "JWT"} | ({} if chosen is None else {"kid": chosen})
    token = sign_raw(key, header, claims)
    verifier = harness().verifier()
    code = await targets.check_verify(harness(), verifier, token)
    await verifier.aclose()
    assert code is not None, "a token signed by an untrusted key was accepted"
    if claims.get("iss") == targets.ISSUER:
        # the signature is checked before any claim rule: the key is what refuses it
        assert code in {"bad_signature", "unknown_key"}, code
    else:
        assert code == "unknown_issuer"


@given(value=st.binary(max_size=512) | targets.authorization_values(harness().seeds))
async def test_middleware_never_raises_for_any_authorization_header(value: bytes) -> None:
    verifier = harness().verifier()
    app = harness().middleware(verifier)
    status = await targets.check_request(harness(), app, [(b"authorization", value)])
    assert status in (200, 400, 401, 503)
    await verifier.aclose()
