"""The outbox: notifications written in the same transaction as the change that causes
them, then claimed, delivered and settled by the dispatcher (bot.outbox).

A row is "pending" until a dispatcher claims it ("sending", with a lease), then "sent",
"pending" again with a later attempt time, or "dead". Rows for the community digital team
go to :data:`TEAM_RECIPIENT`. Imports db.models, db.store and db.tables.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from db.models import utcnow
from db.store import Tx
from db.tables import outbox_t

TEAM_RECIPIENT = "team"  # the channel and recipient of notices for the team's group chat
_c = outbox_t.c


def enqueue(
    tx: Tx, kind: str, channel: str, recipient: str, payload: dict[str, Any], dedupe_key: str
) -> None:
    """Queue a notification (once per ``dedupe_key``); the dispatcher is woken on commit."""
    now = utcnow()
    tx.enqueued = True
    tx.conn.execute(
        tx.insert_ignore(outbox_t),
        {
            "kind": kind,
            "channel": channel,
            "recipient": recipient,
            "payload": json.dumps(payload),
            "dedupe_key": dedupe_key,
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        },
    )


def claim(
    tx: Tx, channels: list[str], now: datetime, limit: int, lease: timedelta
) -> list[dict[str, Any]]:
    """Take up to ``limit`` due notifications for these channels: pending ones whose time
    has come, and ones whose sender died mid-send (their lease ran out). On PostgreSQL
    other processes skip the rows taken here."""
    query = (
        select(outbox_t)
        .where(_c.channel.in_(channels), _c.status.in_(("pending", "sending")))
        .where(_c.next_attempt_at <= now)
        .order_by(_c.id)
        .limit(limit)
    )
    if tx.postgres:
        query = query.with_for_update(skip_locked=True)
    rows = [dict(r) for r in tx.conn.execute(query).mappings()]
    if rows:
        tx.conn.execute(
            update(outbox_t)
            .where(_c.id.in_([r["id"] for r in rows]))
            .values(status="sending", next_attempt_at=now + lease)
        )
    return rows


def reclaim(tx: Tx, now: datetime) -> int:
    """Make notifications left "sending" by a stopped process due now."""
    return int(
        tx.conn.execute(
            update(outbox_t)
            .where(_c.status == "sending")
            .values(status="pending", next_attempt_at=now)
        ).rowcount
    )


def release(tx: Tx, ids: list[int], now: datetime) -> None:
    """Give back rows taken but not attempted (the dispatcher is stopping)."""
    tx.conn.execute(
        update(outbox_t).where(_c.id.in_(ids)).values(status="pending", next_attempt_at=now)
    )


def settle(
    tx: Tx,
    row_id: int,
    status: str,
    attempts: int,
    next_attempt_at: datetime | None,
    error: str | None,
) -> None:
    """Record an attempt's outcome: sent, pending again (at ``next_attempt_at``) or dead."""
    values: dict[str, Any] = {"status": status, "attempts": attempts, "last_error": error}
    if next_attempt_at is not None:
        values["next_attempt_at"] = next_attempt_at
    tx.conn.execute(update(outbox_t).where(_c.id == row_id).values(**values))
