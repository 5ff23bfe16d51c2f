"""The retention schedule, run hourly inside ``hiendien run``: forget delivery ids after a
week, idle conversations after 90 days, and all contact details once the retention period
set in content/ward.yaml has ended (anonymous counts stay).

May import: db, handlers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from datetime import date

from aiohttp import web

from db import erasure
from db.models import utcnow
from db.store import Store
from handlers.content import Content

log = logging.getLogger(__name__)
EVERY_SECONDS = 3600


def purge_once(store: Store, content: Content, today: date) -> dict[str, int]:
    with store.transaction() as tx:
        done = erasure.purge(tx, utcnow(), today, content.retention_until)
    if any(done.values()):
        log.info("retention: removed %s", done)
    return done


def maintenance(
    store: Store, content: Content, today: Callable[[], date]
) -> Callable[[web.Application], AsyncIterator[None]]:
    """An aiohttp cleanup context that runs :func:`purge_once` every hour."""

    async def loop() -> None:
        while True:
            try:
                await store.run(purge_once, store, content, today())
            except Exception:  # a failed purge is retried next hour, never kills the app
                log.exception("retention purge failed")
            await asyncio.sleep(EVERY_SECONDS)

    async def ctx(_app: web.Application) -> AsyncIterator[None]:
        task = asyncio.create_task(loop())
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    return ctx
