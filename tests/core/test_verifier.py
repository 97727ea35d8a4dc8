"""TokenVerifier: every refusal rule with real keys, over RS256, ES256 and EdDSA."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from asgi_authinfo import AuthError, AuthInfo, Issuer, IssuerUnavailableError, TokenVerifier
from pytest_plugin import Clock, FakeIssuer

pytestmark = pytest.mark.anyio


async def refusal(verifier: TokenVerifier, token: str) -> AuthError:
    with pytest.raises(AuthError) as caught:
        await verifier.verify(token)
    return caught.value


async def test_valid_token_builds_auth_info(
    issuer: FakeIssuer, verifier: TokenVerifier, clock: Clock
) -> None:
    token = issuer.token(
        sub="user_1",
        email="ada@example.com",
        email_verified=True,
        name="Ada Lovelace",
        permissions=["orders:read", "orders:write"],
        scope="openid orders",
        org_id="org_1",
        role="admin",
    )
    auth = await verifier.verify(token)
    assert isinstance(auth, AuthInfo)
    assert auth.user.id == auth.subject == auth.user_id == "user_1"
    assert auth.user.email == "ada@example.com"
    assert auth.user.email_verified is True
    assert auth.issuer == issuer.issuer
    assert auth.token_identifier == f"{issuer.issuer}|user_1"
    assert auth.permissions == ("orders:read", "orders:write")
    assert tuple(auth.scopes) == ("openid", "orders")
    assert auth.organization_id == "org_1"
    assert auth.role == "admin"
    assert auth.roles == ("admin",)
    assert auth.session_id == "session_01FAKE000000000000000000"
    assert auth.access_token == token
    assert auth.claims["email"] == "ada@example.com"
    assert auth.expires_at == datetime.fromtimestamp(clock.time + 300, UTC)
    assert auth.is_signed_in is True
    assert auth.has(permission="orders:write") and not auth.has(permission="orders:delete")


async def test_claims_are_read_only(issuer: FakeIssuer, verifier: TokenVerifier) -> None:
    auth = await verifier.verify(issuer.token(extra={"nested": [1, {"a": 2}]}))
    with pytest.raises(TypeError):
        auth.claims["sub"] = "someone-else"  # type: ignore[index]
    with pytest.raises(TypeError):
        auth.claims["extra"]["nested"][1]["a"] = 3
    assert auth.claims["extra"]["nested"] == (1, {"a": 2})


@pytest.mark.parametrize(
    ("overrides", "code", "says"),
    [
        ({"exp": 1_800_000_000 - 60}, "expired", "expired 60 s ago"),
        ({"exp": 1_800_000_000 - 5}, "expired", "expired 5 s ago"),
        ({"nbf": 1_800_000_000 + 600}, "not_yet_valid", "not valid for another"),
        ({"iat": 1_800_000_000 + 600}, "not_yet_valid", "in the future"),
        ({"exp": None}, "missing_claim", "no `exp` claim"),
        ({"sub": None}, "missing_claim", "no `sub` claim"),
        ({"sub": ""}, "invalid_claim", "`sub`"),
        ({"exp": "1900000000"}, "invalid_claim", "NumericDate"),
        ({"exp": True}, "invalid_claim", "NumericDate"),
        ({"nbf": [1]}, "invalid_claim", "NumericDate"),
        ({"exp": 10**30}, "invalid_claim", "NumericDate"),
        (
            {"aud": "api://billing"},
            "audience_mismatch",
            "'api://billing' is not the expected ['api://orders']",
        ),
        ({"aud": ["a", "b"]}, "audience_mismatch", "'a', 'b'"),
        ({"aud": None}, "audience_mismatch", "no `aud` claim"),
        ({"aud": 7}, "invalid_claim", "`aud`"),
        ({"iss": "https://evil.example"}, "unknown_issuer", "'https://evil.example' is not trusted"),
        ({"iss": None}, "unknown_issuer", "no `iss` claim"),
    ],
)
async def test_claim_rules(
    issuer: FakeIssuer, verifier: TokenVerifier, overrides: dict[str, object], code: str, says: str
) -> None:
    error = await refusal(verifier, issuer.token(**overrides))
    assert error.code == code
    assert says in error.description
    assert error.status == 401 and error.error == "invalid_token"


async def test_leeway_is_applied_both_ways(issuer: FakeIssuer, verifier: TokenVerifier, clock: Clock) -> None:
    # Default leeway is 5 s: a token that expired 4 s ago or starts in 4 s is still accepted.
    assert await verifier.verify(issuer.token(exp=int(clock.time) - 4))
    assert await verifier.verify(issuer.token(nbf=int(clock.time) + 4))


async def test_nan_and_float_times(issuer: FakeIssuer, verifier: TokenVerifier, clock: Clock) -> None:
    assert await verifier.verify(issuer.token(exp=clock.time + 60.5))
    token = issuer.key.sign({**issuer.default_claims(), "exp": float("nan")})
    assert (await refusal(verifier, token)).code == "invalid_claim"


async def test_token_identifier_is_issuer_and_subject(issuer: FakeIssuer, verifier: TokenVerifier) -> None:
    auth = await verifier.verify(issuer.token(sub="abc"))
    assert auth.token_identifier == f"{auth.issuer}|abc"


async def test_unknown_issuer_names_nearest(issuer: FakeIssuer, verifier: TokenVerifier) -> None:
    error = await refusal(verifier, issuer.token(iss=issuer.issuer + "/"))
    assert "differs only by a trailing slash" in error.description
    assert repr(issuer.issuer) in error.description


async def test_signature_rules(issuer: FakeIssuer, verifier: TokenVerifier) -> None:
    token = issuer.token()
    header, payload, signature = token.split(".")
    flipped = signature[:10] + ("A" if signature[10] != "A" else "B") + signature[11:]
    assert (await refusal(verifier, f"{header}.{payload}.{flipped}")).code == "bad_signature"
    other = issuer.token(sub="someone-else").split(".")[1]
    assert (await refusal(verifier, f"{header}.{other}.{signature}")).code == "bad_signature"


async def test_unknown_kid_and_kidless_tokens(issuer: FakeIssuer, verifier: TokenVerifier) -> None:
    error = await refusal(verifier, issuer.token(headers={"kid": "rotated-away"}))
    assert error.code == "unknown_key"
    assert "'rotated-away'" in error.description
    # Without a kid, the single matching key of the JWKS is used.
    unkeyed = issuer.key.sign(issuer.default_claims(), {"kid": None})
    assert (await verifier.verify(unkeyed)).subject


async def test_algorithm_allowlist(clock: Clock) -> None:
    with FakeIssuer(algorithm="ES256", now=clock) as fake:
        verifier = TokenVerifier([fake.issuer_config(algorithms=["RS256"])], now=clock, clock=clock)
        error = await refusal(verifier, fake.token())
        assert error.code == "algorithm_not_allowed"
        assert "'ES256' is not allowed" in error.description
        await verifier.aclose()


async def test_key_type_must_fit_algorithm(clock: Clock) -> None:
    """An RSA JWKS key is never used for an ES256 token, even when both algorithms are allowed."""
    with FakeIssuer(algorithm="RS256", now=clock) as fake:
        ec_key = FakeIssuer(algorithm="ES256").key
        forged = ec_key.sign(fake.default_claims(), {"kid": fake.key.kid})
        verifier = TokenVerifier([fake.issuer_config(algorithms=["RS256", "ES256"])], now=clock, clock=clock)
        assert (await refusal(verifier, forged)).code == "algorithm_not_allowed"
        await verifier.aclose()


@pytest.mark.parametrize(
    ("token", "code"),
    [
        ("", "malformed"),
        ("abc", "malformed"),
        ("a.b", "malformed"),
        ("a.b.c.d.e", "malformed"),
        ("!!.??.**", "malformed"),
        ("eyJhbGciOiJSUzI1NiJ9.bm90IGpzb24.c2ln", "malformed"),
    ],
)
async def test_malformed_tokens(verifier: TokenVerifier, token: str, code: str) -> None:
    assert (await refusal(verifier, token)).code == code


async def test_oversized_token_refused_before_decoding(verifier: TokenVerifier, issuer: FakeIssuer) -> None:
    error = await refusal(verifier, "x" * (16 * 1024 + 1))
    assert error.code == "token_too_large"
    assert issuer.jwks_fetches == 0


async def test_audience_list_and_authorized_parties(clock: Clock) -> None:
    with FakeIssuer(now=clock) as fake:
        config = fake.issuer_config(
            audience=["api://a", "api://b"], authorized_parties=["https://app.example"]
        )
        verifier = TokenVerifier([config], now=clock, clock=clock)
        assert await verifier.verify(fake.token(aud=["api://x", "api://b"], azp="https://app.example"))
        assert await verifier.verify(fake.token(aud="api://a"))  # no azp: accepted, as Clerk's SDK does
        error = await refusal(verifier, fake.token(aud="api://a", azp="https://evil.example"))
        assert error.code == "unauthorized_party"
        assert "'https://evil.example'" in error.description
        await verifier.aclose()


async def test_required_claims_and_token_type(clock: Clock) -> None:
    with FakeIssuer(now=clock) as fake:
        config = fake.issuer_config(required_claims=["org_id"], token_type="at+jwt")
        verifier = TokenVerifier([config], now=clock, clock=clock)
        assert await verifier.verify(fake.token(org_id="org_1", headers={"typ": "at+jwt"}))
        assert await verifier.verify(fake.token(org_id="org_1", headers={"typ": "application/AT+JWT"}))
        assert (await refusal(verifier, fake.token(headers={"typ": "at+jwt"}))).code == "missing_claim"
        error = await refusal(verifier, fake.token(org_id="o", headers={"typ": "JWT"}))
        assert error.code == "wrong_token_type"
        await verifier.aclose()


async def test_several_issuers_share_one_jwks(clock: Clock) -> None:
    """WorkOS signs with two issuer forms and one JWKS: one fetch serves both."""
    with FakeIssuer("https://api.workos.test/user_management/client_1", now=clock) as fake:
        second = Issuer("https://api.workos.test/", jwks_uri=fake.jwks_uri, audience="client_1")
        verifier = TokenVerifier([fake.issuer_config(), second], now=clock, clock=clock)
        assert (await verifier.verify(fake.token())).issuer == fake.issuer
        sso = fake.token(iss="https://api.workos.test/", aud="client_1")
        assert (await verifier.verify(sso)).issuer == "https://api.workos.test/"
        assert fake.jwks_fetches == 1
        await verifier.aclose()


async def test_discovery_is_fetched_once_and_checked(clock: Clock) -> None:
    with FakeIssuer(now=clock) as fake:
        verifier = TokenVerifier([fake.issuer_config(jwks_uri=None)], now=clock, clock=clock)
        for _ in range(3):
            await verifier.verify(fake.token())
        assert [r.path for r in fake.requests] == [
            "/.well-known/openid-configuration",
            "/.well-known/jwks.json",
        ]
        await verifier.aclose()


async def test_discovery_issuer_mismatch_is_unavailable_not_a_pass(clock: Clock) -> None:
    class Lying(FakeIssuer):
        @property
        def discovery(self) -> dict[str, object]:
            return {**super().discovery, "issuer": "https://someone-else.example"}

    with Lying(now=clock) as fake:
        verifier = TokenVerifier([fake.issuer_config(jwks_uri=None)], now=clock, clock=clock)
        error = await refusal(verifier, fake.token())
        assert isinstance(error, IssuerUnavailableError)
        assert error.status == 503
        assert "names issuer 'https://someone-else.example'" in error.description
        await verifier.aclose()


async def test_mapper_failure_is_a_server_error_not_a_refusal(clock: Clock) -> None:
    def broken(claims: object) -> object:
        raise KeyError("custom")

    with FakeIssuer(now=clock) as fake:
        verifier = TokenVerifier([fake.issuer_config(claims=broken)], now=clock, clock=clock)
        with pytest.raises(KeyError):
            await verifier.verify(fake.token())
        await verifier.aclose()


def test_verifier_configuration_is_validated() -> None:
    with pytest.raises(ValueError, match="at least one"):
        TokenVerifier([])
    with pytest.raises(ValueError, match="configured twice"):
        TokenVerifier([Issuer("https://a.example"), Issuer("https://a.example")])
    with pytest.raises(ValueError, match="max_token_bytes"):
        TokenVerifier(Issuer("https://a.example"), max_token_bytes=1)
