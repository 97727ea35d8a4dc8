"""Falcon: the adapter in process, and the example app end to end through uvicorn."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from examples.falcon.app import create_app
from pytest_plugin import FakeIssuer

from ._end_to_end import EndToEnd
from ._server import serving


@pytest.fixture(scope="module")
def address(served_issuer: FakeIssuer) -> Iterator[str]:
    with serving(create_app([served_issuer.issuer_config()])) as address:
        yield address


class TestEndToEnd(EndToEnd):
    ws_refusal_status = 403  # no denial responses in Falcon: the hook closes the handshake
