"""``python -m asgi_authinfo``: options, usage errors (exit 2) and where the token may come from."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from inspect_scenarios import CLIENT_ID, FAKE, ISSUER_ARGS, NOW, SCENARIOS

from asgi_authinfo import __version__
from asgi_authinfo.__main__ import main
from pytest_plugin import FakeIssuer


@pytest.fixture
def jwks_file(tmp_path: Path) -> str:
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps(FAKE.jwks))
    return str(path)


def inspect(*args: str) -> list[str]:
    return ["inspect", *args, "--now", str(NOW)]


@pytest.mark.parametrize(
    ("args", "says"),
    [
        ([], "give the token: as an argument, - to read it from stdin, or --token-file PATH"),
        (["tok.en.x", "--token-file", "t"], "not both"),
        (["--token-file", "/nonexistent/token"], "cannot read --token-file /nonexistent/token"),
        (["Bearer   "], "the token is empty"),
        (["a.b.c", "--client-id", CLIENT_ID], "--client-id needs --issuer or --provider"),
        (["a.b.c", "--audience", "x"], "--audience needs --issuer or --provider"),
        (["a.b.c", "--issuer", "https://a.example", "--client-id", "c"], "--client-id goes with --provider"),
        (["a.b.c", "--provider", "workos"], "--provider workos needs --client-id ID"),
        (["a.b.c", "--provider", "clerk"], "--provider clerk needs --issuer URL"),
        (
            ["a.b.c", "--provider", "workos", "--client-id", "c", "--issuer", "https://a.example"],
            "its issuers are built for you",
        ),
        (["a.b.c", "--issuer", "http://auth.example.com"], "issuer must use https://"),
        (["a.b.c", "--issuer", "https://a.example", "--algorithm", "HS256"], "cannot be verified with JWKS"),
        (["a.b.c", "--config", "no_colon"], "--config must look like module:attribute"),
        (["a.b.c", "--config", "no_such_module_here:x"], "cannot import 'no_such_module_here'"),
        (["a.b.c", "--config", "asgi_authinfo:nothing"], "'asgi_authinfo' has no attribute 'nothing'"),
        (["a.b.c", "--config", "asgi_authinfo:__version__"], "it must be an Issuer, a list of them"),
        (["a.b.c", "--config", "m:x", "--issuer", "https://a.example"], "--config names the issuers"),
        (["a.b.c", "--jwks-file", "j.json"], "--jwks-file needs the issuers"),
        (
            ["a.b.c", "--issuer", "https://a.example", "--jwks-file", "/nonexistent.json"],
            "cannot read --jwks-file",
        ),
    ],
)
def test_usage_errors_exit_2_and_say_what_to_do(
    args: list[str], says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(inspect(*args)) == 2
    err = capsys.readouterr().err
    assert err.startswith("asgi-authinfo inspect: ") and says in err


def test_a_file_that_is_not_a_jwks_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "keys.json"
    path.write_text('{"issuer": "not a key set"}')
    assert main(inspect("a.b.c", *ISSUER_ARGS, "--jwks-file", str(path))) == 2
    assert "is not a JWKS (a JSON object with a `keys` list)" in capsys.readouterr().err


def test_argparse_errors_version_and_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert main(["inspect", "--no-such-option"]) == 2
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"asgi-authinfo {__version__}"
    assert main(["inspect", "--help"]) == 0
    assert "--jwks-file PATH" in capsys.readouterr().out


def test_a_single_jwk_or_a_list_works_as_jwks_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    token = SCENARIOS[0].token
    for index, document in enumerate([FAKE.key.public_jwk, [FAKE.key.public_jwk]]):
        path = tmp_path / f"key{index}.json"
        path.write_text(json.dumps(document))
        assert main(inspect(token, *ISSUER_ARGS, "--jwks-file", str(path))) == 0
    assert capsys.readouterr().out.count("result     ACCEPTED") == 2


def test_issuer_options_reach_the_issuer(jwks_file: str, capsys: pytest.CaptureFixture[str]) -> None:
    token = FAKE.token(exp=NOW - 3, org_id="org_1", role="admin")
    options = ["--issuer", "https://fake-issuer.test", "--jwks-file", jwks_file]
    assert main(inspect(token, *options, "--leeway", "0", "--json")) == 1
    assert json.loads(capsys.readouterr().out)["error"]["code"] == "expired"
    assert main(inspect(token, *options, "--leeway", "10", "--claims", "workos", "--json")) == 0
    auth_info = json.loads(capsys.readouterr().out)["auth_info"]
    assert auth_info["organization_id"] == "org_1" and auth_info["role"] == "admin"


def test_the_verifier_in_a_config_brings_its_own_token_limit(
    jwks_file: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "my_app_config.py").write_text(
        "from asgi_authinfo import AuthInfoMiddleware, Issuer\n"
        "async def app(scope, receive, send): ...\n"
        "app = AuthInfoMiddleware(app, issuers=[Issuer('https://fake-issuer.test', audience='api://orders')])\n"
    )
    monkeypatch.chdir(tmp_path)  # --config imports from the current directory, as uvicorn does
    assert main(inspect(SCENARIOS[0].token, "--config", "my_app_config:app", "--jwks-file", jwks_file)) == 0
    assert "result     ACCEPTED" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("provider", "issuer", "claims"),
    [
        ("clerk", "https://clerk.example.com", {}),
        ("authgear", "https://myapp.authgear.cloud", {"aud": "https://myapp.authgear.cloud"}),
    ],
)
def test_providers_that_take_a_url_use_issuer(
    provider: str, issuer: str, claims: dict[str, str], jwks_file: str, capsys: pytest.CaptureFixture[str]
) -> None:
    token = FakeIssuer(issuer, now=lambda: NOW).token(key=FAKE.key, **claims)  # a key the JWKS file lists
    assert main(inspect(token, "--provider", provider, "--issuer", issuer, "--jwks-file", jwks_file)) == 0
    assert f"  matched   {issuer}\n" in capsys.readouterr().out
