"""``Background``: the verifier's own background tasks (stale-while-revalidate JWKS refreshes).

A request that finds its issuer's keys stale starts the refresh here and goes on with the last
good keys, so no request waits for a slow issuer. The verifier owns one ``Background`` and
closes it in ``aclose`` (the middleware calls that at lifespan shutdown): the tasks under way
are cancelled and awaited, and nothing starts after that. Works on asyncio and trio.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable

import anyio

__all__ = ["Background"]

logger = logging.getLogger("asgi_authinfo")


class Background:
    """Starts calls that no request awaits; :meth:`aclose` cancels and awaits them."""

    __slots__ = ("_running", "_tasks", "closed")

    def __init__(self) -> None:
        self.closed = False
        self._running: dict[anyio.CancelScope, anyio.Event] = {}
        self._tasks: set[object] = set()  # asyncio keeps only weak references to its tasks

    def __len__(self) -> int:
        """How many tasks are under way."""
        return len(self._running)

    def start(self, call: Callable[[], Awaitable[None]]) -> bool:
        """Run ``call()`` in the background; ``False`` (nothing started) once closed or off a loop."""
        if self.closed:
            return False
        scope = anyio.CancelScope()
        done = anyio.Event()

        async def run() -> None:
            try:
                with scope:
                    await call()
            except Exception:  # a bug in the call: logged, never crashes the loop
                logger.exception("a background refresh failed")
            finally:
                self._running.pop(scope, None)
                done.set()

        if not _spawn(run, self._tasks):
            return False
        self._running[scope] = done
        return True

    async def wait(self) -> None:
        """Wait until the tasks under way now have ended (a test's or a graceful drain's step)."""
        for done in list(self._running.values()):
            await done.wait()

    async def aclose(self) -> None:
        """Cancel the tasks under way and wait until they ended; start none after this."""
        self.closed = True
        running = list(self._running.items())
        for scope, _ in running:
            scope.cancel()
        for _, done in running:
            await done.wait()


def _spawn(run: Callable[[], Awaitable[None]], tasks: set[object]) -> bool:
    """Start ``run`` on the running event loop (asyncio or trio); ``False`` off any loop."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        loop = None
    if loop is not None:
        task: asyncio.Task[None] = loop.create_task(run())  # type: ignore[arg-type]
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        return True
    trio = sys.modules.get("trio")
    if trio is None:
        return False
    try:
        trio.lowlevel.spawn_system_task(run)
    except RuntimeError:
        return False
    return True
