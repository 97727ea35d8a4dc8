"""The shell commands the docs show (```` ```sh ````, ```` ```bash ````, ```` ```console ```` blocks).

Every command names things that exist: extras in pyproject.toml, files and modules of this
repository, ``asgi-authinfo`` subcommands. Some run for real: the ``asgi-authinfo revoke`` lines
against a real valkey-server, the quick start's ``pytest -v`` (its output as shown), and the
README's two set-up commands are the ones CI runs (the ``inspect`` samples: test_inspect_samples.py).
"""

from __future__ import annotations

import ast
import importlib.util
import re
import shlex
import subprocess
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path
from typing import NamedTuple

import pytest
import redis
from packaging.requirements import Requirement

from tests.revocation.conftest import ValkeyServer

from ._fences import ROOT, fences

PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
EXTRAS = PROJECT["optional-dependencies"]
# Commands that only show a tool (or a file the reader writes themselves), not something of ours.
NOT_OURS = {"curl", "export", "mkdir", "cd"}
READERS_FILES = {"test_quickstart.py"}  # docs/testing.md's quick start, saved by the reader


class Command(NamedTuple):
    path: str
    line: int
    words: list[str]


def commands() -> list[Command]:
    found = []
    for fence in fences("sh", "bash", "console"):
        for offset, line in enumerate(fence.body.splitlines()):
            if fence.language == "console":
                if not line.startswith("$ "):
                    continue  # output
                line = line.removeprefix("$ ")
            for part in line.split("&&"):
                words = shlex.split(part, comments=True)
                while words and re.fullmatch(r"[A-Z_]+=\S*", words[0]):
                    words = words[1:]  # SECURITY_REPORT=1 pytest ...
                if words:
                    found.append(Command(fence.path, fence.line + 1 + offset, words))
    return found


COMMANDS = commands()


def extras_named(word: str) -> set[str]:
    match = re.fullmatch(r"(?:\.|asgi-authinfo)\[([a-z,]+)\]", word)
    return set(match.group(1).split(",")) if match else set()


@pytest.mark.parametrize("command", COMMANDS, ids=[f"{c.path}:{c.line}:{c.words[0]}" for c in COMMANDS])
def test_the_command_names_what_exists(command: Command) -> None:
    program, *args = command.words
    program = program.removeprefix(".venv/bin/")
    if program in NOT_OURS:
        return
    if program in {"python", "python3"} and args[:1] == ["-m"]:
        program, args = args[1], args[2:]
    if program in {"python", "python3"}:
        assert (ROOT / args[0]).is_file(), f"{args[0]} is not a file of the repository"
    elif program == "pip":
        assert args[0] == "install"
        for word in args[1:]:
            assert extras_named(word) <= set(EXTRAS), f"{word}: pyproject.toml has extras {sorted(EXTRAS)}"
    elif program == "pytest":
        for path in (arg for arg in args if not arg.startswith("-") and arg != "xdist" and arg != "2"):
            assert path in READERS_FILES or (ROOT / path).exists(), f"{path} is not in the repository"
    elif program == "uvicorn":
        module, attribute = next(arg for arg in args if ":" in arg).split(":")
        tree = ast.parse((ROOT / (module.replace(".", "/") + ".py")).read_text())
        assert attribute in {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
    elif program == "asgi-authinfo":
        assert args[0] in {"inspect", "revoke"}
    elif program in {"ruff", "mypy", "mkdocs", "venv"}:
        assert program != "mkdocs" or args[0] in {"serve", "build"}
    else:
        assert importlib.util.find_spec(program) is not None, f"no module {program!r} (python -m {program})"


def test_the_readme_set_up_commands_are_what_ci_runs() -> None:
    """README's "Try it": the demo's extra installs what the demo imports; the tests' is CI's."""
    block = (ROOT / "README.md").read_text().split("**Try it**", 1)[1]
    venv = "python3 -m venv .venv && .venv/bin/pip install -q -e"
    assert f"{venv} '.[demo]' && .venv/bin/python examples/demo.py" in block
    assert f"{venv} '.[test]' && .venv/bin/python -m pytest" in block
    ci = (ROOT / ".ci" / "run").read_text()
    assert "python3 -m venv .venv\n" in ci
    assert re.search(r"^\.venv/bin/python -m pip install --quiet -e '\.\[test(,\w+)*\]'$", ci, re.MULTILINE)
    assert re.search(r"^\.venv/bin/python -m pytest$", ci, re.MULTILINE)
    # tests/e2e/test_demo.py runs examples/demo.py; here: `.[demo]` brings everything it imports.
    assert not missing_from("demo", ROOT / "examples" / "demo.py")


def missing_from(extra: str, script: Path) -> set[str]:
    """The distributions ``script`` imports that installing ``.[extra]`` does not bring."""
    brings = {name.lower() for name in closure([*PROJECT["dependencies"], *EXTRAS[extra]])}
    imported = set()
    for node in ast.walk(ast.parse(script.read_text())):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            imported.add(node.module.split(".")[0])
    ours = {"asgi_authinfo", "pytest_plugin"}
    third_party = imported - set(sys.stdlib_module_names) - ours
    distributions = packages_distributions()
    needed = {distributions[module][0].lower() for module in third_party}
    # pytest_plugin needs what the `testing` extra brings
    if "pytest_plugin" in imported:
        needed |= {Requirement(r).name.lower() for r in EXTRAS["testing"]}
    return needed - brings


def closure(requirements: list[str]) -> set[str]:
    names: set[str] = set()
    for line in requirements:
        requirement = Requirement(line)
        if requirement.name == PROJECT["name"]:
            for extra in requirement.extras:
                names |= closure(EXTRAS[extra])
        else:
            names.add(requirement.name)
    return names


REVOKES = [c for c in COMMANDS if c.words[:2] == ["asgi-authinfo", "revoke"]]


def test_the_docs_show_revoke_commands() -> None:
    """So the test below cannot pass by collecting nothing."""
    assert any(command.path.endswith("revoking.md") for command in REVOKES)


@pytest.mark.parametrize("command", REVOKES, ids=[f"{c.path}:{c.line}" for c in REVOKES])
def test_the_revoke_command_revokes(command: Command, tmp_path: Path) -> None:
    """Run as shown, against a real valkey-server where the docs say redis://localhost:6379/0."""
    server = ValkeyServer(tmp_path)
    server.start()
    try:
        args = [server.url if word == "redis://localhost:6379/0" else word for word in command.words[1:]]
        result = subprocess.run(
            [sys.executable, "-m", "asgi_authinfo", *args],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith(f"revoked {args[3].removeprefix('--')} ")
        with redis.Redis.from_url(server.url) as client:
            assert client.zcard("asgi_authinfo:revocations") == 1
    finally:
        server.kill()


def test_the_quick_start_prints_what_the_docs_show(pytester: pytest.Pytester) -> None:
    """docs/testing.md's ``pytest test_quickstart.py -v`` output, its PASSED lines."""
    text = (ROOT / "docs" / "testing.md").read_text()
    quickstart = re.search(r"^```python\n(.*?)^```$", text, re.DOTALL | re.MULTILINE)
    shown = re.search(r"^\$ pytest test_quickstart.py -v\n(.*?)^```$", text, re.DOTALL | re.MULTILINE)
    assert quickstart and shown
    pytester.makepyfile(test_quickstart=quickstart.group(1))
    # anyio's own default where trio is not installed (this project's test extra installs it)
    pytester.makeconftest(
        "import pytest\n\n@pytest.fixture(scope='module', params=['asyncio'])\n"
        "def anyio_backend(request):\n    return request.param\n"
    )
    result = pytester.runpytest("-v", "-p", "no:cacheprovider", "-W", "error")
    passed = [line.split(" PASSED")[0] for line in shown.group(1).splitlines() if " PASSED" in line]
    ran = [line.split(" PASSED")[0] for line in result.outlines if " PASSED" in line]
    assert ran == passed
    result.assert_outcomes(passed=len(passed))
