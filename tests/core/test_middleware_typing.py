"""``AuthInfoMiddleware`` type-checks as the ASGI 3 application httpx, Starlette's TestClient,
uvicorn and Hypercorn each expect (mypy --strict and pyright), with no ``# type: ignore``."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

SNIPPET = textwrap.dedent(
    """
    import httpx
    import uvicorn
    from hypercorn.asyncio import serve
    from hypercorn.config import Config
    from starlette.applications import Starlette
    from starlette.testclient import TestClient

    from asgi_authinfo import AuthInfoMiddleware, Issuer

    app = AuthInfoMiddleware(Starlette(), issuers=[Issuer("https://auth.example.com", audience="api://x")])
    transport = httpx.ASGITransport(app=app)
    client = TestClient(app)
    server = uvicorn.Server(uvicorn.Config(app))


    async def main() -> None:
        await serve(app, Config())
    """
)


@pytest.mark.parametrize("checker", ["mypy", "pyright"])
def test_the_middleware_is_an_asgi_app_to_every_server_and_client(checker: str, tmp_path: Path) -> None:
    executable = shutil.which(checker, path=str(Path(sys.executable).parent))
    if executable is None:
        pytest.skip(f"{checker} is not installed")
    pytest.importorskip("hypercorn")
    (tmp_path / "snippet.py").write_text(SNIPPET)
    # This checkout's asgi_authinfo, ahead of any installed copy.
    (tmp_path / "pyrightconfig.json").write_text(json.dumps({"extraPaths": [str(ROOT)]}))
    if checker == "mypy":
        args = [executable, "--strict", "--cache-dir", str(tmp_path / ".mypy_cache"), "snippet.py"]
    else:
        args = [executable, "--pythonpath", sys.executable, "snippet.py"]
    env = {**os.environ, "MYPYPATH": str(ROOT)}
    result = subprocess.run(
        args, capture_output=True, text=True, cwd=tmp_path, env=env, timeout=240, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
