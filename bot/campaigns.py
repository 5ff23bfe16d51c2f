"""Broadcasts: when a campaign runs, and sending one run to its audience.

Times people type are Vietnam's ("2026-12-01 09:00", "1,15 09:00" = the 1st and 15th of
every month at 09:00). Quiet hours are 21:00–07:00 in Vietnam: a run that reaches 21:00
pauses and is resumed at 07:00. The sender re-checks each subscription at send time, keeps
each channel's limits and Zalo's free window, and records every delivery as it goes, so a
run stopped at any point resumes where it stopped.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from time import monotonic as time_now
from typing import Any

from aiolimiter import AsyncLimiter

from bot.clock import VIETNAM
from bot.pacing import pacer
from db import campaigns as store_campaigns
from db.models import utcnow
from db.store import Store
from handlers.types import Button, Message

log = logging.getLogger(__name__)

QUIET_FROM, QUIET_UNTIL = time(21, 0), time(7, 0)
BATCH = 200
DEFAULT_RATES = {"telegram": 30.0, "zalo": 50.0}  # messages a second, for broadcasts
MAX_IN_FLIGHT = 8
_EVERY = re.compile(r"^\s*(\d{1,2}(?:\s*,\s*\d{1,2})*)\s+(\d{1,2}):(\d{2})\s*$")


class ScheduleError(ValueError):
    """A schedule typed wrongly; the message says how to write it."""


def parse_at(text: str) -> datetime:
    """ "2026-12-01 09:00" in Vietnam's time → UTC."""
    try:
        local = datetime.strptime(text.strip(), "%Y-%m-%d %H:%M")
    except ValueError:
        raise ScheduleError(f'"{text}": write the time as "2026-12-01 09:00"') from None
    return local.replace(tzinfo=VIETNAM).astimezone(UTC)


@dataclass(frozen=True)
class Monthly:
    days: tuple[int, ...]
    at: time

    @classmethod
    def parse(cls, text: str) -> Monthly:
        m = _EVERY.match(text)
        if not m:
            raise ScheduleError(f'"{text}": write days and a time, e.g. "1,15 09:00"')
        days = tuple(sorted({int(d) for d in m.group(1).split(",")}))
        hour, minute = int(m.group(2)), int(m.group(3))
        if not all(1 <= d <= 28 for d in days) or hour > 23 or minute > 59:
            raise ScheduleError(f'"{text}": days 1–28 (every month has them), time 00:00–23:59')
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
    first = campaign["first_at"]
    if first is None:
        return campaign["created_at"]
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
        channels: dict[str, ChannelSend],
        clock: Callable[[], datetime] = utcnow,
        pace: dict[str, AsyncLimiter] | None = None,
    ) -> None:
        """``pace``: a channel's pacer shared with its other sends (Telegram's overall
        limit); a channel without one gets its own at :data:`DEFAULT_RATES`."""
        self.store = store
        self.channels = channels
        self.clock = clock
        # Paced here, before a delivery is marked "sending": a stop then finds "sending" only
        # on a message already on its way (never sent again), and "pending" on the rest.
        self.pace = {name: pacer(DEFAULT_RATES.get(name, 10)) for name in channels}
        self.pace.update({name: p for name, p in (pace or {}).items() if name in channels})
        self.in_flight = 1  # adjusted after each batch to the round trips measured

    def _tx(self, fn: Callable[..., Any], *args: Any) -> Any:
        with self.store.transaction() as tx:
            return fn(tx, *args)

    async def run(self, campaign_id: int, run_at: datetime) -> str:
        """Send one run: "done", "paused" (quiet hours; resume at :func:`quiet_ends`),
        "cancelled" or "missing"."""
        campaign = await self.store.run(self._tx, store_campaigns.get, campaign_id)
        if campaign is None:
            return "missing"
        if campaign["status"] == "cancelled":
            return "cancelled"
        await self.store.run(self._tx, store_campaigns.interrupted, campaign_id, run_at)
        await self.store.run(self._tx, store_campaigns.materialise, campaign, run_at)
        await self.store.run(self._tx, store_campaigns.set_status, campaign_id, "running")
        messages = {lang: campaign_message(campaign, lang) for lang in ("vi", "en")}
        while True:
            rows = await self.store.run(
                self._tx, store_campaigns.pending, campaign_id, run_at, BATCH
            )
            if not rows:
                final = "scheduled" if campaign["every"] else "done"
                await self.store.run(self._tx, store_campaigns.set_status, campaign_id, final)
                return "done"
            current = await self.store.run(self._tx, store_campaigns.get, campaign_id)
            if current is None or current["status"] == "cancelled":
                return "cancelled"
            queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
            for row in rows:
                queue.put_nowait(row)
            stop = asyncio.Event()  # quiet hours began: the workers finish what they hold
            cycles: list[float] = []
            await asyncio.gather(
                *(
                    self._worker(queue, messages, campaign, stop, cycles)
                    for _ in range(self.in_flight)
                )
            )
            if cycles:
                used = {r["channel"] for r in rows}
                rate = max(
                    (p.max_rate / p.time_period for n, p in self.pace.items() if n in used),
                    default=0.0,
                )
                self.in_flight = in_flight(rate, sum(cycles) / len(cycles))
            if stop.is_set():
                await self.store.run(self._tx, store_campaigns.set_status, campaign_id, "paused")
                return "paused"

    async def _worker(
        self,
        queue: asyncio.Queue[dict[str, Any]],
        messages: dict[str, Message],
        campaign: dict[str, Any],
        stop: asyncio.Event,
        cycles: list[float],
    ) -> None:
        """Deliveries one at a time; several workers keep a slow platform's round trips
        from capping the rate (the pacer keeps the limit). One transaction a delivery: the
        last one's outcome and this one's "sending", committed before the send. ``cycles``
        gets each delivery's round trip."""
        done: tuple[int, str, str | None] | None = None
        try:
            while not queue.empty() and not stop.is_set():
                row = queue.get_nowait()
                if row["channel"] in self.pace:
                    await self.pace[row["channel"]].acquire()
                if campaign["quiet_hours"] and quiet(self.clock()):
                    stop.set()
                    return
                started = time_now()
                await self.store.run(self._tx, store_campaigns.advance, done, row["id"])
                done = None
                status = await self._deliver(row, messages.get(row["lang"], messages["vi"]))
                cycles.append(time_now() - started)
                error = None
                if status.startswith("failed:"):
                    status, error = "failed", status[len("failed:") :][:300]
                done = (row["id"], status, error)
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
