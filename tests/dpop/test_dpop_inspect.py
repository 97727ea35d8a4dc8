"""``inspect`` explains DPoP refusals, with the request's proof given as ``--dpop-proof``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from asgi_authinfo._inspect import add_arguments, run
from pytest_plugin import Clock, FakeIssuer, dpop_key

NOW = 1_800_000_000.0
URL = "https://api.example.com/orders"


def inspect(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, fake: FakeIssuer, *argv: str
) -> tuple[int, dict]:
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps(fake.jwks))
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    common = ["--issuer", fake.issuer, "--jwks-file", str(jwks), "--now", str(NOW), "--json"]
    status = run(parser.parse_args([*argv, *common]))
    return status, json.loads(capsys.readouterr().out)


@pytest.fixture
def fake() -> FakeIssuer:
    return FakeIssuer(now=Clock(NOW), audience=None)


def dpop_check(report: dict) -> dict:
    return next(check for check in report["checks"] if check["name"] == "dpop")


def test_a_valid_proof_passes(capsys: pytest.CaptureFixture[str], tmp_path: Path, fake: FakeIssuer) -> None:
    key = dpop_key()
    token = fake.token(cnf=key.cnf)
    proof = fake.dpop_proof("GET", URL, token=token, key=key)
    status, report = inspect(capsys, tmp_path, fake, token, "--dpop-proof", proof)
    assert status == 0, report
    assert dpop_check(report)["status"] == "passed"


@pytest.mark.parametrize(
    ("extra", "code"),
    [
        ((), "dpop_binding_mismatch"),
        (("--method", "POST"), "invalid_dpop_proof"),
        (("--url", "https://api.example.com/admin"), "invalid_dpop_proof"),
    ],
)
def test_refusals_are_explained(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, fake: FakeIssuer, extra: tuple[str, ...], code: str
) -> None:
    key = dpop_key()
    token = fake.token(cnf=key.cnf)
    proof = fake.dpop_proof("GET", URL, token=token, key=key)
    argv = (
        (token,) if not extra and code == "dpop_binding_mismatch" else (token, "--dpop-proof", proof, *extra)
    )
    status, report = inspect(capsys, tmp_path, fake, *argv)
    assert status != 0
    check = dpop_check(report)
    assert check["status"] == "failed" and check["code"] == code, check
    assert token not in json.dumps(report)
