"""Hypothesis strategies for bearer tokens: realistic claim sets, valid tokens, and invalid tokens
each labelled with the refusal code a correct verifier gives.

Importing this module (the pytest plugin does) registers ``st.from_type(AuthInfo)`` and
``st.from_type(NoAuthInfo)``.

The labels of :func:`invalid_tokens` assume the verifier trusts only the fake issuer it was given
(``config`` describes how), checks time with the issuer's clock (``fake.verifier()`` does) or
with real time when the fake issuer uses real time, and has the issuer's current JWKS.
"""

from __future__ import annotations

import functools
import json
import math
import string
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, TypeAlias

from hypothesis import strategies as st

from asgi_authinfo import AuthInfo, ErrorCode, Impersonator, InvalidTokenError, Issuer, NoAuthInfo
from asgi_authinfo._verifier import DEFAULT_MAX_TOKEN_BYTES

from ._fake_issuer import FakeIssuer
from ._forge import b64, decode_segment, forge, json_bytes, replace_segment, segments
from ._keys import ALGORITHMS, stranger_key
from ._persona import Persona
from ._presets import PRESETS, Preset, get_preset

__all__ = [
    "KINDS",
    "InvalidToken",
    "auth_infos",
    "claim_sets",
    "invalid_tokens",
    "personas",
    "tokens",
]

Draw: TypeAlias = st.DrawFn

# -- realistic values ---------------------------------------------------------------------------

_CROCKFORD: Final = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_BASE62: Final = string.digits + string.ascii_uppercase + string.ascii_lowercase
_FIRST: Final = ("ada", "grace", "alan", "edsger", "barbara", "ken", "margaret", "radia", "donald", "frances")
_LAST: Final = ("lovelace", "hopper", "turing", "dijkstra", "liskov", "thompson", "hamilton", "perlman")
_DOMAINS: Final = ("example.com", "example.org", "acme.test", "corp.example")
_ROLES: Final = ("admin", "member", "viewer", "owner", "editor", "billing")
_RESOURCES: Final = ("posts", "orders", "invoices", "users", "reports", "settings")
_ACTIONS: Final = ("read", "write", "create", "delete", "manage")
_FEATURES: Final = ("beta-dashboard", "dark-mode", "ai-assistant", "new-billing", "audit-log")
_PLANS: Final = ("free", "pro", "enterprise", "sso", "seats")
_SCOPES: Final = ("openid", "profile", "email", "offline_access", "read:orders", "write:orders")
_SLUGS: Final = ("acme", "globex", "initech", "umbrella", "hooli")
_REASONS: Final = ("support ticket 4521", "debugging a billing issue", "onboarding help")


def _encoded(number: int, alphabet: str, size: int) -> str:
    digits = []
    for _ in range(size):
        number, digit = divmod(number, len(alphabet))
        digits.append(alphabet[digit])
    return "".join(reversed(digits))


def _id(prefix: str, alphabet: str, size: int) -> st.SearchStrategy[str]:
    """``prefix`` + ``size`` characters of ``alphabet``, drawn as one integer so it shrinks fast."""
    return st.integers(0, len(alphabet) ** size - 1).map(lambda n: prefix + _encoded(n, alphabet, size))


def _ulid_id(prefix: str) -> st.SearchStrategy[str]:
    """WorkOS-style ids: ``user_01`` + 24 Crockford base32 characters."""
    return _id(f"{prefix}_01", _CROCKFORD, 24)


def _clerk_id(prefix: str) -> st.SearchStrategy[str]:
    """Clerk-style ids: ``user_2`` + 26 base62 characters."""
    return _id(f"{prefix}_2", _BASE62, 26)


@st.composite
def _emails(draw: Draw) -> str:
    first, last = draw(st.sampled_from(_FIRST)), draw(st.sampled_from(_LAST))
    number = draw(st.none() | st.integers(1, 99))
    return f"{first}.{last}{number or ''}@{draw(st.sampled_from(_DOMAINS))}"


_UUIDS: Final = st.uuids(version=4).map(str)
_FIREBASE_TENANTS: Final = st.builds(
    "{}-{}".format, st.sampled_from(_SLUGS), _id("", string.ascii_lowercase + string.digits, 5)
)
_IDS: Final[Mapping[str, tuple[st.SearchStrategy[str], st.SearchStrategy[str], st.SearchStrategy[str]]]] = {
    "oidc": (_ulid_id("user"), _ulid_id("session"), _ulid_id("org")),
    "workos": (_ulid_id("user"), _ulid_id("session"), _ulid_id("org")),
    "clerk": (_clerk_id("user"), _clerk_id("sess"), _clerk_id("org")),
    "clerk_v1": (_clerk_id("user"), _clerk_id("sess"), _clerk_id("org")),
    "authgear": (_UUIDS, _UUIDS, _UUIDS),
    "auth0": (_id("auth0|", "0123456789abcdef", 24), _UUIDS, _id("org_", _BASE62, 16)),
    "keycloak": (_UUIDS, _UUIDS, _UUIDS),
    "cognito": (_UUIDS, _UUIDS, _UUIDS),
    "cognito_id": (_UUIDS, _UUIDS, _UUIDS),
    "entra": (_id("", _BASE62 + "-_", 43), _UUIDS, _UUIDS),
    "entra_v1": (_id("", _BASE62 + "-_", 43), _UUIDS, _UUIDS),
    "okta": (_emails(), _UUIDS, _UUIDS),
    "supabase": (_UUIDS, _UUIDS, _UUIDS),
    "firebase": (_id("", _BASE62, 28), _UUIDS, _FIREBASE_TENANTS),
}
_ONE_ROLE: Final[Mapping[str, tuple[str, ...]]] = {"supabase": ("authenticated", "service_role")}
"""Presets whose tokens carry exactly one role, from these."""
_DRAWS_PHONE: Final = frozenset({"supabase", "firebase", "cognito_id"})
_STRING_ATTRIBUTES: Final = frozenset({"cognito_id"})
_ORG_NEEDS_SLUG: Final = frozenset({"keycloak"})
_PERMISSIONS: Final = st.lists(
    st.builds("{}:{}".format, st.sampled_from(_RESOURCES), st.sampled_from(_ACTIONS)), unique=True, max_size=5
)


@st.composite
def personas(draw: Draw, preset: str | Preset = "oidc") -> Persona:
    """Callers a ``preset`` can describe: ids in its format, realistic emails, roles, permissions.

    Shrinks towards a caller with only a user id (and a session id where the provider has one).
    """
    chosen = get_preset(preset)
    supports = chosen.supports
    user_ids, session_ids, org_ids = _IDS.get(chosen.name, _IDS["oidc"])
    fields: dict[str, Any] = {"user_id": draw(user_ids)}
    if "session_id" in supports:
        fields["session_id"] = draw(session_ids)
    if draw(st.booleans()):
        first, last = draw(st.sampled_from(_FIRST)), draw(st.sampled_from(_LAST))
        domain = draw(st.sampled_from(_DOMAINS))
        profile = {
            "email": f"{first}.{last}@{domain}",
            "email_verified": draw(st.booleans()),
            "given_name": first.title(),
            "family_name": last.title(),
            "name": f"{first.title()} {last.title()}",
        }
        fields.update({name: value for name, value in profile.items() if name in supports})
    if chosen.name in _DRAWS_PHONE and draw(st.booleans()):
        fields["phone_number"] = draw(st.from_regex(r"\+1[2-9][0-9]{9}", fullmatch=True))
    organization = "organization_id" in supports and draw(st.booleans())
    if organization:
        fields["organization_id"] = draw(org_ids)
        if "organization_slug" in supports and (chosen.name in _ORG_NEEDS_SLUG or draw(st.booleans())):
            fields["organization_slug"] = draw(st.sampled_from(_SLUGS))
    clerk = chosen.claims == "clerk"
    one_role = _ONE_ROLE.get(chosen.name)
    if one_role is not None:
        if draw(st.booleans()):
            fields["role"] = draw(st.sampled_from(one_role))
    elif not clerk or organization:
        if draw(st.booleans()):
            fields["role"] = draw(st.sampled_from(_ROLES))
        if not clerk:
            fields["roles"] = draw(st.lists(st.sampled_from(_ROLES), unique=True, max_size=3))
        if "permissions" in supports:
            fields["permissions"] = draw(_PERMISSIONS)
    if "feature_flags" in supports:
        fields["feature_flags"] = draw(st.lists(st.sampled_from(_FEATURES), unique=True, max_size=3))
    if "entitlements" in supports:
        fields["entitlements"] = draw(st.lists(st.sampled_from(_PLANS), unique=True, max_size=2))
    if "scopes" in supports:
        fields["scopes"] = draw(st.lists(st.sampled_from(_SCOPES), unique=True, max_size=4))
    if "custom_attributes" in supports:
        seats = st.integers(1, 500)
        fields["custom_attributes"] = draw(
            st.fixed_dictionaries(
                {},
                optional={
                    "plan": st.sampled_from(_PLANS),
                    "team": st.sampled_from(_SLUGS),
                    "seats": seats.map(str) if chosen.name in _STRING_ATTRIBUTES else seats,
                },
            )
        )
    if "is_anonymous" in supports:
        fields["is_anonymous"] = draw(st.booleans())
    if "impersonator" in supports and draw(st.booleans()):
        admin = draw(_emails())
        fields["impersonator"] = Impersonator(
            subject=admin, email=admin, reason=draw(st.none() | st.sampled_from(_REASONS))
        )
    return Persona.of(**fields)


def _clock_of(now: float | Callable[[], float] | None) -> float:
    if now is None:
        return time.time()
    return now() if callable(now) else float(now)


@st.composite
def claim_sets(
    draw: Draw,
    /,
    preset: str | Preset = "oidc",
    *,
    now: float | Callable[[], float] | None = None,
    **fixed: Any,
) -> dict[str, Any]:
    """Claim sets shaped like ``preset``'s tokens, valid at ``now`` (default: real time).

    Times are coherent: ``iat <= nbf <= now < exp`` (``nbf`` and ``jti`` only where the provider
    sends them). ``iss`` and ``aud`` are not drawn: give them
    in ``fixed`` (or use :func:`tokens`). ``fixed`` claims override drawn ones; ``None`` drops one.
    """
    chosen = get_preset(preset)
    claims = chosen.encode(draw(personas(chosen)))
    at = int(_clock_of(now))
    iat = at - draw(st.integers(0, 3600))
    times = {
        "iat": iat,
        "nbf": iat + draw(st.integers(0, at - iat)),
        "exp": at + draw(st.integers(60, 86400)),
        "jti": draw(st.uuids()).hex,
    }
    claims.update({name: value for name, value in times.items() if name not in chosen.omits})
    for name, value in json.loads(json.dumps(dict(chosen.extra))).items():
        claims.setdefault(name, value)
    return chosen.finish(claims, fixed)


def tokens(issuer: FakeIssuer, **fixed: Any) -> st.SearchStrategy[str]:
    """Valid tokens from ``issuer``: :func:`claim_sets` of its preset, its ``iss``/``aud``, its key."""
    return claim_sets(
        issuer.preset, now=issuer.now, **{"iss": issuer.issuer, "aud": issuer.audience, **fixed}
    ).map(lambda claims: issuer.key.sign(claims))


# -- AuthInfo -----------------------------------------------------------------------------------


@functools.cache
def _default_fake(preset: str) -> FakeIssuer:
    return FakeIssuer(preset=preset)


@st.composite
def auth_infos(draw: Draw, preset: str | Preset | None = None) -> AuthInfo:
    """``AuthInfo`` values as the middleware produces them: a drawn token of ``preset`` (any preset
    by default), verified by the real ``TokenVerifier``."""
    name = get_preset(preset).name if preset is not None else draw(st.sampled_from(tuple(PRESETS)))
    fake = _default_fake(name)
    return fake.verify(draw(tokens(fake)))


_CODES: Final[tuple[ErrorCode, ...]] = (
    "malformed",
    "expired",
    "not_yet_valid",
    "bad_signature",
    "unknown_issuer",
    "audience_mismatch",
    "unknown_key",
    "algorithm_not_allowed",
    "missing_claim",
)

st.register_type_strategy(AuthInfo, st.deferred(lambda: auth_infos()))
st.register_type_strategy(
    NoAuthInfo,
    st.builds(
        NoAuthInfo,
        error=st.none()
        | st.builds(
            InvalidTokenError, st.sampled_from(["the token was refused"]), code=st.sampled_from(_CODES)
        ),
    ),
)

# -- invalid tokens -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class InvalidToken:
    """A token a correct verifier refuses, with the ``code`` it must refuse it with and why."""

    kind: str
    code: ErrorCode
    why: str
    token: str = field(repr=False)

    @property
    def headers(self) -> dict[str, str]:
        """``{"Authorization": "Bearer <token>"}``."""
        return {"Authorization": f"Bearer {self.token}"}

    def __repr__(self) -> str:
        shown = self.token if len(self.token) <= 60 else f"{self.token[:40]}...({len(self.token)} chars)"
        return f"InvalidToken(kind={self.kind!r}, code={self.code!r}, why={self.why!r}, token={shown!r})"


@dataclass(frozen=True, slots=True)
class _Context:
    """What every kind of invalid token is built from: the issuer, the verifier's rules for it."""

    issuer: FakeIssuer
    config: Issuer
    max_token_bytes: int

    @property
    def leeway(self) -> float:
        return self.config.leeway

    def now(self) -> float:
        return self.issuer.now()

    def claims(self, draw: Draw) -> dict[str, Any]:
        """A claim set this verifier accepts, drawn at the issuer's "now"."""
        config = self.config
        claims: dict[str, Any] = draw(
            claim_sets(self.issuer.preset, now=self.issuer.now, iss=self.issuer.issuer)
        )
        if config.audience:
            claims["aud"] = draw(st.sampled_from(tuple(config.audience)))
        elif self.issuer.audience is not None:
            claims["aud"] = self.issuer.audience
        if config.authorized_parties:
            claims["azp"] = draw(st.sampled_from(tuple(config.authorized_parties)))
        for name in config.required_claims:
            claims.setdefault(name, f"fake-{name}")
        return claims

    def headers(self) -> dict[str, Any]:
        return {"typ": self.config.token_type} if self.config.token_type else {}

    def sign(self, claims: Mapping[str, Any], headers: Mapping[str, Any] | None = None) -> str:
        return self.issuer.key.sign(dict(claims), {**self.headers(), **(headers or {})})

    def header(self, **extra: Any) -> dict[str, Any]:
        """The JOSE header the issuer's key would write, plus ``extra``."""
        return {
            "alg": self.issuer.key.alg,
            "kid": self.issuer.key.kid,
            "typ": "JWT",
            **self.headers(),
            **extra,
        }


def _invalid(kind: str, code: ErrorCode, why: str, token: str) -> InvalidToken:
    return InvalidToken(kind=kind, code=code, why=why, token=token)


_Builder: TypeAlias = Callable[[Draw, _Context], InvalidToken]
_Applies: TypeAlias = Callable[[_Context], bool]
_KINDS: dict[str, tuple[_Builder, _Applies]] = {}


def _always(ctx: _Context) -> bool:
    return True


def _kind(name: str, applies: _Applies = _always) -> Callable[[_Builder], _Builder]:
    def register(builder: _Builder) -> _Builder:
        _KINDS[name] = (builder, applies)
        return builder

    return register


_LIFETIMES: Final = st.integers(60, 86400)
_YEARS: Final = 10 * 365 * 86400


@_kind("expired")
def _expired(draw: Draw, ctx: _Context) -> InvalidToken:
    claims = ctx.claims(draw)
    exp = math.floor(ctx.now() - ctx.leeway) - draw(st.integers(1, _YEARS))
    claims.update(exp=exp, iat=exp - draw(_LIFETIMES))
    claims["nbf"] = claims["iat"]
    return _invalid("expired", "expired", f"exp is {exp}, past now minus leeway", ctx.sign(claims))


@_kind("not_yet_valid")
def _not_yet_valid(draw: Draw, ctx: _Context) -> InvalidToken:
    claims = ctx.claims(draw)
    nbf = math.ceil(ctx.now() + ctx.leeway) + draw(st.integers(60, _YEARS))
    claims.update(nbf=nbf, exp=nbf + draw(_LIFETIMES))
    return _invalid(
        "not_yet_valid", "not_yet_valid", f"nbf is {nbf}, after now plus leeway", ctx.sign(claims)
    )


@_kind("issued_in_future")
def _issued_in_future(draw: Draw, ctx: _Context) -> InvalidToken:
    claims = ctx.claims(draw)
    iat = math.ceil(ctx.now() + ctx.leeway) + draw(st.integers(60, _YEARS))
    claims.pop("nbf", None)
    claims.update(iat=iat, exp=iat + draw(_LIFETIMES))
    why = f"iat is {iat}, after now plus leeway (no nbf)"
    return _invalid("issued_in_future", "not_yet_valid", why, ctx.sign(claims))


@_kind("wrong_issuer")
def _wrong_issuer(draw: Draw, ctx: _Context) -> InvalidToken:
    iss = ctx.issuer.issuer
    lookalikes = [iss.rstrip("/") if iss.endswith("/") else iss + "/", iss.upper(), iss + "/tenant"]
    if iss.startswith("https://"):
        lookalikes.append("http://" + iss.removeprefix("https://"))
    others = st.sampled_from(
        ["https://evil.example", "https://login.example.org/tenant", "https://auth.test"]
    )
    value = draw((st.sampled_from(lookalikes) | others).filter(lambda candidate: candidate != iss))
    claims = {**ctx.claims(draw), "iss": value}
    return _invalid("wrong_issuer", "unknown_issuer", f"iss is {value!r}", ctx.sign(claims))


@_kind("issuer_not_a_string")
def _issuer_not_a_string(draw: Draw, ctx: _Context) -> InvalidToken:
    iss = ctx.issuer.issuer
    value = draw(st.sampled_from([None, [iss], {"url": iss}, 123, True]))
    claims = ctx.claims(draw)
    if value is None:
        del claims["iss"]
    else:
        claims["iss"] = value
    why = "no iss" if value is None else f"iss is {value!r}"
    return _invalid("issuer_not_a_string", "unknown_issuer", why, ctx.sign(claims))


def _has_audience(ctx: _Context) -> bool:
    return bool(ctx.config.audience)


@_kind("wrong_audience", _has_audience)
def _wrong_audience(draw: Draw, ctx: _Context) -> InvalidToken:
    expected = tuple(ctx.config.audience or ())
    lookalikes = [f"{aud}/" for aud in expected] + [aud.upper() for aud in expected]
    other = st.sampled_from(["api://other", "https://api.other.example", "account", *lookalikes]).filter(
        lambda candidate: candidate not in expected
    )
    value = draw(st.none() | other | st.lists(other, max_size=3))
    claims = ctx.claims(draw)
    if value is None:
        del claims["aud"]
    else:
        claims["aud"] = value
    why = "no aud" if value is None else f"aud is {value!r}, expected one of {list(expected)}"
    return _invalid("wrong_audience", "audience_mismatch", why, ctx.sign(claims))


@_kind("audience_not_a_string", _has_audience)
def _audience_not_a_string(draw: Draw, ctx: _Context) -> InvalidToken:
    expected = next(iter(ctx.config.audience or ()))
    value = draw(st.sampled_from([123, True, {"aud": expected}, [1], [expected, 2]]))
    claims = {**ctx.claims(draw), "aud": value}
    why = f"aud is {value!r}: neither a string nor a list of strings"
    return _invalid("audience_not_a_string", "invalid_claim", why, ctx.sign(claims))


@_kind("wrong_key")
def _wrong_key(draw: Draw, ctx: _Context) -> InvalidToken:
    key = stranger_key(ctx.issuer.key.alg, ctx.issuer.key.kid)
    token = key.sign(ctx.claims(draw), ctx.headers())
    why = f"signed by another {key.alg} key under the issuer's kid {key.kid!r}"
    return _invalid("wrong_key", "bad_signature", why, token)


@_kind("embedded_jwk")
def _embedded_jwk(draw: Draw, ctx: _Context) -> InvalidToken:
    key = stranger_key(ctx.issuer.key.alg, ctx.issuer.key.kid)
    token = key.sign(ctx.claims(draw), {**ctx.headers(), "jwk": key.public_jwk})
    why = "signed by the attacker's key, which its header embeds as `jwk` (must be ignored)"
    return _invalid("embedded_jwk", "bad_signature", why, token)


@_kind("tampered_payload")
def _tampered_payload(draw: Draw, ctx: _Context) -> InvalidToken:
    claims = ctx.claims(draw)
    token = ctx.sign(claims)
    change = draw(st.sampled_from(["role", "permissions", "sub", "exp", "org_id"]))
    values: dict[str, Any] = {
        "role": "admin",
        "permissions": ["*"],
        "sub": "user_01ADMIN",
        "exp": int(claims["exp"]) + 365 * 86400,
        "org_id": "org_01OTHER",
    }
    forged = {**claims, change: values[change]}
    if forged == claims:
        forged["tampered"] = True
    token = replace_segment(token, 1, b64(json_bytes(forged)))
    return _invalid("tampered_payload", "bad_signature", f"payload changed ({change}) after signing", token)


@_kind("tampered_signature")
def _tampered_signature(draw: Draw, ctx: _Context) -> InvalidToken:
    token = ctx.sign(ctx.claims(draw))
    signature = bytearray(decode_segment(segments(token)[2]))
    bit = draw(st.integers(0, len(signature) * 8 - 1))
    signature[bit // 8] ^= 1 << (bit % 8)
    token = replace_segment(token, 2, b64(bytes(signature)))
    return _invalid("tampered_signature", "bad_signature", f"signature bit {bit} flipped", token)


@_kind("tampered_header")
def _tampered_header(draw: Draw, ctx: _Context) -> InvalidToken:
    token = ctx.sign(ctx.claims(draw))
    extra = draw(
        st.sampled_from(
            [
                {"jku": "https://attacker.example/jwks.json"},
                {"x5u": "https://attacker.example/cert.pem"},
                {"cty": "JWT"},
            ]
        )
    )
    original = json.loads(decode_segment(segments(token)[0]))
    token = replace_segment(token, 0, b64(json_bytes({**original, **extra})))
    return _invalid("tampered_header", "bad_signature", f"header gained {sorted(extra)} after signing", token)


@_kind("alg_none")
def _alg_none(draw: Draw, ctx: _Context) -> InvalidToken:
    alg = draw(st.sampled_from(["none", "None", "NONE", "nOnE"]))
    claims = ctx.claims(draw)
    token = forge(ctx.header(alg=alg), claims)
    if draw(st.booleans()):
        token = replace_segment(token, 2, segments(ctx.sign(claims))[2])
    return _invalid("alg_none", "algorithm_not_allowed", f"alg is {alg!r}", token)


@_kind("missing_alg")
def _missing_alg(draw: Draw, ctx: _Context) -> InvalidToken:
    header = ctx.header()
    del header["alg"]
    token = forge(header, ctx.claims(draw), key=ctx.issuer.key)
    return _invalid("missing_alg", "algorithm_not_allowed", "the header has no alg", token)


@_kind("hmac_with_public_key")
def _hmac_with_public_key(draw: Draw, ctx: _Context) -> InvalidToken:
    alg = draw(st.sampled_from(["HS256", "HS384", "HS512"]))
    key = ctx.issuer.key
    form = draw(st.sampled_from(["PEM", "JWK"]))
    secret = key.public_pem if form == "PEM" else json_bytes(key.public_jwk)
    token = forge(ctx.header(alg=alg), ctx.claims(draw), alg=alg, secret=secret)
    why = f"{alg} keyed with the issuer's public key ({form}): the key-confusion attack"
    return _invalid("hmac_with_public_key", "algorithm_not_allowed", why, token)


def _disallowed(ctx: _Context) -> list[str]:
    return [alg for alg in ALGORITHMS if alg not in ctx.config.algorithms]


@_kind("disallowed_algorithm", lambda ctx: bool(_disallowed(ctx)))
def _disallowed_algorithm(draw: Draw, ctx: _Context) -> InvalidToken:
    alg = draw(st.sampled_from(_disallowed(ctx)))
    key = stranger_key(alg, ctx.issuer.key.kid)
    token = key.sign(ctx.claims(draw), ctx.headers())
    why = f"signed with {alg}, which the issuer does not allow ({', '.join(ctx.config.algorithms)})"
    return _invalid("disallowed_algorithm", "algorithm_not_allowed", why, token)


@_kind("unknown_kid")
def _unknown_kid(draw: Draw, ctx: _Context) -> InvalidToken:
    published = {key.kid for key in ctx.issuer.published_keys}
    kid = draw(
        st.text(string.ascii_letters + string.digits + "-_", min_size=1, max_size=16)
        .map(lambda text: f"unknown-{text}")
        .filter(lambda candidate: candidate not in published)
    )
    token = ctx.sign(ctx.claims(draw), {"kid": kid})
    return _invalid("unknown_kid", "unknown_key", f"kid {kid!r} is not in the JWKS", token)


@_kind("missing_kid", lambda ctx: len(ctx.issuer.published_keys) > 1)
def _missing_kid(draw: Draw, ctx: _Context) -> InvalidToken:
    token = ctx.sign(ctx.claims(draw), {"kid": None})
    why = f"no kid, and the JWKS has {len(ctx.issuer.published_keys)} keys"
    return _invalid("missing_kid", "unknown_key", why, token)


@_kind("kid_not_a_string")
def _kid_not_a_string(draw: Draw, ctx: _Context) -> InvalidToken:
    kid = draw(st.sampled_from([123, True, [ctx.issuer.key.kid], {"kid": ctx.issuer.key.kid}]))
    token = forge(ctx.header(kid=kid), ctx.claims(draw), key=ctx.issuer.key)
    return _invalid("kid_not_a_string", "malformed", f"kid is {kid!r}", token)


@_kind("critical_header")
def _critical_header(draw: Draw, ctx: _Context) -> InvalidToken:
    name = draw(st.sampled_from(["exp", "x-tenant", "http://example.com/ext"]))
    token = forge(ctx.header(crit=[name], **{name: True}), ctx.claims(draw), key=ctx.issuer.key)
    why = f"crit lists {name!r}, an extension the verifier does not understand"
    return _invalid("critical_header", "malformed", why, token)


@_kind("unencoded_payload")
def _unencoded_payload(draw: Draw, ctx: _Context) -> InvalidToken:
    header = ctx.header(b64=False, crit=["b64"])
    token = forge(header, ctx.claims(draw), key=ctx.issuer.key)
    why = "RFC 7797 b64=false header (unencoded payload), which bearer tokens never use"
    return _invalid("unencoded_payload", "malformed", why, token)


@_kind("wrong_segment_count")
def _wrong_segment_count(draw: Draw, ctx: _Context) -> InvalidToken:
    parts = segments(ctx.sign(ctx.claims(draw)))
    count = draw(st.sampled_from([1, 2, 4, 5]))
    chosen = (parts + parts)[:count] if count > 3 else parts[:count]
    return _invalid("wrong_segment_count", "malformed", f"{count} segments", ".".join(chosen))


@_kind("truncated")
def _truncated(draw: Draw, ctx: _Context) -> InvalidToken:
    """Cut before the signature (fewer than 3 segments), or inside it: after a whole number of
    4-character groups (decodes to a short signature) or one character past one (undecodable).
    Cuts that leave a partial, non-canonical last character are not drawn: whether they are
    ``malformed`` depends on how strictly the base64url decoder reads them."""
    token = ctx.sign(ctx.claims(draw))
    last_dot = token.rindex(".")
    if draw(st.booleans()):
        cut = draw(st.integers(1, last_dot))
        why = f"cut to {cut} chars: fewer than 3 segments"
        return _invalid("truncated", "malformed", why, token[:cut])
    signature = len(token) - last_dot - 1
    left = 4 * draw(st.integers(0, (signature - 1) // 4)) + draw(st.sampled_from([0, 1]))
    truncated = token[: last_dot + 1 + left]
    if left % 4 == 1:
        why = f"signature cut to {left} base64url chars, which no bytes encode to"
        return _invalid("truncated", "malformed", why, truncated)
    return _invalid("truncated", "bad_signature", f"signature cut to {left} base64url chars", truncated)


_B64URL: Final = string.ascii_letters + string.digits + "-_"


@_kind("garbage")
def _garbage(draw: Draw, ctx: _Context) -> InvalidToken:
    header = draw(
        st.integers(0, 20)
        .map(lambda n: 4 * n + 1)
        .flatmap(lambda n: st.text(_B64URL, min_size=n, max_size=n))
    )
    rest = draw(st.lists(st.text(_B64URL, max_size=40), min_size=2, max_size=2))
    token = ".".join([header, *rest])
    return _invalid("garbage", "malformed", "a header segment that is not base64url", token)


@_kind("header_not_json")
def _header_not_json(draw: Draw, ctx: _Context) -> InvalidToken:
    header = draw(st.sampled_from([b"not json", b"[1,2]", b'"RS256"', b"{", b"null"]))
    token = replace_segment(ctx.sign(ctx.claims(draw)), 0, b64(header))
    return _invalid("header_not_json", "malformed", f"header is {header!r}", token)


@_kind("payload_not_json")
def _payload_not_json(draw: Draw, ctx: _Context) -> InvalidToken:
    payload = draw(st.sampled_from([b"not json", b"[1,2,3]", b'"a string"', b"123", b"null", b"{"]))
    token = forge(ctx.header(), payload, key=ctx.issuer.key)
    return _invalid("payload_not_json", "malformed", f"payload is {payload!r}", token)


@_kind("oversized")
def _oversized(draw: Draw, ctx: _Context) -> InvalidToken:
    pad = "x" * (ctx.max_token_bytes + draw(st.integers(0, 4096)))
    token = ctx.sign({**ctx.claims(draw), "pad": pad})
    why = f"{len(token)} bytes, over the {ctx.max_token_bytes} byte limit"
    return _invalid("oversized", "token_too_large", why, token)


@_kind("missing_subject")
def _missing_subject(draw: Draw, ctx: _Context) -> InvalidToken:
    claims = ctx.claims(draw)
    value = draw(st.sampled_from([None, "null"]))
    if value is None:
        del claims["sub"]
    else:
        claims["sub"] = None
    return _invalid(
        "missing_subject", "missing_claim", "no sub" if value is None else "sub is null", ctx.sign(claims)
    )


@_kind("subject_not_a_string")
def _subject_not_a_string(draw: Draw, ctx: _Context) -> InvalidToken:
    value = draw(st.sampled_from(["", 123, True, ["user_1"]]))
    claims = {**ctx.claims(draw), "sub": value}
    return _invalid("subject_not_a_string", "invalid_claim", f"sub is {value!r}", ctx.sign(claims))


@_kind("missing_expiry")
def _missing_expiry(draw: Draw, ctx: _Context) -> InvalidToken:
    claims = ctx.claims(draw)
    if draw(st.booleans()):
        claims["exp"] = None
        why = "exp is null"
    else:
        del claims["exp"]
        why = "no exp"
    return _invalid("missing_expiry", "missing_claim", why, ctx.sign(claims))


@_kind("time_not_a_number")
def _time_not_a_number(draw: Draw, ctx: _Context) -> InvalidToken:
    name = draw(st.sampled_from(["exp", "nbf", "iat"]))
    value = draw(
        st.sampled_from(["tomorrow", "1700000000", True, [1700000000], {"t": 1}, 1e300, -1e300, 10**400])
    )
    claims = {**ctx.claims(draw), name: value}
    why = f"{name} is {value!r}, not a NumericDate"
    return _invalid("time_not_a_number", "invalid_claim", why, ctx.sign(claims))


@_kind("unauthorized_party", lambda ctx: bool(ctx.config.authorized_parties))
def _unauthorized_party(draw: Draw, ctx: _Context) -> InvalidToken:
    allowed = tuple(ctx.config.authorized_parties or ())
    azp = draw(
        st.sampled_from(["https://evil.example", "http://localhost:1337", "https://app.example.net"]).filter(
            lambda candidate: candidate not in allowed
        )
    )
    claims = {**ctx.claims(draw), "azp": azp}
    return _invalid("unauthorized_party", "unauthorized_party", f"azp is {azp!r}", ctx.sign(claims))


def _media(typ: str) -> str:
    return typ.lower().removeprefix("application/")


@_kind("wrong_token_type", lambda ctx: ctx.config.token_type is not None)
def _wrong_token_type(draw: Draw, ctx: _Context) -> InvalidToken:
    expected = _media(ctx.config.token_type or "")
    typ = draw(
        st.sampled_from([None, "JWT", "application/jwt", "id_token+jwt", "dpop+jwt"]).filter(
            lambda candidate: candidate is None or _media(candidate) != expected
        )
    )
    token = ctx.sign(ctx.claims(draw), {"typ": typ})
    return _invalid("wrong_token_type", "wrong_token_type", f"typ is {typ!r}", token)


def _droppable_required(ctx: _Context) -> list[str]:
    excluded = {"iss"} | ({"aud"} if ctx.config.audience else set())
    return [name for name in ctx.config.required_claims if name not in excluded]


@_kind("missing_required_claim", lambda ctx: bool(_droppable_required(ctx)))
def _missing_required_claim(draw: Draw, ctx: _Context) -> InvalidToken:
    name = draw(st.sampled_from(_droppable_required(ctx)))
    claims = ctx.claims(draw)
    del claims[name]
    return _invalid(
        "missing_required_claim", "missing_claim", f"no {name}, which is required", ctx.sign(claims)
    )


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
    ctx = _Context(issuer, config or issuer.issuer_config(), max_token_bytes)
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
def _drawn_invalid_tokens(draw: Draw, kinds: tuple[str, ...], ctx: _Context) -> InvalidToken:
    builder = _KINDS[draw(st.sampled_from(kinds))][0]
    return builder(draw, ctx)
