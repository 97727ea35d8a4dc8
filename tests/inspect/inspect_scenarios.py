"""One token per outcome the verifier can give, with the issuers it is checked against.

Shared by the subprocess tests of ``asgi-authinfo inspect`` and the in-process diagnosis tests,
so both hold the command and the middleware to the same cases.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final, TypeAlias

from asgi_authinfo import Issuer, TokenVerifier, providers
from pytest_plugin import FakeIssuer

NOW: Final = 1_800_000_000
AUDIENCE: Final = "api://orders"
ISSUER: Final = "https://fake-issuer.test"
JWKS_URI: Final = f"{ISSUER}/.well-known/jwks.json"
CLIENT_ID: Final = "client_01INSPECT"

# What --config names in the subprocess tests: a module written next to the JWKS file.
CONFIG_MODULE: Final = f"""
from asgi_authinfo import Issuer, TokenVerifier

BASE = dict(jwks_uri={JWKS_URI!r}, audience={AUDIENCE!r})
parties = [Issuer({ISSUER!r}, authorized_parties=["https://app.example.com"], **BASE)]
typed = Issuer({ISSUER!r}, token_type="at+jwt", **BASE)
required = TokenVerifier([Issuer({ISSUER!r}, required_claims=["org_id"], **BASE)])
small = TokenVerifier([Issuer({ISSUER!r}, **BASE)], max_token_bytes=1024)
"""
BASE: Final = {"jwks_uri": JWKS_URI, "audience": AUDIENCE}
ISSUER_ARGS: Final = ("--issuer", ISSUER, "--jwks-uri", JWKS_URI, "--audience", AUDIENCE)


@dataclass(frozen=True)
class Scenario:
    """A token, the issuers it meets (as objects and as command-line options), and the outcome."""

    id: str
    code: str | None
    check: str | None
    token: str
    issuers: tuple[Issuer, ...]
    args: tuple[str, ...]
    max_token_bytes: int = 16 * 1024
    exit: int = 1
    says: tuple[str, ...] = field(default=())


MakeVerifier: TypeAlias = Callable[[Scenario], TokenVerifier]


def fake_issuers() -> tuple[FakeIssuer, FakeIssuer]:
    """The RS256 issuer most tokens come from, and an ES256 one using the same ``iss``."""
    rs = FakeIssuer(ISSUER, audience=AUDIENCE, now=lambda: NOW)
    es = FakeIssuer(ISSUER, algorithm="ES256", audience=AUDIENCE, now=lambda: NOW)
    return rs, es


def scenarios(fake: FakeIssuer, es_fake: FakeIssuer) -> list[Scenario]:
    """Every refusal code a token can earn, plus acceptances, offline (keys from a JWKS file)."""
    plain = (fake.issuer_config(refusal_hint=None),)  # as the CLI builds it: no test-only hints
    tampered = fake.token(sub="user_a").rsplit(".", 1)[0] + "." + fake.token(sub="user_b").rsplit(".", 1)[1]
    workos = providers.workos(CLIENT_ID)
    # Each fake issuer has its own keys: these two sign with `fake.key`, the key the JWKS file lists.
    authkit = FakeIssuer(f"https://api.workos.com/user_management/{CLIENT_ID}", now=lambda: NOW)
    sso = FakeIssuer("https://api.workos.com/", now=lambda: NOW)
    workos_args = ("--provider", "workos", "--client-id", CLIENT_ID)

    def refused(id: str, code: str, check: str, token: str, *says: str, **options: object) -> Scenario:
        issuers = options.pop("issuers", plain)
        args = options.pop("args", ISSUER_ARGS)
        return Scenario(id, code, check, token, issuers, args, says=says, **options)  # type: ignore[arg-type]

    return [
        Scenario(
            "accepted",
            None,
            None,
            fake.token(email="ada@example.com", permissions=["orders:read"]),
            plain,
            ISSUER_ARGS,
            exit=0,
            says=(
                "result     ACCEPTED",
                f'  {"user.email":<26}  "ada@example.com"\n',
                '["orders:read"]',
            ),
        ),
        refused("malformed", "malformed", "format", "not.a-jwt", "2 segments"),
        refused(
            "malformed-crit",
            "malformed",
            "header",
            fake.token(headers={"crit": ["exp"]}),
            "critical extensions",
        ),
        refused(
            "token_too_large",
            "token_too_large",
            "size",
            fake.token(padding="x" * 1200),
            "over the 1024 byte limit",
            issuers=(Issuer(ISSUER, **BASE),),
            args=("--config", "inspect_config:small"),
            max_token_bytes=1024,
        ),
        refused("expired", "expired", "exp", fake.token(exp=NOW - 240), "expired 4 min ago"),
        refused(
            "not_yet_valid", "not_yet_valid", "nbf", fake.token(nbf=NOW + 600), "not valid for another 10 min"
        ),
        refused("bad_signature", "bad_signature", "signature", tampered, "does not verify"),
        refused(
            "unknown_issuer",
            "unknown_issuer",
            "issuer",
            fake.token(iss=ISSUER + "/"),
            "differs only by a trailing slash",
        ),
        refused(
            "audience_mismatch",
            "audience_mismatch",
            "aud",
            fake.token(aud="api://billing"),
            "'api://billing' is not the expected ['api://orders']",
        ),
        refused(
            "unauthorized_party",
            "unauthorized_party",
            "azp",
            fake.token(azp="https://evil.example.com"),
            "'https://evil.example.com' is not one of ['https://app.example.com']",
            issuers=(Issuer(ISSUER, authorized_parties=["https://app.example.com"], **BASE),),
            args=("--config", "inspect_config:parties"),
        ),
        refused(
            "unknown_key",
            "unknown_key",
            "key",
            fake.token(headers={"kid": "retired-key"}),
            "'retired-key' is not in the issuer's JWKS",
        ),
        refused(
            "algorithm_not_allowed",
            "algorithm_not_allowed",
            "alg",
            es_fake.token(),
            "alg 'ES256' is not allowed",
        ),
        refused("missing_claim", "missing_claim", "sub", fake.token(sub=None), "no `sub` claim"),
        refused("invalid_claim", "invalid_claim", "exp", fake.token(exp="soon"), "not a NumericDate"),
        refused(
            "missing_required_claim",
            "missing_claim",
            "required",
            fake.token(),
            "no `org_id` claim",
            issuers=(Issuer(ISSUER, required_claims=["org_id"], **BASE),),
            args=("--config", "inspect_config:required"),
        ),
        refused(
            "wrong_token_type",
            "wrong_token_type",
            "typ",
            fake.token(),
            "typ 'JWT' is not the required 'at+jwt'",
            issuers=(Issuer(ISSUER, token_type="at+jwt", **BASE),),
            args=("--config", "inspect_config:typed"),
        ),
        Scenario(
            "workos-authkit",
            None,
            None,
            authkit.token(org_id="org_1", role="admin", permissions=["orders:read"], key=fake.key),
            workos,
            workos_args,
            exit=0,
            says=(
                "result     ACCEPTED",
                f'  {"organization_id":<26}  "org_1"\n',
                f"|{authkit.default_claims()['sub']}",
            ),
        ),
        refused(
            "workos-sso-without-aud",
            "audience_mismatch",
            "aud",
            sso.token(key=fake.key),
            "no `aud` claim, but this issuer expects audience ['client_01INSPECT']",
            issuers=workos,
            args=workos_args,
        ),
    ]


FAKE, ES_FAKE = fake_issuers()
SCENARIOS: Final = scenarios(FAKE, ES_FAKE)
REFUSALS: Final = [scenario for scenario in SCENARIOS if scenario.code is not None]
