"""Waiting for something a stand-in records: poll a condition, fail with what it saw.

Imports only the standard library.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable


async def wait_until(
    predicate: Callable[[], bool], timeout: float, seen: Callable[[], str], what: str
) -> None:
    """Poll ``predicate`` every 10 ms until true; AssertionError with ``seen()`` (the
    stand-in's recent ``what``) on timeout."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() >= deadline:
            raise AssertionError(f"condition not met within {timeout}s; recent {what}:\n{seen()}")
        await asyncio.sleep(0.01)
