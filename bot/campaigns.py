"""Broadcasts: when a campaign runs, and sending one run to its audience.

Times people type are Vietnam's ("2026-12-01 09:00", "1,15 09:00" = the 1st and 15th of
every month at 09:00). Quiet hours are 21:00–07:00 in Vietnam: a run that reaches 21:00
pauses and is resumed at 07:00. The sender re-checks each subscription at send time, keeps
each channel's limits and Zalo's free window, and records every delivery as it goes, so a
run stopped at any point resumes where it stopped. A campaign goes to the channels that may
write first (their capabilities), each at its own pace. Each delivery is claimed (pending →
sending) in a transaction that first asks the sender's fence whether this process still
leads the scheduler (bot.leader), so a deposed leader stops at once and no delivery is ever
sent by two processes.

May import: bot.clock, bot.pacing, bot.channels.base (types), db, handlers.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from time import monotonic as time_now
from typing import Any

from aiolimiter import AsyncLimiter

from bot.channels.base import Channel
from bot.clock import VIETNAM
from bot.pacing import pacer
from db import campaigns as store_campaigns
from db.models import utcnow
from db.store import Store, Tx
from handlers.types import Button, Message

log = logging.getLogger(__name__)

QUIET_FROM, QUIET_UNTIL = time(21, 0), time(7, 0)
BATCH = 200
MAX_IN_FLIGHT = 8
_EVERY = re.compile(r"^\s*(\d{1,2}(?:\s*,\s*\d{1,2})*)\s+(\d{1,2}):(\d{2})\s*$")


class ScheduleError(ValueError):
    """A schedule typed wrongly; the message says how to write it, in Vietnamese (ward staff
    type schedules on the command line)."""


def parse_at(text: str) -> datetime:
    """ "2026-12-01 09:00" in Vietnam's time → UTC."""
    try:
        local = datetime.strptime(text.strip(), "%Y-%m-%d %H:%M")
    except ValueError:
        raise ScheduleError(f'"{text}": hãy ghi thời điểm dạng "2026-12-01 09:00"') from None
    return local.replace(tzinfo=VIETNAM).astimezone(UTC)


@dataclass(frozen=True)
class Monthly:
    days: tuple[int, ...]
    at: time

    @classmethod
    def parse(cls, text: str) -> Monthly:
        m = _EVERY.match(text)
        if not m:
            raise ScheduleError(f'"{text}": hãy ghi các ngày và giờ, ví dụ "1,15 09:00"')
        days = tuple(sorted({int(d) for d in m.group(1).split(",")}))
        hour, minute = int(m.group(2)), int(m.group(3))
        if not all(1 <= d <= 28 for d in days) or hour > 23 or minute > 59:
            raise ScheduleError(
                f'"{text}": ngày từ 1 đến 28 (tháng nào cũng có), giờ từ 00:00 đến 23:59'
            )
        return cls(days, time(hour, minute))

    def last_run(self, now: datetime) -> datetime | None:
        """The latest scheduled time at or before ``now`` (UTC), within this month or the
        last."""
        local = now.astimezone(VIETNAM)
        month_start = local.date().replace(day=1)
        previous = (month_start - timedelta(days=1)).replace(day=1)
        for first in (month_start, previous):
            for day in sorted(self.days, reverse=True):
                at = datetime.combine(first.replace(day=day), self.at, VIETNAM)
                if at <= local:
                    return at.astimezone(UTC)
        return None


def current_run(campaign: dict[str, Any], now: datetime) -> datetime | None:
    """The run of ``campaign`` due at ``now``: its identity for the delivery rows."""
    if campaign["every"]:
        return Monthly.parse(campaign["every"]).last_run(now)
    first: datetime | None = campaign["first_at"]
    if first is None:
        created: datetime = campaign["created_at"]
        return created
    return first if first <= now else None


def quiet(now: datetime) -> bool:
    local = now.astimezone(VIETNAM).time()
    return local >= QUIET_FROM or local < QUIET_UNTIL


def quiet_ends(now: datetime) -> datetime:
    local = now.astimezone(VIETNAM)
    day: date = local.date() + timedelta(days=1 if local.time() >= QUIET_FROM else 0)
    return datetime.combine(day, QUIET_UNTIL, VIETNAM).astimezone(UTC)


def in_flight(per_second: float, cycle: float) -> int:
    """Deliveries to keep in flight so that round trips of ``cycle`` seconds each (the
    transaction and the send) hold a pace of ``per_second``: one against a nearby server,
    about five against Telegram's ~150 ms at 30 a second. No more than that: a delivery in
    flight when the process is killed is counted "unknown" and may be missed."""
    return max(1, min(MAX_IN_FLIGHT, round(per_second * cycle * 1.1)))


def campaign_message(campaign: dict[str, Any], lang: str) -> Message:
    """What a subscriber reading ``lang`` gets: the English text if they chose English and
    the campaign has one, else the Vietnamese."""
    english = lang == "en" and bool(campaign.get("text_en"))
    text = campaign["text_en"] if english else campaign["text"]
    title = (english and campaign.get("button_title_en")) or campaign["button_title"]
    url = campaign["button_url"]
    return Message(text, (Button(title, url=url),) if url else ())


# A channel's way of sending one broadcast message: returns a delivery status
# ("sent", "blocked", "outside_window", "failed:<why>").
ChannelSend = Callable[[str, str, Message], Awaitable[str]]


class CampaignSender:
    def __init__(
        self,
        store: Store,
        channels: Mapping[str, Channel],
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        """``channels``: the running channels, by name; those that may write first carry
        campaigns, each at the pace of its pacer (shared with its other sends, like
        Telegram's overall limit) or, without one, of its capabilities."""
        self.store = store
        writers = {name: c for name, c in channels.items() if c.capabilities.writes_first}
        self.channels: dict[str, ChannelSend] = {n: c.broadcast for n, c in writers.items()}
        self.clock = clock
        # Paced here, before a delivery is marked "sending": a stop then finds "sending" only
        # on a message already on its way (never sent again), and "pending" on the rest.
        self.pace: dict[str, AsyncLimiter] = {
            name: c.pace or pacer(c.capabilities.broadcasts_per_second)
            for name, c in writers.items()
        }
        self.in_flight = 1  # learnt from the round trips measured (see _learn)
        # Whether this process may still send, asked in the transaction that claims each
        # delivery and before each batch is read: the scheduler's leadership on PostgreSQL
        # (bot.leader). None: always (SQLite, one process).
        self.fence: Callable[[Tx], bool] | None = None
        self._cycle: float | None = None

    def _tx(self, fn: Callable[..., Any], *args: Any) -> Any:
        with self.store.transaction() as tx:
            return fn(tx, *args)

    def _leads(self, tx: Tx) -> bool:
        return self.fence is None or self.fence(tx)

    def _start(self, campaign_id: int, run_at: datetime) -> bool:
        """Deliveries a stopped process left in flight counted "unknown" — only while this
        process leads (a deposed one would mark the new leader's)."""
        with self.store.transaction() as tx:
            if not self._leads(tx):
                return False
            store_campaigns.interrupted(tx, campaign_id, run_at)
            return True

    def _current(self, campaign_id: int) -> tuple[dict[str, Any] | None, bool]:
        """The campaign as it is now, and whether this process still leads."""
        with self.store.transaction() as tx:
            return store_campaigns.get(tx, campaign_id), self._leads(tx)

    def _claim(self, done: tuple[int, str, str | None] | None, delivery_id: int) -> str:
        """The last delivery's outcome recorded and the next one claimed, in one
        transaction: "sending", "taken" (another sender has it) or "deposed" (this process
        no longer leads: nothing claimed)."""
        with self.store.transaction() as tx:
            if not self._leads(tx):
                store_campaigns.advance(tx, done, None)
                return "deposed"
            return "sending" if store_campaigns.advance(tx, done, delivery_id) else "taken"

    async def run(self, campaign_id: int, run_at: datetime) -> str:
        """Send one run: "done", "paused" (quiet hours; resume at :func:`quiet_ends`),
        "cancelled", "missing" or "deposed" (this process no longer leads: it stopped, the
        new leader carries on)."""
        campaign = await self.store.run(self._tx, store_campaigns.get, campaign_id)
        if campaign is None:
            return "missing"
        if campaign["status"] == "cancelled":
            return "cancelled"
        if not await self.store.run(self._start, campaign_id, run_at):
            return "deposed"
        await self.store.run(self._tx, store_campaigns.materialise, campaign, run_at)
        await self.store.run(self._tx, store_campaigns.set_status, campaign_id, "running")
        while True:  # until a pass finds nothing left pending
            sending = Run(self, campaign, run_at)
            await sending.send()
            if sending.cancelled:
                return "cancelled"
            if sending.deposed:
                return "deposed"
            if sending.quiet:
                await self.store.run(self._tx, store_campaigns.set_status, campaign_id, "paused")
                return "paused"
            if sending.taken == 0:
                final = "scheduled" if campaign["every"] else "done"
                await self.store.run(self._tx, store_campaigns.set_status, campaign_id, final)
                return "done"

    def _learn(self, channel: str, cycle: float) -> None:
        """One more round trip measured: how many deliveries to keep in flight."""
        self._cycle = cycle if self._cycle is None else 0.8 * self._cycle + 0.2 * cycle
        pace = self.pace.get(channel)
        rate = pace.max_rate / pace.time_period if pace is not None else 0.0
        wanted = in_flight(rate, self._cycle)
        if wanted != self.in_flight:
            log.info(
                "broadcast: %d deliveries in flight (round trip %.0f ms)",
                wanted,
                self._cycle * 1000,
            )
            self.in_flight = wanted

    async def _worker(self, slot: int, run: Run) -> None:
        """Deliveries one at a time, until the run has none left or the round trips no
        longer need this worker's ``slot`` (the pacer keeps the limit). One transaction a
        delivery: the last one's outcome and this one's "sending", committed just before
        the send (a stop then finds "sending" only on a message already on its way)."""
        done: tuple[int, str, str | None] | None = None
        try:
            while run.queue and not run.stopping():
                row = run.queue.popleft()
                if row["channel"] in self.pace:
                    await self.pace[row["channel"]].acquire()
                if run.campaign["quiet_hours"] and quiet(self.clock()):
                    run.quiet = True
                    return
                started = time_now()
                step = await self.store.run(self._claim, done, row["id"])
                done = None
                if step == "deposed":
                    run.deposed = True
                    return
                if step == "taken":
                    continue
                status = await self._deliver(row, run.messages.get(row["lang"], run.messages["vi"]))
                self._learn(row["channel"], time_now() - started)
                error = None
                if status.startswith("failed:"):
                    status, error = "failed", status[len("failed:") :][:300]
                done = (row["id"], status, error)
                run.grow()  # more workers if the round trips now need them, rows read ahead
                if slot >= self.in_flight:
                    return
        finally:
            if done is not None:
                await asyncio.shield(self.store.run(self._tx, store_campaigns.advance, done, None))

    async def _deliver(self, row: dict[str, Any], message: Message) -> str:
        if row["unsubscribed_at"] is not None:
            return "unsubscribed"
        send = self.channels.get(row["channel"])
        if send is None:
            return "failed:no broadcasts on this channel"
        try:
            return await send(row["user_ref"], row["lang"], message)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # one bad delivery must not stop the campaign
            log.exception("broadcast delivery %s failed", row["id"])
            return f"failed:{type(exc).__name__}"


class Run:
    """One pass over a run's pending deliveries: read ahead in batches of :data:`BATCH`
    (by id, never the whole audience in memory) and sent by the sender's workers, as many
    as it keeps in flight."""

    def __init__(self, sender: CampaignSender, campaign: dict[str, Any], run_at: datetime) -> None:
        self.sender = sender
        self.campaign = campaign
        self.run_at = run_at
        self.messages = {lang: campaign_message(campaign, lang) for lang in ("vi", "en")}
        self.queue: deque[dict[str, Any]] = deque()
        self.after = 0  # the last delivery id read
        self.taken = 0  # deliveries read in this pass
        self.exhausted = False
        self.cancelled = False
        self.quiet = False  # quiet hours began: the workers stop after what they hold
        self.deposed = False  # this process no longer leads: the workers stop likewise
        self.workers: dict[asyncio.Task[None], int] = {}  # each worker's slot: 0, 1, …
        self.reading: asyncio.Task[None] | None = None

    def stopping(self) -> bool:
        return self.cancelled or self.quiet or self.deposed

    async def _read(self) -> None:
        """The next batch of pending deliveries, unless the campaign was cancelled or this
        process no longer leads."""
        sender, campaign_id = self.sender, self.campaign["id"]
        current, leads = await sender.store.run(sender._current, campaign_id)
        if current is None or current["status"] == "cancelled":
            self.cancelled = True
            return
        if not leads:
            self.deposed = True
            return
        rows = await sender.store.run(
            sender._tx, store_campaigns.pending, campaign_id, self.run_at, BATCH, self.after
        )
        self.exhausted = len(rows) < BATCH
        if rows:
            self.after = rows[-1]["id"]
            self.taken += len(rows)
            self.queue.extend(rows)

    def grow(self) -> None:
        """Read ahead when the queue runs low; a worker for every free slot."""
        if self.stopping():
            return
        if not self.exhausted and self.reading is None and len(self.queue) <= BATCH // 2:
            self.reading = asyncio.create_task(self._read())
        busy = set(self.workers.values())
        for slot in range(self.sender.in_flight):
            if slot not in busy and self.queue:
                self.workers[asyncio.create_task(self.sender._worker(slot, self))] = slot

    async def send(self) -> None:
        await self._read()
        self.grow()
        try:
            while self.workers or self.reading:
                waiting = set(self.workers) | ({self.reading} if self.reading else set())
                done, _ = await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    if task is self.reading:
                        self.reading = None
                    else:
                        del self.workers[task]
                    task.result()  # a worker's or a read's failure is the run's
                self.grow()
        finally:
            stopped = [*self.workers, *([self.reading] if self.reading else [])]
            for task in stopped:  # cancelled: each worker records what it knows
                task.cancel()
            await asyncio.gather(*stopped, return_exceptions=True)
