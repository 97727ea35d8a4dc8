"""Run a coroutine to completion from synchronous code (fixtures, Hypothesis draws).

It runs on a fresh event loop in a worker thread, so it works whether or not the calling thread
already runs an asyncio or trio loop.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import anyio

__all__ = ["run_blocking"]

T = TypeVar("T")


def run_blocking(function: Callable[[], Awaitable[T]]) -> T:
    """``await function()`` on a new asyncio loop in a worker thread and return its result."""

    async def main() -> T:
        return await function()

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="asgi-authinfo") as pool:
        return pool.submit(anyio.run, main).result()
