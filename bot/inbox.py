"""The inbox: every platform update we acknowledge — a Telegram webhook update, a Zalo
event — is written to the database before the 200 and handled from there, so a process
killed after the acknowledgement loses nothing (issue 14, item 4).

A channel registers how it handles one of its updates (:meth:`Inbox.register`); its webhook,
once the update is verified, calls :meth:`Inbox.accept`, which commits the row (db.inbox)
and hands it to a task: the updates of one chat in the order they came, different chats at
the same time. A row is marked done once its handler has returned, the reply sent. A
process killed before that leaves the row pending: the next start takes it again at once
on SQLite (one process per file), and on PostgreSQL any process takes it once its lease has
run out (the leases of rows still in hand are renewed every :data:`RENEW_SECONDS`).

Handling a row again is safe: a turn's delivery id is in inbound_seen with the reply it got
(:attr:`handlers.types.Inbound.replay`), so the turn is not taken twice and its kept reply
is what goes out — the resident gets the answer once. (Twice only if the process dies in
the instant between the platform accepting the reply and the row's mark, as with the
outbox; a reply can only be sent after the turn's commit, so the mark cannot share it.)

May import: bot.errors, db.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from bot.errors import BACKGROUND
from db import inbox
from db.models import utcnow
from db.store import Store

log = logging.getLogger(__name__)

Handler = Callable[[dict[str, Any]], Awaitable[None]]
LEASE = timedelta(seconds=60)  # a row in hand of a process that died is taken after this
RENEW_SECONDS = 20.0  # leases renewed and lost rows looked for this often
MAX_CONCURRENT = 256  # updates handled at once (each chat's in order)
STOP_SECONDS = 5.0  # a graceful stop finishes what is in hand this long, leaves the rest


class Inbox:
    def __init__(
        self,
        store: Store,
        clock: Callable[[], datetime] = utcnow,
        renew_seconds: float = RENEW_SECONDS,
    ) -> None:
        self.store = store
        self.clock = clock
        self.renew_seconds = renew_seconds
        self.handlers: dict[str, Handler] = {}
        self.running = False
        self._last: dict[str, asyncio.Task[None]] = {}  # the newest task of each chat
        self._held: set[int] = set()  # rows this process has taken and not finished
        self._tasks: set[asyncio.Task[None]] = set()
        self._slots: asyncio.Semaphore | None = None
        self._sweeper: asyncio.Task[None] | None = None

    @property
    def handling(self) -> int:
        """How many accepted updates are being handled now (0: all handled to their end)."""
        return len(self._tasks)

    def register(self, channel: str, handler: Handler) -> None:
        """How ``channel``'s updates are handled (the channel reports its own errors; one
        that escapes is logged here, and the row is done either way)."""
        self.handlers[channel] = handler

    async def accept(
        self, channel: str, external_id: str, chat: str | None, body: dict[str, Any]
    ) -> bool:
        """Store a verified update — committed when this returns, so the webhook may answer
        200 — and have it handled. False: this id was stored before (a redelivery, handled
        once). ``chat``: the updates of one chat are handled in order (None: in none)."""
        now = self.clock()
        row = await self.store.run(self._add, channel, external_id, chat, body, now)
        if row is None:
            return False
        if self.running:  # otherwise the next start takes it
            self._schedule(row)
        return True

    def _add(
        self, channel: str, external_id: str, chat: str | None, body: dict[str, Any], now: datetime
    ) -> inbox.Row | None:
        with self.store.transaction() as tx:
            return inbox.add(tx, channel, external_id, chat, body, now, LEASE)

    def _schedule(self, row: inbox.Row) -> None:
        self._held.add(row.id)
        key = f"{row.channel}:{row.chat}" if row.chat is not None else None
        before = self._last.get(key) if key is not None else None
        task = asyncio.create_task(self._handle(row, before))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        if key is not None:
            self._last[key] = task
            task.add_done_callback(lambda done: self._forget(key, done))

    def _forget(self, key: str, task: asyncio.Task[None]) -> None:
        if self._last.get(key) is task:
            del self._last[key]

    async def _handle(self, row: inbox.Row, before: asyncio.Task[None] | None) -> None:
        try:
            if before is not None:  # the chat's update before this one (whatever became of it)
                await asyncio.wait([before])
            assert self._slots is not None
            async with self._slots:
                try:
                    await self.handlers[row.channel](row.body)
                except Exception as exc:
                    what = f"inbox: a {row.channel} update could not be handled"
                    BACKGROUND.report(log, what, exc, f"inbox {row.id}")
            try:
                await self.store.run(self._finish, row.id)
            except Exception as exc:  # left pending: taken again once its lease runs out
                BACKGROUND.report(log, "inbox: an update could not be marked done", exc, "inbox")
        finally:
            self._held.discard(row.id)

    def _finish(self, row_id: int) -> None:
        with self.store.transaction() as tx:
            inbox.finish(tx, [row_id], self.clock())

    # --- taking rows left behind, renewing leases -----------------------------------------

    def _take(self, every: bool) -> list[inbox.Row]:
        with self.store.transaction() as tx:
            rows, given_up = inbox.take(tx, list(self.handlers), self.clock(), LEASE, every=every)
        if given_up:
            log.error(
                "inbox: %d updates given up after %d attempts (each ended by a crash)",
                given_up,
                inbox.MAX_ATTEMPTS,
            )
        return rows

    def _renew(self, ids: list[int], until: datetime) -> None:
        with self.store.transaction() as tx:
            inbox.renew(tx, ids, until)

    async def take_left(self, every: bool = False) -> int:
        """Handle the rows a stopped process left (``every``: all pending ones, at a start
        on SQLite); how many."""
        rows = await self.store.run(self._take, every)
        for row in rows:
            self._schedule(row)
        if rows:
            log.info("inbox: %d acknowledged updates left unanswered are handled now", len(rows))
        return len(rows)

    async def _sweep(self) -> None:
        while True:
            await asyncio.sleep(self.renew_seconds)
            try:
                if self._held:
                    await self.store.run(self._renew, list(self._held), self.clock() + LEASE)
                await self.take_left()
            except Exception:
                log.exception("inbox: renewing leases or taking lost updates failed; again later")

    # --- life inside hiendien run ---------------------------------------------------------

    async def start(self) -> None:
        """Handle what a stopped process left, then keep looking (after the channels have
        started: their handlers need them)."""
        self._slots = asyncio.Semaphore(MAX_CONCURRENT)
        self.running = True
        await self.take_left(every=not self.store.postgres)
        self._sweeper = asyncio.create_task(self._sweep())

    async def stop(self) -> None:
        """Finish what is in hand for a moment, then give the rest back (any process takes
        it at once; it stays stored)."""
        self.running = False
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
        if self._tasks:
            _done, late = await asyncio.wait(list(self._tasks), timeout=STOP_SECONDS)
            left = list(self._held)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
            if left:
                await self.store.run(self._renew, left, self.clock())
                log.warning("inbox: %d updates left for the next start", len(left))

    def lifecycle(self) -> Callable[[Any], AsyncIterator[None]]:
        """An aiohttp cleanup context, added after the channels' (started after them,
        stopped before them)."""

        async def ctx(_app: Any) -> AsyncIterator[None]:
            await self.start()
            yield
            await self.stop()

        return ctx
