"""The core never imports redis; asgi_authinfo.contrib.redis says which extra it needs."""

from __future__ import annotations

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import sys

    class Blocker:
        def find_spec(self, name, path=None, target=None):
            if name.partition(".")[0] == "redis":
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
            return None

    sys.meta_path.insert(0, Blocker())
    import asgi_authinfo, asgi_authinfo.contrib
    print("loaded:", sorted(name for name in sys.modules if name.partition(".")[0] == "redis"))
    try:
        import asgi_authinfo.contrib.redis
    except ImportError as exc:
        print(exc)
    """
)


def test_the_core_imports_without_redis_and_the_adapter_names_the_extra() -> None:
    command = [sys.executable, "-c", SCRIPT]
    result = subprocess.run(command, capture_output=True, text=True, check=True, timeout=60)
    assert result.stdout.splitlines() == [
        "loaded: []",
        "asgi_authinfo.contrib.redis needs redis-py: pip install 'asgi-authinfo[redis]'",
    ]
