"""The uvicorn child process of the benchmarks: one app on 127.0.0.1, one worker.

``python benchmarks/serve.py bare PORT`` or
``python benchmarks/serve.py authinfo PORT ISSUER JWKS_URI AUDIENCE ALGORITHM [OPTION=SECONDS ...]``
(options are ``Issuer`` fields such as ``jwks_max_age=3``). With ``AUTHINFO_PROFILE=PATH`` set, the
worker runs under cProfile and writes its stats to PATH when it stops (SIGTERM).
"""

from __future__ import annotations

import cProfile
import os
import signal
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
        pairs = (arg.partition("=") for arg in argv[6:])
        options: dict[str, Any] = {name: float(value) for name, _, value in pairs}
        app = our_app(Issuer(issuer, jwks_uri=jwks_uri, audience=audience, algorithms=[algorithm], **options))
    elif kind != "bare":
        raise SystemExit(f"unknown app {kind!r}")
    profile_to = os.environ.get("AUTHINFO_PROFILE")
    profiler = cProfile.Profile() if profile_to else None
    if profiler is not None:
        # uvicorn re-raises SIGTERM once it has shut down: exit through ``finally`` then
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        profiler.enable()
    try:
        uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False, lifespan="on")
    finally:
        if profiler is not None and profile_to:
            profiler.disable()
            profiler.dump_stats(profile_to)


if __name__ == "__main__":
    main(sys.argv[1:])
