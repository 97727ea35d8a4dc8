"""The refusal every adapter answers with: the same status, headers and body as the middleware."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from .._errors import AuthError, IssuerUnavailableError
from .._responses import WS_POLICY_VIOLATION, WS_TRY_AGAIN_LATER, challenge, error_body

__all__ = ["Refusal", "framework_missing"]


@dataclass(frozen=True, slots=True)
class Refusal:
    """An ``AuthError`` as an HTTP answer: RFC 6750 ``WWW-Authenticate`` (or ``Retry-After`` on 503)."""

    status: int
    headers: dict[str, str]
    body: bytes
    code: str
    description: str

    @classmethod
    def of(cls, error: AuthError, realm: str) -> Refusal:
        headers = {"Cache-Control": "no-store"}
        if isinstance(error, IssuerUnavailableError):
            headers["Retry-After"] = str(error.retry_after)
        else:
            headers["WWW-Authenticate"] = challenge(error, realm)
        return cls(error.status, headers, error_body(error), error.code, error.description)

    @property
    def payload(self) -> dict[str, Any]:
        """The JSON body as a dict (``error``, ``error_code``, ``error_description``)."""
        payload: dict[str, Any] = json.loads(self.body)
        return payload

    @property
    def close_code(self) -> int:
        """The WebSocket close code the middleware uses: 1013 try again later on 503, else 1008."""
        return WS_TRY_AGAIN_LATER if self.status == 503 else WS_POLICY_VIOLATION

    @property
    def close_reason(self) -> str:
        """A WebSocket close reason (at most 123 bytes), for servers without HTTP denial responses."""
        return f"{self.code}: {self.description}".encode()[:123].decode("utf-8", "ignore")


def framework_missing(module: str, package: str) -> ImportError:
    """The ImportError an adapter raises when its framework is not installed."""
    return ImportError(f"asgi_authinfo.contrib.{module} needs {package}: pip install {package.lower()}")
