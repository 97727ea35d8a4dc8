"""docs/frameworks.md shows each framework's complete app verbatim: the example apps tested here."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FRAMEWORKS = ("raw_asgi", "starlette", "fastapi", "litestar", "django", "quart", "falcon")


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_the_docs_show_the_tested_example_app_verbatim(framework: str) -> None:
    docs = (ROOT / "docs" / "frameworks.md").read_text()
    app = (ROOT / "examples" / framework / "app.py").read_text().rstrip("\n")
    assert f"```python\n{app}\n```" in docs
