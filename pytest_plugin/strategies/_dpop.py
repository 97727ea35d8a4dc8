"""Invalid DPoP requests (RFC 9449), each labelled with the refusal code a correct server gives.

Each example is a DPoP-bound token from the fake issuer and the headers one request sends with
it; ``primer`` (when set) is a valid request to send first, e.g. the original of a replay.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

import jwt
from hypothesis import strategies as st
from jwt.algorithms import get_default_algorithms

from asgi_authinfo import ErrorCode

from .._dpop import DpopKey, dpop_key
from .._fake_issuer import FakeIssuer
from ._claims import Draw

__all__ = ["DPOP_KINDS", "InvalidDpopRequest", "invalid_dpop_requests"]


@dataclass(frozen=True, slots=True)
class InvalidDpopRequest:
    """A request a correct server refuses with ``code``: ``headers`` to send to ``method`` ``url``."""

    kind: str
    code: ErrorCode
    why: str
    method: str
    url: str
    headers: dict[str, str] = field(repr=False)
    primer: dict[str, str] | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class _Setup:
    fake: FakeIssuer
    key: DpopKey
    token: str
    method: str
    url: str
    max_age: float
    leeway: float

    def proof(self, **options: Any) -> str:
        options.setdefault("at", self.fake.now())
        return self.key.proof(self.method, self.url, token=self.token, **options)

    def sent(self, proof: str) -> dict[str, str]:
        return {"Authorization": f"DPoP {self.token}", "DPoP": proof}


def _b64(data: dict[str, Any]) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _claims_of(setup: _Setup) -> dict[str, Any]:
    return jwt.decode(setup.proof(), options={"verify_signature": False})


def _wrong_htm(draw: Draw, s: _Setup) -> tuple[str, dict[str, str]]:
    htm = draw(
        st.sampled_from(["POST", "PUT", "DELETE", "PATCH", "get", "HEAD"]).filter(lambda m: m != s.method)
    )
    return f"the proof is for {htm}", s.sent(s.proof(claims={"htm": htm}))


def _wrong_htu(draw: Draw, s: _Setup) -> tuple[str, dict[str, str]]:
    other = draw(
        st.sampled_from(["/admin", "/orders/2", "/other"]).map(lambda path: s.url.rstrip("/") + path)
        | st.just(s.url.replace("://", "://evil.", 1))
        | st.just(_other_scheme(s.url))
    )
    return "the proof is for another URL", s.sent(s.proof(claims={"htu": other}))


def _other_scheme(url: str) -> str:
    scheme, _, rest = url.partition("://")
    return ("http" if scheme == "https" else "https") + "://" + rest


def _stale_iat(draw: Draw, s: _Setup) -> tuple[str, dict[str, str]]:
    age = s.max_age + s.leeway + draw(st.integers(2, 10**6))
    return f"the proof was made {age:.0f} s ago", s.sent(s.proof(at=s.fake.now() - age))


def _future_iat(draw: Draw, s: _Setup) -> tuple[str, dict[str, str]]:
    ahead = s.leeway + draw(st.integers(2, 10**6))
    return f"the proof is dated {ahead:.0f} s ahead", s.sent(s.proof(at=s.fake.now() + ahead))


def _wrong_ath(draw: Draw, s: _Setup) -> tuple[str, dict[str, str]]:
    other = draw(st.sampled_from(["another-token", s.fake.token(), ""]))
    options: dict[str, Any] = {"claims": {"ath": None}} if not other else {}
    proof = s.key.proof(s.method, s.url, token=other or None, at=s.fake.now(), **options)
    return "the proof's ath is not this token's hash", s.sent(proof)


def _other_key(draw: Draw, s: _Setup) -> tuple[str, dict[str, str]]:
    alg = draw(st.sampled_from(["ES256", "RS256", "EdDSA"]))
    other = dpop_key(alg, index=1)
    proof = other.proof(s.method, s.url, token=s.token, at=s.fake.now())
    return f"the proof is signed by another {alg} key than cnf.jkt names", s.sent(proof)


def _forged_signature(draw: Draw, s: _Setup) -> tuple[str, dict[str, str]]:
    signer = dpop_key(s.key.alg, index=1).signing_key
    claims = _claims_of(s)
    proof = signer.sign(claims, {"typ": "dpop+jwt", "jwk": s.key.jwk, "kid": None})
    return "the proof names the bound key but another key signed it", s.sent(proof)


def _private_jwk(draw: Draw, s: _Setup) -> tuple[str, dict[str, str]]:
    private = get_default_algorithms()[s.key.alg].to_jwk(s.key.signing_key.private_key, as_dict=True)
    return "the proof's jwk holds the private key", s.sent(s.proof(headers={"jwk": dict(private)}))


def _alg_none(draw: Draw, s: _Setup) -> tuple[str, dict[str, str]]:
    header = {"typ": "dpop+jwt", "alg": draw(st.sampled_from(["none", "None", "NONE"])), "jwk": s.key.jwk}
    return "the proof is unsigned (alg none)", s.sent(f"{_b64(header)}.{_b64(_claims_of(s))}.")


def _hmac(draw: Draw, s: _Setup) -> tuple[str, dict[str, str]]:
    alg = draw(st.sampled_from(["HS256", "HS384", "HS512"]))
    secret = draw(st.binary(min_size=64, max_size=96))
    symmetric = {"kty": "oct", "k": base64.urlsafe_b64encode(secret).rstrip(b"=").decode()}
    jwk = draw(st.sampled_from([symmetric, s.key.jwk]))
    proof = jwt.encode(_claims_of(s), secret, algorithm=alg, headers={"typ": "dpop+jwt", "jwk": jwk})
    return f"the proof is an {alg} (symmetric) JWT", s.sent(proof)


def _wrong_typ(draw: Draw, s: _Setup) -> tuple[str, dict[str, str]]:
    typ = draw(st.sampled_from(["JWT", "at+jwt", None, "dpop"]))
    return f"the proof's typ is {typ!r}", s.sent(s.proof(headers={"typ": typ}))


def _missing_jti(draw: Draw, s: _Setup) -> tuple[str, dict[str, str]]:
    jti = draw(st.sampled_from([None, "", 42, "x" * 257]))
    return "the proof has no usable jti", s.sent(
        s.proof(claims={"jti": jti} if jti is not None else {"jti": None})
    )


def _bearer(draw: Draw, s: _Setup) -> tuple[str, dict[str, str]]:
    return "the DPoP-bound token is sent as Bearer", {"Authorization": f"Bearer {s.token}"}


_Kind = tuple[ErrorCode, Callable[[Draw, _Setup], tuple[str, dict[str, str]]]]
DPOP_KINDS: Final[dict[str, _Kind]] = {
    "wrong_htm": ("invalid_dpop_proof", _wrong_htm),
    "wrong_htu": ("invalid_dpop_proof", _wrong_htu),
    "stale_iat": ("invalid_dpop_proof", _stale_iat),
    "future_iat": ("invalid_dpop_proof", _future_iat),
    "wrong_ath": ("invalid_dpop_proof", _wrong_ath),
    "forged_signature": ("invalid_dpop_proof", _forged_signature),
    "private_key_in_header": ("invalid_dpop_proof", _private_jwk),
    "alg_none": ("invalid_dpop_proof", _alg_none),
    "hmac": ("invalid_dpop_proof", _hmac),
    "wrong_typ": ("invalid_dpop_proof", _wrong_typ),
    "missing_jti": ("invalid_dpop_proof", _missing_jti),
    "thumbprint_mismatch": ("dpop_binding_mismatch", _other_key),
    "bound_token_as_bearer": ("dpop_binding_mismatch", _bearer),
    "replayed_jti": ("dpop_replay", lambda draw, s: ("", {})),  # built in invalid_dpop_requests
}
"""Every kind, with the code it is refused with."""


@st.composite
def invalid_dpop_requests(
    draw: Draw,
    fake: FakeIssuer,
    *,
    method: str = "GET",
    url: str = "http://testserver/orders",
    key: DpopKey | None = None,
    kinds: tuple[str, ...] | None = None,
    max_age: float = 60.0,
    leeway: float = 5.0,
) -> InvalidDpopRequest:
    """A refused DPoP request to ``method`` ``url`` with a token ``fake`` bound to ``key``.

    ``max_age``/``leeway`` are the verifier's (``TokenVerifier(dpop_max_age=...)``); proofs are
    dated on ``fake``'s clock.
    """
    names = kinds or tuple(DPOP_KINDS)
    unknown = [name for name in names if name not in DPOP_KINDS]
    if unknown:
        raise ValueError(f"unknown DPoP kinds {unknown}; known: {', '.join(DPOP_KINDS)}")
    kind = draw(st.sampled_from(names))
    bound = key or dpop_key()
    setup = _Setup(fake, bound, fake.token(cnf=bound.cnf), method, url, max_age, leeway)
    code, build = DPOP_KINDS[kind]
    if kind == "replayed_jti":
        # unique per example, so examples sent to one server never replay each other's primer
        jti = draw(st.text("abcdef0123456789", min_size=1, max_size=32)) + "-" + uuid.uuid4().hex
        first = setup.sent(setup.proof(jti=jti))
        again = draw(st.booleans())
        headers = first if again else setup.sent(setup.proof(jti=jti, at=fake.now() - 1))
        return InvalidDpopRequest(kind, code, "the proof's jti was used before", method, url, headers, first)
    why, headers = build(draw, setup)
    return InvalidDpopRequest(kind, code, why, method, url, headers)
