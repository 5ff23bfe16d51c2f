"""The outbox dispatcher: delivers the notifications written with the changes that caused
them (new leads, claims, status changes, reminders), retrying until delivered.

A row is taken with a lease, handed to the sender of its channel, and settled: sent; retry
later (Telegram's ``retry_after`` honoured, otherwise exponential backoff with jitter);
or dead (the recipient blocked us, or the request can never succeed). A crash between
commit and delivery delivers later; a crash in the instant between a successful send and
its record repeats that one send (at-least-once, the smallest window we can have).

May import: bot.metrics, db.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from bot.metrics import Metrics
from db import outbox
from db.models import utcnow
from db.store import Store

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=30)  # a send interrupted by a crash is retried after this
BATCH = 20
MAX_ATTEMPTS = 8
BACKOFF_BASE = 2.0  # seconds
BACKOFF_CAP = 15 * 60.0


@dataclass(frozen=True)
class Delivery:
    """What became of one attempt."""

    outcome: str  # "sent" | "retry" | "dead"
    retry_after: float | None = None  # seconds, when the platform said how long to wait
    error: str | None = None


SENT = Delivery("sent")


class Sender(Protocol):
    channels: tuple[str, ...]

    async def deliver(self, row: dict[str, Any]) -> Delivery: ...


def backoff(attempts: int) -> float:
    wait = min(BACKOFF_CAP, BACKOFF_BASE * 2.0 ** max(0, attempts - 1))
    return wait * random.uniform(0.8, 1.2)


class Dispatcher:
    def __init__(
        self,
        store: Store,
        senders: list[Sender],
        clock: Callable[[], datetime] = utcnow,
        idle_seconds: float = 1.0,
        metrics: Metrics | None = None,
        ready: Callable[[str], bool] | None = None,
    ) -> None:
        """``ready``: whether a channel is up now (bot.channels.supervisor); a channel that
        is not keeps its rows pending, untouched, until it is (None: every channel is)."""
        self.store = store
        self.ready = ready
        self.metrics = metrics or Metrics()  # deliveries counted by channel and status
        self.by_channel = {ch: s for s in senders for ch in s.channels}
        self.clock = clock
        self.idle_seconds = idle_seconds
        self._wake = asyncio.Event()
        self._stopping = False

    def wake(self) -> None:
        """Something was just written to the outbox: look now rather than at the next tick."""
        self._wake.set()

    def _claim(self) -> list[dict[str, Any]]:
        with self.store.transaction() as tx:
            up = [ch for ch in self.by_channel if self.ready is None or self.ready(ch)]
            if not up:
                return []
            return outbox.claim(tx, up, self.clock(), BATCH, LEASE)

    def _settle(self, row: dict[str, Any], result: Delivery) -> None:
        attempts = row["attempts"] + 1
        now = self.clock()
        if result.outcome == "sent":
            args: tuple[Any, ...] = ("sent", attempts, None, None)
        elif result.outcome == "retry" and (result.retry_after or attempts < MAX_ATTEMPTS):
            wait = result.retry_after if result.retry_after is not None else backoff(attempts)
            args = ("pending", attempts, now + timedelta(seconds=wait), result.error)
        else:
            args = ("dead", attempts, None, result.error)
            log.warning("outbox %s (%s) gave up: %s", row["id"], row["kind"], result.error)
        with self.store.transaction() as tx:
            outbox.settle(tx, row["id"], *args)
        self.metrics.delivered(row["channel"], args[0])

    async def run_once(self) -> int:
        """Deliver what is due now; the number of rows handled."""
        rows = await self.store.run(self._claim)
        for n, row in enumerate(rows):
            if self._stopping:  # leave the rest for the next start, due at once
                await self.store.run(self._release, [r["id"] for r in rows[n:]])
                return n
            try:
                result = await self.by_channel[row["channel"]].deliver(row)
            except Exception as exc:  # a sender bug must not stop the others
                log.exception("outbox %s (%s) failed", row["id"], row["kind"])
                result = Delivery("retry", error=f"{type(exc).__name__}: {exc}"[:500])
            await self.store.run(self._settle, row, result)
        return len(rows)

    def _release(self, ids: list[int]) -> None:
        with self.store.transaction() as tx:
            outbox.release(tx, ids, self.clock())

    async def stop(self, task: asyncio.Task[None], timeout: float = 10.0) -> None:
        """Let the delivery in progress finish and be recorded, then stop (a send cut off
        between Telegram's answer and our record would be sent again after a restart)."""
        self._stopping = True
        self._wake.set()
        try:
            await asyncio.wait_for(task, timeout)
        except TimeoutError:
            log.warning("outbox dispatcher did not stop in %s s; cancelled", timeout)

    def _reclaim(self) -> int:
        with self.store.transaction() as tx:
            return outbox.reclaim(tx, self.clock())

    async def run(self) -> None:
        if not self.store.postgres:  # one process per SQLite file: nothing else is sending
            reclaimed = await self.store.run(self._reclaim)
            if reclaimed:
                log.info("outbox: %d notifications interrupted by a stop are due again", reclaimed)
        while not self._stopping:
            try:
                handled = await self.run_once()
            except Exception:
                log.exception("outbox dispatcher failed; trying again")
                handled = 0
            if handled:
                continue
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.idle_seconds)

    def lifecycle(self) -> Callable[[Any], AsyncIterator[None]]:
        """An aiohttp cleanup context: deliver while the app runs, stop gracefully."""

        async def ctx(_app: Any) -> AsyncIterator[None]:
            task = asyncio.create_task(self.run())
            yield
            await self.stop(task)

        return ctx
