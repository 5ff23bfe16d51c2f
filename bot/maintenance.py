"""The hourly tick inside ``hiendien run``: the retention schedule — forget delivery ids
after a week, conversations nothing was kept from (no consent, lead, subscription, reminder,
training sign-up) after ``privacy.purge_unconsented_after_days`` of content/ward.yaml (30),
idle conversations after 90 days, and all contact details once the retention
period set in content/ward.yaml has ended (anonymous counts stay) — and the question to
residents whose request has been with the team for :data:`FOLLOW_UP_AFTER` whether they
registered (db.registrations.queue_follow_ups, on the channels that may write first).

May import: db, handlers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from aiohttp import web

from db import erasure, registrations
from db.models import utcnow
from db.store import Store
from handlers.content import Content

log = logging.getLogger(__name__)
EVERY_SECONDS = 3600
FOLLOW_UP_AFTER = timedelta(days=7)  # in "contacted" or "registering" this long: ask, once


@dataclass(frozen=True)
class Writers:
    """The channels running that may write to a resident first, and whether one may now
    (a channel's window after the resident's last message: bot.channels.capabilities)."""

    channels: Collection[str]
    may_write: Callable[[str, datetime | None], bool]


def follow_up_once(store: Store, writers: Writers, now: datetime) -> int:
    """Queue the question whether they registered to the residents it is due to."""
    with store.transaction() as tx:
        queued = registrations.queue_follow_ups(
            tx, now, FOLLOW_UP_AFTER, writers.channels, writers.may_write
        )
    if queued:
        log.info("follow-up: asked %d residents whether they registered", queued)
    return queued


def purge_once(
    store: Store, content: Content, today: date, now: datetime | None = None
) -> dict[str, int]:
    unconsented = timedelta(days=content.ward.privacy.purge_unconsented_after_days)
    with store.transaction() as tx:
        done = erasure.purge(tx, now or utcnow(), today, content.retention_until, unconsented)
    if any(done.values()):
        log.info("retention: removed %s", done)
    return done


def maintenance(
    store: Store,
    content: Content,
    today: Callable[[], date],
    writers: Writers | None = None,
    wake: Callable[[], None] = lambda: None,
) -> Callable[[web.Application], AsyncIterator[None]]:
    """An aiohttp cleanup context that runs :func:`purge_once` every hour, and
    :func:`follow_up_once` when there are ``writers`` (then ``wake``s the outbox)."""

    async def loop() -> None:
        while True:
            try:
                await store.run(purge_once, store, content, today())
            except Exception:  # a failed purge is retried next hour, never kills the app
                log.exception("retention purge failed")
            if writers is not None and writers.channels:
                try:
                    if await store.run(follow_up_once, store, writers, utcnow()):
                        wake()
                except Exception:
                    log.exception("follow-up questions failed; trying again next hour")
            await asyncio.sleep(EVERY_SECONDS)

    async def ctx(_app: web.Application) -> AsyncIterator[None]:
        task = asyncio.create_task(loop())
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    return ctx
