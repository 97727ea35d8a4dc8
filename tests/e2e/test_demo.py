"""The README's demo command works and shows what it promises."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

DEMO = Path(__file__).parents[2] / "examples" / "demo.py"


def test_demo_prints_working_curl_lines() -> None:
    result = subprocess.run(
        [sys.executable, str(DEMO), "--once", "--port", "0"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    out = result.stdout
    assert out.count("curl -si http://127.0.0.1:") == 4
    assert '"token_identifier": "http://127.0.0.1:' in out
    assert "HTTP/1.1 401 Unauthorized" in out
    assert 'error="invalid_token", error_description="the token expired 4 min ago' in out
    assert '"is_signed_in": false' in out
