"""Shared helpers for the provider tests: fake issuers at providers' real URLs, and verification."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx

from asgi_authinfo import AuthInfo, Issuer, TokenVerifier
from asgi_authinfo.claims import ClaimMapper
from pytest_plugin import FakeIssuer


class ProviderIssuer(FakeIssuer):
    """A fake issuer that publishes its JWKS where the provider does (any path, any host).

    :meth:`client` answers the issuer's and the JWKS's hosts only, so a helper that points at a
    wrong host or path fails the test.
    """

    def __init__(self, issuer: str, *, jwks_uri: str, **kwargs: Any) -> None:
        super().__init__(issuer, **kwargs)
        self.provider_jwks_uri = jwks_uri

    @classmethod
    def like(cls, config: Issuer, **kwargs: Any) -> ProviderIssuer:
        """A fake for a provider helper's ``Issuer``: same issuer, JWKS URL, algorithm, audience."""
        assert config.jwks_uri is not None
        audience = config.audience[0] if config.audience else None
        options: dict[str, Any] = {"algorithm": config.algorithms[0], "audience": audience}
        options.update(kwargs)
        return cls(config.issuer, jwks_uri=config.jwks_uri, **options)

    @property
    def jwks_uri(self) -> str:
        return self.provider_jwks_uri

    def answer(
        self, method: str, path: str, headers: Mapping[str, str], **options: Any
    ) -> tuple[int, dict[str, Any] | None]:
        status, body = super().answer(method, path, headers, **options)
        if status == 404 and method == "GET" and path == urlsplit(self.provider_jwks_uri).path:
            return 200, self.jwks
        return status, body

    def client(self) -> httpx.AsyncClient:
        """An httpx client answering the issuer's and the JWKS's URLs (404 for any other host)."""
        hosts = {urlsplit(url).hostname for url in (self.issuer, self.provider_jwks_uri)}

        def answer(request: httpx.Request) -> httpx.Response:
            if request.url.host not in hosts:
                return httpx.Response(404, json={"error": "not_found"})
            status, body = self.answer(request.method, request.url.path, request.headers)
            return httpx.Response(status, json=body)

        return httpx.AsyncClient(transport=httpx.MockTransport(answer))


async def verify(
    issuers: Issuer | Iterable[Issuer | Iterable[Issuer]],
    token: str,
    *,
    via: FakeIssuer | None = None,
    **options: Any,
) -> AuthInfo:
    """Verify one token with a fresh verifier (and close it); ``via`` answers its HTTP requests."""
    if via is not None:
        async with via.client() if isinstance(via, ProviderIssuer) else in_memory(via) as client:
            return await verify(issuers, token, client=client, **options)
    verifier = TokenVerifier(issuers, **options)
    try:
        return await verifier.verify(token)
    finally:
        await verifier.aclose()


def fields(auth: AuthInfo) -> dict[str, Any]:
    """The normalized fields users read, as plain JSON (``to_dict`` without raw claims)."""
    data = auth.to_dict()
    for name in ("claims", "expires_at", "token_identifier"):
        data.pop(name)
    return data


_LATER_PROFILE = (
    "middle_name",
    "nickname",
    "preferred_username",
    "profile",
    "website",
    "gender",
    "birthdate",
    "zoneinfo",
    "locale",
    "address",
    "updated_at",
)
"""The OIDC Core §5.1 claims ``User`` carries since issue 18."""


def user_fields(user_id: str, **values: Any) -> dict[str, Any]:
    """``AuthInfo.to_dict()["user"]`` as expected: every field absent unless given."""
    expected: dict[str, Any] = {
        "id": user_id,
        "email": None,
        "email_verified": None,
        "name": None,
        "given_name": None,
        "family_name": None,
        "picture": None,
        "phone_number": None,
        "phone_number_verified": None,
        "is_anonymous": False,
        "custom_attributes": {},
        **dict.fromkeys(_LATER_PROFILE),
    }
    unknown = set(values) - set(expected)
    assert not unknown, unknown
    expected.update(values)
    return expected


def auth_fields(user: dict[str, Any], **values: Any) -> dict[str, Any]:
    """The normalized ``AuthInfo`` fields as expected (``fields(auth)`` without issuer/subject)."""
    expected: dict[str, Any] = {
        "user": user,
        "session_id": None,
        "organization_id": None,
        "organization_slug": None,
        "role": None,
        "roles": [],
        "permissions": [],
        "entitlements": [],
        "feature_flags": [],
        "scopes": [],
        "impersonator": None,
        "plans": [],
        "session_status": None,
        "provider_role": None,
        "provider_roles": [],
        "factor_verification_age": None,
    }
    unknown = set(values) - set(expected)
    assert not unknown, unknown
    expected.update(values)
    return expected


async def round_trip(
    preset: str | ClaimMapper,
    claims: Mapping[str, Any],
    *,
    audience: str | None = None,
    issuer: str | None = None,
    **options: Any,
) -> AuthInfo:
    """Sign ``claims`` with a fake issuer using ``preset`` and verify them: the AuthInfo users get.

    ``issuer`` names the trusted ``Issuer`` when it differs from the fake's own (a multi-tenant
    template); ``options`` are more ``Issuer`` options. The fake answers through an in-memory
    transport (no respx, no TLS set-up: property tests run this for every example). The fake
    issuer's default ``sid`` is dropped unless ``claims`` has one.
    """
    fake = FakeIssuer(audience=audience)
    token = fake.token(**{"sid": None, **claims})
    config: dict[str, Any] = {
        "jwks_uri": fake.jwks_uri,
        "audience": audience,
        "algorithms": (fake.algorithm,),
        "claims": preset,
        **options,
    }
    async with in_memory(fake) as client:
        return await verify(Issuer(issuer or fake.issuer, **config), token, client=client)


def in_memory(fake: FakeIssuer) -> httpx.AsyncClient:
    """An httpx client whose every request is answered by ``fake``."""

    def answer(request: httpx.Request) -> httpx.Response:
        status, body = fake.answer(request.method, request.url.path, request.headers)
        return httpx.Response(status, json=body)

    return httpx.AsyncClient(transport=httpx.MockTransport(answer))


def normalized(auth: AuthInfo) -> dict[str, Any]:
    """``fields(auth)`` without ``issuer`` and ``subject``: compare with :func:`auth_fields`."""
    data = fields(auth)
    data.pop("issuer")
    data.pop("subject")
    return data
