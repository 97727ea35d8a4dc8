"""The uvicorn child process of the throughput benchmark: one app on 127.0.0.1, one worker.

``python benchmarks/serve.py bare PORT`` or
``python benchmarks/serve.py authinfo PORT ISSUER JWKS_URI AUDIENCE ALGORITHM``.
"""

from __future__ import annotations

import sys
from typing import Any

import _checkout  # noqa: F401 (first: this checkout, not an installed copy)
import uvicorn
from apps import bare_app, our_app

from asgi_authinfo import Issuer


def main(argv: list[str]) -> None:
    kind, port = argv[0], int(argv[1])
    app: Any = bare_app
    if kind == "authinfo":
        issuer, jwks_uri, audience, algorithm = argv[2:6]
        app = our_app(Issuer(issuer, jwks_uri=jwks_uri, audience=audience, algorithms=[algorithm]))
    elif kind != "bare":
        raise SystemExit(f"unknown app {kind!r}")
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False, lifespan="on")


if __name__ == "__main__":
    main(sys.argv[1:])
