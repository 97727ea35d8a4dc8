"""The plugin in a venv without the ``testing`` extra: pytest still runs unrelated tests, and a
fixture that needs respx stops with the install command.

A subprocess whose ``sitecustomize`` hides respx and Hypothesis (``None`` in ``sys.modules``, in that
process only) stands in for such a venv; the test process itself is left alone.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STRICT = ("-W", "error", "--strict-markers", "test_app.py")

BLOCKER = """
import sys

# None in sys.modules is how Python blocks an import: "import respx" raises ImportError.
for name in ("respx", "hypothesis", "_hypothesis_pytestplugin"):
    sys.modules[name] = None
"""


def run_without_extra(tmp_path: Path, source: str) -> subprocess.CompletedProcess[str]:
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(BLOCKER)
    project = tmp_path / "project"
    project.mkdir()
    (project / "test_app.py").write_text(source)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(ROOT)])}
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    env.pop("PYTEST_ADDOPTS", None)
    env.pop("PYTEST_XDIST_WORKER", None)
    return subprocess.run(
        # Such a venv has this package's pytest11 entry point (loaded by its module name, as
        # the entry point does); respx's and Hypothesis's are not there.
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "pytest_plugin", *STRICT],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_the_blocker_really_hides_respx(tmp_path: Path) -> None:
    result = run_without_extra(
        tmp_path,
        "import pytest\n\ndef test_hidden():\n    with pytest.raises(ImportError):\n        import respx\n",
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_unrelated_tests_run_when_respx_and_hypothesis_are_missing(tmp_path: Path) -> None:
    result = run_without_extra(tmp_path, "def test_arithmetic():\n    assert 1 + 1 == 2\n")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout


@pytest.mark.parametrize("fixture", ["make_fake_issuer", "signed_in_user"])
def test_a_fixture_that_needs_respx_names_the_install_command(tmp_path: Path, fixture: str) -> None:
    result = run_without_extra(tmp_path, f"def test_uses_it({fixture}):\n    pass\n")
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "pip install 'asgi-authinfo[testing]'" in output
    assert "No module named" not in output.replace("No module named 'respx'", "")


def test_fake_issuer_transport_works_without_respx(tmp_path: Path) -> None:
    """What needs no respx (an injected transport, the verifier) keeps working without it."""
    result = run_without_extra(
        tmp_path,
        "from pytest_plugin import FakeIssuer\n\n"
        "def test_verifies():\n"
        "    fake = FakeIssuer()\n"
        "    assert fake.verify(fake.token_for(role='admin')).roles == ('admin',)\n",
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_importing_the_strategies_names_the_install_command(tmp_path: Path) -> None:
    result = run_without_extra(
        tmp_path,
        "import pytest\n\ndef test_strategies():\n"
        "    with pytest.raises(ImportError, match=r\"pip install 'asgi-authinfo\\[testing\\]'\"):\n"
        "        import pytest_plugin.strategies\n",
    )
    assert result.returncode == 0, result.stdout + result.stderr
