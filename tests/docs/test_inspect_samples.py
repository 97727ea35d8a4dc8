"""Every ``asgi-authinfo inspect`` sample in the docs is what the command prints today.

A sample is a ```` ```text ```` block whose first line is ``$ asgi-authinfo inspect ...``. The test
mints the token the sample shows (``TOKENS``, by the file the command reads), writes the files the
command names, runs the real command with the sample's ``now``, and compares line by line. Only the
token's fingerprint differs from run to run (the fake's keys are made per run), so it is masked. A
``[... ...]`` line in a sample stands for the lines up to the one that follows it.

After a change to ``inspect``'s output, rewrite the samples from the real command with
``DOCS_REGENERATE=1 python -m pytest tests/docs/test_inspect_samples.py`` and review the diff.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from pytest_plugin import FakeIssuer

from ._fences import ROOT, fences

_FINGERPRINT = re.compile(r"fingerprint [0-9a-f]{8}")
_ELISION = re.compile(r"^\[\.\.\. .* \.\.\.\]$")

WORKOS = "https://api.workos.com/user_management/client_01JEXAMPLE7Q2M4VZ8K3W9T6R"
AUTH0 = "https://example-tenant.us.auth0.com/"
SIGNED_IN = {
    "sub": "user_01JEXAMPLEUSER",
    "sid": "session_01JEXAMPLESESSION",
    "org_id": "org_01JEXAMPLEORG",
    "role": "admin",
    "permissions": ["orders:read", "orders:write"],
}


class Token(NamedTuple):
    """How a sample's token was minted: the fake issuer, the JWKS file it writes, claims, headers."""

    issuer: str
    preset: str
    jwks_file: str
    claims: dict[str, Any]
    headers: dict[str, Any] | None = None
    at: int = 1_795_613_437


# The token files the samples read, as the docs describe them.
TOKENS = {
    "token.txt": Token(WORKOS, "workos", "jwks.json", {**SIGNED_IN, "jti": None}),
    "expired.txt": Token(
        WORKOS,
        "workos",
        "jwks.json",
        {"sub": SIGNED_IN["sub"], "sid": SIGNED_IN["sid"], "jti": None, "nbf": None, "exp": 1_795_613_197},
        at=1_795_612_897,
    ),
    "rotated.txt": Token(
        WORKOS, "workos", "jwks.json", {"sub": SIGNED_IN["sub"], "jti": None}, {"kid": "key_01JNEWKEY"}
    ),
    "auth0.txt": Token(
        AUTH0,
        "auth0",
        "auth0-jwks.json",
        {
            "sub": "auth0|6578",
            "aud": ["https://api.example.com/orders", f"{AUTH0}userinfo"],
            "nbf": 1_795_613_437,
            **dict.fromkeys(("jti", "azp", "scope")),
        },
    ),
}
# The app module `--config myapp:app` names: docs/troubleshooting.md's "myapp.py" block.
MYAPP = re.search(
    r"^```python\n(from asgi_authinfo import AuthInfoMiddleware, Issuer\n\nasync def api.*?)^```$",
    (ROOT / "docs" / "troubleshooting.md").read_text(),
    flags=re.DOTALL | re.MULTILINE,
)


class Sample(NamedTuple):
    path: Path
    line: int
    command: str
    output: str


def samples() -> list[Sample]:
    found = []
    for fence in fences("text"):
        command, _, output = fence.body.partition("\n")
        if fence.info == "text" and command.startswith("$ asgi-authinfo inspect "):
            found.append(Sample(fence.doc, fence.line, command, output))
    return found


SAMPLES = samples()


def run(sample: Sample, where: Path) -> str:
    """The real command's output (stdout and its ``[exit N]``), as the sample shows it."""
    words = shlex.split(sample.command.removeprefix("$ "))
    stdin = None
    if "<" in words:
        stdin = words[words.index("<") + 1]
        words = words[: words.index("<")]
    token_file = stdin or words[words.index("--token-file") + 1]
    spec = TOKENS[token_file]
    now = re.search(r"^now +(\d+)", sample.output, flags=re.MULTILINE)
    fake = FakeIssuer(spec.issuer, preset=spec.preset, now=lambda: spec.at)
    (where / token_file).write_text(fake.token(headers=spec.headers, **spec.claims))
    (where / spec.jwks_file).write_text(json.dumps(fake.jwks))
    assert MYAPP is not None
    (where / "myapp.py").write_text(MYAPP.group(1))
    args = [*words[1:], "--now", now.group(1) if now else str(spec.at + 2)]
    result = subprocess.run(
        [sys.executable, "-m", "asgi_authinfo", *args],
        cwd=where,
        input=(where / stdin).read_text() if stdin else None,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{where}"},
        timeout=60,
    )
    return f"{result.stdout}[exit {result.returncode}]"


def as_shown(actual: str, sample: str) -> str:
    """``actual`` with the fingerprint masked and the sample's elisions applied."""
    shown = sample.rstrip("\n").splitlines()
    lines = _FINGERPRINT.sub("fingerprint ........", actual).splitlines()
    out: list[str] = []
    i = 0
    for n, line in enumerate(shown):
        if not _ELISION.match(line):
            continue
        start = i if n == 0 else _find(lines, shown[n - 1], i) + 1
        out.extend(lines[i:start])
        out.append(line)
        following = [rest for rest in shown[n + 1 :] if rest]
        blanks = next((k for k, rest in enumerate(shown[n + 1 :]) if rest), 0)
        i = max(start, _find(lines, following[0], start) - blanks) if following else len(lines)
    out.extend(lines[i:])
    return "\n".join(out)


def _find(lines: list[str], line: str, start: int) -> int:
    """Where ``line`` is, from ``start`` on (``start`` when it is not there: the diff will show it)."""
    return lines.index(line, start) if line in lines[start:] else start


def test_the_docs_have_inspect_samples() -> None:
    assert {sample.path.name for sample in SAMPLES} >= {"README.md", "troubleshooting.md"}


@pytest.mark.parametrize(
    "sample", SAMPLES, ids=[f"{sample.path.relative_to(ROOT)}:{sample.line}" for sample in SAMPLES]
)
def test_the_inspect_sample_is_what_the_command_prints(sample: Sample, tmp_path: Path) -> None:
    expected = as_shown(run(sample, tmp_path), sample.output)
    shown = _FINGERPRINT.sub("fingerprint ........", sample.output.rstrip("\n"))
    if shown != expected and os.environ.get("DOCS_REGENERATE"):
        real = _FINGERPRINT.search(sample.output)
        fingerprint = real.group(0) if real else "fingerprint ........"
        text = sample.path.read_text()
        new = expected.replace("fingerprint ........", fingerprint)
        old = f"{sample.command}\n{sample.output}"
        sample.path.write_text(text.replace(old, f"{sample.command}\n{new}\n"))
        pytest.skip("regenerated: review the diff")
    assert shown == expected
