"""FastAPI: dependencies, RFC 6750 refusals, the OpenAPI bearer scheme; end to end through uvicorn."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from examples.fastapi.app import create_app
from pytest_plugin import FakeIssuer

from ._end_to_end import EndToEnd
from ._server import serving


@pytest.fixture(scope="module")
def address(served_issuer: FakeIssuer) -> Iterator[str]:
    with serving(create_app([served_issuer.issuer_config()])) as address:
        yield address


class TestEndToEnd(EndToEnd):
    ws_refusal_status = 401  # the dependency's HTTPException becomes an HTTP denial response

    def error_code(self, body: Any) -> str:
        return str(body["detail"]["error_code"])
