"""Every production one-liner in the README's provider table accepts, unchanged, the tokens the
plugin's matching preset mints (a fake issuer at the configured URL and audience)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from asgi_authinfo import Issuer, TokenVerifier, providers
from pytest_plugin import FakeIssuer

README = Path(__file__).resolve().parents[2] / "README.md"

# The table's first column → the preset a test of that provider uses.
PRESETS = {
    "WorkOS AuthKit": "workos",
    "Clerk": "clerk",
    "Authgear": "authgear",
    "Auth0": "auth0",
    "Keycloak": "keycloak",
    "Amazon Cognito": "cognito",
    "Microsoft Entra ID": "entra",
    "Okta": "okta",
    "Supabase": "supabase",
    "Firebase": "firebase",
    "Any JWT (Convex style)": "oidc",
}


# The table's ``<placeholders>``, filled in as a user would; nothing else in a line is changed.
PLACEHOLDERS = {
    "<tenant-id>": "72f988bf-86f1-41af-91ab-2d7cd011db47",
    "<api-client-id>": "6e74172b-be56-4843-9ff4-e66a39bb12e3",
    "<ref>": "abcdefghijklmnopqrst",
}
# The app client a token names, in the claim the provider uses (the fake is told the app's id).
CLIENT_CLAIMS = {"cognito": "client_id", "okta": "cid"}


def provider_rows() -> list[tuple[str, str]]:
    section = README.read_text().split("## Identity providers", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| ([^|]+?) \| `(providers\.[^`]+)` \|", section, flags=re.MULTILINE)
    return [(name, line) for name, line in rows]


def test_the_table_is_read() -> None:
    assert {name for name, _ in provider_rows()} == set(PRESETS)


def fake_for(preset: str, config: Issuer) -> FakeIssuer:
    """The fake issuer a test of an app configured with ``config`` starts: same URL and audience."""
    options: dict[str, Any] = {"preset": preset}
    if config.audience:
        options["audience"] = config.audience[0]
    return FakeIssuer(config.issuer, **options)


def client_claims(preset: str, line: str) -> dict[str, Any]:
    claim = CLIENT_CLAIMS.get(preset)
    if claim is None:
        return {}
    client = re.search(r'client_id="([^"]+)"', line) or re.search(r'", "([^"]+)"\)$', line)
    assert client is not None, line
    return {claim: client.group(1)}


@pytest.mark.anyio
@pytest.mark.parametrize(("name", "line"), provider_rows(), ids=[name for name, _ in provider_rows()])
async def test_the_readme_line_accepts_the_presets_tokens(name: str, line: str) -> None:
    for placeholder, value in PLACEHOLDERS.items():
        line = line.replace(placeholder, value)
    configs = eval(line, {"providers": providers})  # noqa: S307  (the README's own text)
    preset = PRESETS[name]
    tested = 0
    for config in configs:
        fake = fake_for(preset, config)
        if fake.jwks_uri != config.jwks_uri:  # WorkOS: the SSO issuer form names no client id
            continue
        async with httpx.AsyncClient(transport=fake.transport()) as client:
            verifier = TokenVerifier(list(configs), client=client, now=fake.now)
            auth = await verifier.verify(fake.token_for(claims=client_claims(preset, line)))
        assert auth.issuer == config.issuer
        tested += 1
    assert tested
