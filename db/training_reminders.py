"""The reminders of a training sign-up, in the store: who may get one soon, and queuing one
exactly once.

A reminder is marked on its sign-up (``reminded_day_at`` for the one the day before,
``reminded_soon_at`` for the one two hours before) by a conditional UPDATE — only the
transaction that finds the mark empty sets it and queues the outbox row, whose dedupe key
is the sign-up's (db.training.notice_key, so erasing the person erases it) — so no check,
however many run or however often the server restarts, queues a reminder twice. When each
is due is decided by the caller (bot.training_reminders). Imports db (outbox, store,
tables, training).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from db import outbox
from db.store import Tx
from db.tables import training_session_t, training_signup_t
from db.training import REGISTERED, notice_key
from handlers.training import DAY, REMINDER_KIND, SOON

HORIZON = timedelta(hours=48)  # the day-before reminder comes at most 39 hours before
MARKS = {DAY: "reminded_day_at", SOON: "reminded_soon_at"}
_s = training_session_t.c
_u = training_signup_t.c


def candidates(tx: Tx, now: datetime, channels: Collection[str]) -> list[dict[str, Any]]:
    """Sign-ups with a seat, on a channel of ``channels`` (those that may write first), for
    a session not called off that starts within :data:`HORIZON`, with a reminder not yet
    queued: each with ``starts_at`` and since when they hold their seat (``seat_since``)."""
    if not channels:
        return []
    query = (
        select(
            _u.id,
            _u.channel,
            _u.user_ref,
            _u.queued_at,
            _u.promoted_at,
            _u.reminded_day_at,
            _u.reminded_soon_at,
            _s.starts_at,
        )
        .select_from(training_signup_t.join(training_session_t, _s.id == _u.session_id))
        .where(_u.status == REGISTERED, _u.channel.in_(list(channels)))
        .where(_s.cancelled_at.is_(None), _s.starts_at > now, _s.starts_at <= now + HORIZON)
        .where(_u.reminded_day_at.is_(None) | _u.reminded_soon_at.is_(None))
        .order_by(_s.starts_at, _u.id)
    )
    out = []
    for row in tx.conn.execute(query).mappings():
        found = dict(row)
        found["seat_since"] = found["promoted_at"] or found["queued_at"]
        out.append(found)
    return out


def queue(tx: Tx, signup: dict[str, Any], which: str, now: datetime) -> bool:
    """Mark the sign-up's reminder ``which`` ("day" or "soon") and queue it, unless it was
    marked already (by another check, before a restart): whether this call queued it."""
    mark = getattr(_u, MARKS[which])
    taken = tx.conn.execute(
        update(training_signup_t)
        .where(_u.id == signup["id"], mark.is_(None), _u.status == REGISTERED)
        .values({MARKS[which]: now})
    ).rowcount
    if not taken:
        return False
    starts = signup["starts_at"]
    outbox.enqueue(
        tx,
        REMINDER_KIND,
        signup["channel"],
        signup["user_ref"],
        {"signup_id": signup["id"], "which": which},
        f"{notice_key(signup['id'])}{REMINDER_KIND}:{which}:{starts:%Y%m%d%H%M}",
    )
    return True
