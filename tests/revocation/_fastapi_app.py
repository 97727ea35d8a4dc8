"""The docs/revoking.md FastAPI example, configured from the environment, served by uvicorn processes."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from asgi_authinfo import AuthInfoMiddleware, Issuer
from asgi_authinfo.contrib.fastapi import SignedIn
from asgi_authinfo.contrib.redis import RedisRevocations


def create() -> FastAPI:
    revocations = RedisRevocations(os.environ["REDIS_URL"], retry_delays=(0.05, 0.5))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with revocations:
            yield

    app = FastAPI(lifespan=lifespan)
    issuer = Issuer(os.environ["ISSUER"], jwks_uri=os.environ["JWKS_URI"], audience="api://orders")
    app.add_middleware(AuthInfoMiddleware, issuers=[issuer], revocations=revocations)

    @app.get("/me")
    async def me(auth: SignedIn) -> dict[str, str | None]:
        return {"user_id": auth.user_id, "session_id": auth.session_id}

    @app.post("/logout", status_code=204)
    async def logout(auth: SignedIn) -> None:
        """Sign this session out, in every process."""
        if auth.session_id is not None:
            await revocations.revoke(sid=auth.session_id)

    @app.post("/logout-everywhere", status_code=204)
    async def logout_everywhere(auth: SignedIn) -> None:
        """Sign every session of this user out, in every process."""
        await revocations.revoke(sub=auth.subject)

    return app
