"""The core installs and imports with no web framework; each adapter says which one it needs."""

from __future__ import annotations

import subprocess
import sys
import textwrap

FRAMEWORKS = ("starlette", "fastapi", "litestar", "django", "quart", "falcon")

SCRIPT = textwrap.dedent(
    """
    import importlib, sys

    BLOCKED = set(sys.argv[1:])

    class Blocker:
        def find_spec(self, name, path=None, target=None):
            if name.partition(".")[0] in BLOCKED:
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
            return None

    sys.meta_path.insert(0, Blocker())
    import asgi_authinfo, asgi_authinfo.contrib, pytest_plugin
    loaded = sorted(name for name in sys.modules if name.partition(".")[0] in BLOCKED)
    print("loaded:", loaded)
    for adapter in ("fastapi", "starlette", "litestar", "django", "quart", "falcon"):
        try:
            importlib.import_module(f"asgi_authinfo.contrib.{adapter}")
        except ImportError as exc:
            print(exc)
    """
)


def test_core_imports_without_any_framework() -> None:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, *FRAMEWORKS], capture_output=True, text=True, check=True, timeout=60
    )
    lines = result.stdout.splitlines()
    assert lines[0] == "loaded: []"
    assert lines[1:] == [
        "asgi_authinfo.contrib.fastapi needs FastAPI: pip install fastapi",
        "asgi_authinfo.contrib.starlette needs Starlette: pip install starlette",
        "asgi_authinfo.contrib.litestar needs Litestar: pip install litestar",
        "asgi_authinfo.contrib.django needs Django: pip install django",
        "asgi_authinfo.contrib.quart needs Quart: pip install quart",
        "asgi_authinfo.contrib.falcon needs Falcon: pip install falcon",
    ]
