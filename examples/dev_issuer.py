"""A local issuer to try the examples with: serves a JWKS on 127.0.0.1 and prints tokens to send.

python -m examples.dev_issuer            # then, in another shell, run an example against it
"""

from __future__ import annotations

import contextlib
import threading

from pytest_plugin import FakeIssuer

PORT = 8800
AUDIENCE = "api://examples"


def main() -> None:
    fake = FakeIssuer(audience=AUDIENCE, lifetime=3600)
    with fake.serve(port=PORT):
        reader = fake.token(sub="user_reader", name="Rita Reader")
        writer = fake.token(sub="user_writer", name="Wes Writer", permissions=["posts:write"])
        print(f"export AUTHINFO_ISSUER={fake.issuer} AUTHINFO_AUDIENCE={AUDIENCE}")
        print(f"export READER={reader}")
        print(f"export WRITER={writer}", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
