"""``asgi-authinfo inspect`` run as users run it: a subprocess, for a token of every refusal code.

All the subprocesses start at once (module fixture) and the tests read their results, so the
suite pays for interpreter start-up once per core, not once per case.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from inspect_scenarios import CONFIG_MODULE, FAKE, NOW, REFUSALS, SCENARIOS, MakeVerifier, Scenario

from asgi_authinfo import AuthError, TokenVerifier
from asgi_authinfo._responses import challenge
from pytest_plugin import FakeIssuer

pytestmark = pytest.mark.anyio

PYTHON_M = (sys.executable, "-m", "asgi_authinfo")
SCRIPT = Path(sys.executable).with_name("asgi-authinfo")


@dataclass(frozen=True)
class Run:
    """One finished ``inspect`` process."""

    command: tuple[str, ...]
    token: str
    exit: int
    out: str
    err: str


@dataclass(frozen=True)
class Served:
    """The loopback fake issuer's URLs and tokens, for the cases that fetch keys over real HTTP."""

    issuer: str
    token: str


def _start(folder: Path, command: tuple[str, ...], stdin: str | None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        command,
        cwd=folder,
        stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture(scope="module")
def served_issuer() -> Iterator[tuple[FakeIssuer, Served]]:
    fake = FakeIssuer(now=lambda: NOW)
    with fake.serve() as running:
        yield running, Served(running.issuer, running.token(email="ada@example.com"))


@pytest.fixture(scope="module")
def runs(
    tmp_path_factory: pytest.TempPathFactory, served_issuer: tuple[FakeIssuer, Served]
) -> dict[str, Run]:
    """Every case of this module, run concurrently; keyed by case id."""
    folder = tmp_path_factory.mktemp("inspect")
    (folder / "jwks.json").write_text(json.dumps(FAKE.jwks))
    (folder / "inspect_config.py").write_text(CONFIG_MODULE)
    offline = ("--jwks-file", "jwks.json", "--now", str(NOW))
    cases: dict[str, tuple[tuple[str, ...], str, str | None]] = {}
    for scenario in SCENARIOS:
        (folder / f"{scenario.id}.token").write_text(scenario.token + "\n")
        command = (*PYTHON_M, "inspect", "--token-file", f"{scenario.id}.token", *scenario.args, *offline)
        cases[scenario.id] = (command, scenario.token, None)
    expired = next(s for s in SCENARIOS if s.id == "expired")
    accepted = SCENARIOS[0]
    cases["expired-stdin-bearer"] = (
        (*PYTHON_M, "inspect", "-", *expired.args, *offline),
        expired.token,
        f"Bearer {expired.token}\n",
    )
    cases["expired-json"] = (
        (*PYTHON_M, "inspect", expired.token, "--json", *expired.args, *offline),
        expired.token,
        None,
    )
    cases["accepted-console-script"] = (
        (str(SCRIPT), "inspect", accepted.token, *accepted.args, *offline),
        accepted.token,
        None,
    )
    _, served = served_issuer
    cases["loopback-discovery"] = (
        (*PYTHON_M, "inspect", "-v", "-", "--issuer", served.issuer, "--now", str(NOW)),
        served.token,
        served.token,
    )
    missing = f"{served.issuer}/missing-jwks.json"
    cases["loopback-unavailable"] = (
        (*PYTHON_M, "inspect", "-", "--issuer", served.issuer, "--jwks-uri", missing, "--now", str(NOW)),
        served.token,
        served.token,
    )
    cases["decode-only"] = ((*PYTHON_M, "inspect", "-"), accepted.token, accepted.token)
    processes = {
        case: (_start(folder, command, stdin), command, token, stdin)
        for case, (command, token, stdin) in cases.items()
    }
    results: dict[str, Run] = {}
    for case, (process, command, token, stdin) in processes.items():
        out, err = process.communicate(stdin, timeout=120)
        results[case] = Run(command, token, process.returncode, out, err)
    return results


async def expected_error(scenario: Scenario, make_verifier: MakeVerifier) -> AuthError:
    """What ``TokenVerifier.verify()`` (so the middleware) says about the scenario's token, in-process."""
    with pytest.raises(AuthError) as refused:
        await make_verifier(scenario).verify(scenario.token)
    return refused.value


def assert_secret_kept(run: Run) -> None:
    signature = run.token.rsplit(".", 1)[-1]
    for stream in (run.out, run.err):
        assert run.token not in stream
        if len(signature) >= 16:
            assert signature not in stream


@pytest.mark.parametrize("scenario", REFUSALS, ids=[scenario.id for scenario in REFUSALS])
async def test_refusal_exits_1_with_the_middlewares_explanation(
    scenario: Scenario, runs: dict[str, Run], make_verifier: MakeVerifier
) -> None:
    run = runs[scenario.id]
    error = await expected_error(scenario, make_verifier)
    assert run.exit == 1, run.err
    assert error.code == scenario.code
    assert f"result     REFUSED ({error.code}): {error.description}\n" in run.out
    assert f"the middleware answers HTTP 401; WWW-Authenticate: {challenge(error, 'api')}\n" in run.out
    failing = next(line for line in run.out.splitlines() if line.startswith("  FAIL"))
    assert failing.split()[1] == scenario.check
    for phrase in scenario.says:
        assert phrase in run.out
    assert_secret_kept(run)


@pytest.mark.parametrize("case", ["accepted", "workos-authkit", "accepted-console-script"])
def test_acceptance_exits_0_and_shows_the_auth_info(case: str, runs: dict[str, Run]) -> None:
    run = runs[case]
    scenario = next(s for s in SCENARIOS if s.id == case.removesuffix("-console-script"))
    assert run.exit == 0, run.err
    for phrase in scenario.says:
        assert phrase in run.out
    assert "  FAIL" not in run.out
    assert_secret_kept(run)


def test_times_are_numbers_and_utc_with_how_long_ago(runs: dict[str, Run]) -> None:
    out = runs["expired"].out
    assert f"  exp  {NOW - 240}  (2027-01-15T07:56:00Z, expired 4 min ago)\n" in out
    assert f"  iat  {NOW}  (2027-01-15T08:00:00Z, 0 s ago)\n" in out
    assert f"now        {NOW} (2027-01-15T08:00:00Z)\n" in out


def test_unknown_issuer_names_the_nearest_configured_issuer(runs: dict[str, Run]) -> None:
    out = runs["unknown_issuer"].out
    assert "  matched   none (see the issuer check)" in out
    assert "(nearest: 'https://fake-issuer.test', which differs only by a trailing slash)" in out


def test_token_from_stdin_may_carry_the_bearer_prefix(runs: dict[str, Run]) -> None:
    from_stdin, from_file = runs["expired-stdin-bearer"], runs["expired"]
    assert from_stdin.exit == 1
    assert from_stdin.out == from_file.out
    assert_secret_kept(from_stdin)


def test_json_output_for_machines(runs: dict[str, Run]) -> None:
    run = runs["expired-json"]
    document = json.loads(run.out)
    assert run.exit == 1
    assert document["accepted"] is False
    assert document["error"]["code"] == "expired"
    assert [check["name"] for check in document["checks"] if check["status"] == "failed"] == ["exp"]
    assert document["claims"]["exp"] == NOW - 240
    assert document["notes"] == ["keys come from --jwks-file jwks.json, not from the network"]
    assert document["fingerprint"] == runs["expired"].out.split("fingerprint ")[1][:8]
    assert_secret_kept(run)


async def test_keys_over_real_http_with_discovery_and_logged_fetches(
    runs: dict[str, Run], served_issuer: tuple[FakeIssuer, Served]
) -> None:
    run = runs["loopback-discovery"]
    _, served = served_issuer
    assert run.exit == 0, run.err
    assert f"  JWKS      {served.issuer}/.well-known/jwks.json (kids: " in run.out
    assert "asgi_authinfo INFO fetched OIDC discovery document from " in run.err
    assert "asgi_authinfo INFO fetched JWKS from " in run.err and " ms (" in run.err
    assert_secret_kept(run)


async def test_unreachable_keys_exit_2_with_the_503_the_middleware_sends(
    runs: dict[str, Run], served_issuer: tuple[FakeIssuer, Served]
) -> None:
    run = runs["loopback-unavailable"]
    fake, served = served_issuer
    missing = f"{served.issuer}/missing-jwks.json"
    verifier = TokenVerifier([fake.issuer_config(jwks_uri=missing)], now=lambda: NOW)
    with pytest.raises(AuthError) as refused:
        await verifier.verify(served.token)
    await verifier.aclose()
    error = refused.value
    assert run.exit == 2
    assert error.code == "issuer_unavailable" and "HTTP 404" in error.description
    assert f"result     REFUSED (issuer_unavailable): {error.description}\n" in run.out
    assert "the middleware answers HTTP 503; Retry-After: " in run.out
    assert "asgi_authinfo WARNING fetching JWKS from " in run.err and "failed after " in run.err


def test_without_issuers_the_token_is_decoded_and_the_exit_is_2(runs: dict[str, Run]) -> None:
    run = runs["decode-only"]
    assert run.exit == 2
    assert '  email        "ada@example.com"' in run.out
    assert "result     NOT CHECKED: no issuer given (use --issuer, --provider or --config); " in run.out
    assert "to check it against its own issuer: --issuer https://fake-issuer.test\n" in run.out
    assert_secret_kept(run)
