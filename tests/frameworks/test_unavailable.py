"""503s tell the truth under uvicorn: a generic description to the client, the cause to the log."""

from __future__ import annotations

import logging

import httpx
import pytest

from examples.raw_asgi.app import create_app
from pytest_plugin import FakeIssuer

from ._server import serving

UNREACHABLE_JWKS = "http://127.0.0.1:9/jwks.json"


def test_issuer_down_is_a_generic_503_and_the_cause_is_logged(
    served_issuer: FakeIssuer, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app([served_issuer.issuer_config(jwks_uri=UNREACHABLE_JWKS)])
    token = served_issuer.token()
    with caplog.at_level(logging.INFO, logger="asgi_authinfo"), serving(app) as address:
        response = httpx.get(f"http://{address}/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 503 and int(response.headers["retry-after"]) >= 1
    assert "www-authenticate" not in response.headers
    assert response.json() == {
        "error": "temporarily_unavailable",
        "error_code": "issuer_unavailable",
        "error_description": "the service cannot check tokens right now; retry after the Retry-After seconds",
    }
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "127.0.0.1:9" in logged  # the internal cause: for the operator, not the client
    assert "127.0.0.1" not in response.text
