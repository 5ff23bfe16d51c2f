"""When a training sign-up's reminders are due, and queuing those that are (the scheduler's
periodic check, bot.scheduler.TrainingReminders).

Two reminders, Vietnam time, to a person holding a seat on a channel that may write first
(Telegram; Zalo, whose sender keeps its 48-hour window at delivery; the web page cannot
write first, so nothing is queued for it and the confirmation says so):

- **the day before at 09:00** — due until 21:00 that day (quiet hours begin; by the next
  morning the two-hours-before one is the useful one);
- **two hours before the start** — due until the session starts. When that moment falls in
  quiet hours (21:00–07:00, bot.campaigns) it moves to the nearest time outside them that is
  still before the start: **07:00** for an early session (an 08:00 session is reminded at
  07:00, an hour before — a resident would rather have it then than at 06:00 or not at
  all), otherwise **20:30 the evening before** (a session at 23:30 or at 06:30). Never sent
  inside quiet hours.

A reminder is only for someone who held their seat before its moment: a person who signed
up (or moved up from the waiting list) after it has just read the day and time. Each check
queues what is due now, so a check after a restart catches up with what is still useful and
skips what is not; db.training_reminders makes each reminder queued once at most.

May import: bot.campaigns (quiet hours), bot.clock, db, handlers.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, time, timedelta
from typing import Any

from bot.campaigns import QUIET_FROM, QUIET_UNTIL, quiet
from bot.clock import VIETNAM
from db import training_reminders
from db.store import Store
from handlers.training import DAY, SOON

DAY_AT = time(9, 0)  # the day before, at this hour
SOON_BEFORE = timedelta(hours=2)
EVENING_AT = time(20, 30)  # a two-hours-before moment in the night moves to this, the eve


def _at(day: Any, hour: time) -> datetime:
    return datetime.combine(day, hour, VIETNAM)


def day_window(starts_at: datetime) -> tuple[datetime, datetime]:
    """When the day-before reminder may go: from 09:00 to 21:00 the day before."""
    eve = starts_at.astimezone(VIETNAM).date() - timedelta(days=1)
    return _at(eve, DAY_AT), _at(eve, QUIET_FROM)


def soon_moment(starts_at: datetime) -> datetime:
    """Two hours before the start, moved out of quiet hours (see the module's text)."""
    moment = (starts_at - SOON_BEFORE).astimezone(VIETNAM)
    if not quiet(moment):
        return moment
    if moment.time() < QUIET_UNTIL:  # after midnight: 07:00, if still before the start
        morning = _at(moment.date(), QUIET_UNTIL)
        if morning < starts_at:
            return morning
        return _at(moment.date() - timedelta(days=1), EVENING_AT)
    return _at(moment.date(), EVENING_AT)  # 21:00 to midnight: the same evening, earlier


def due(signup: dict[str, Any], now: datetime) -> str | None:
    """The reminder of ``signup`` (with ``starts_at``, ``seat_since`` and its marks) due at
    ``now``: "soon", "day", or None."""
    starts_at, since = signup["starts_at"], signup["seat_since"]
    if now >= starts_at or quiet(now):
        return None
    soon = soon_moment(starts_at)
    if signup["reminded_soon_at"] is None and soon <= now and since < soon:
        return SOON
    opens, closes = day_window(starts_at)
    if signup["reminded_day_at"] is None and opens <= now < min(closes, soon) and since < opens:
        return DAY
    return None


def queue_due(store: Store, now: datetime, channels: Collection[str]) -> int:
    """Queue every reminder due at ``now`` for sign-ups on ``channels``; how many."""
    queued = 0
    with store.transaction() as tx:
        for signup in training_reminders.candidates(tx, now, channels):
            which = due(signup, now)
            if which is not None and training_reminders.queue(tx, signup, which, now):
                queued += 1
    return queued
