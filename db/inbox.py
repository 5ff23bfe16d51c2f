"""The inbox's rows: platform updates written before they are acknowledged (``inbox``), so
one acknowledged is never lost (bot.inbox handles them).

A row is "pending" from the moment it is added, leased to the process that added it
(``taken_until``); that process renews the lease while it holds the row and marks the row
"done" once handled, dropping its body (what a resident wrote is kept only until it is
handled). A pending row whose lease ran out (its process died) is taken again by
:func:`take`; one taken :data:`MAX_ATTEMPTS` times is given up ("failed", body dropped).
Every row goes after a week (:func:`prune`, with inbound_seen). Imports db.models, db.store
and db.tables.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update

from db.store import Tx
from db.tables import inbox_t

MAX_ATTEMPTS = 5  # a row taken this many times (each a crash or a lost lease) is given up
_c = inbox_t.c


@dataclass(frozen=True)
class Row:
    """One update in hand: which channel's, its id there, the chat it belongs to (rows of one
    chat are handled in order; None: in no order), the update itself, how often taken."""

    id: int
    channel: str
    external_id: str
    chat: str | None
    body: dict[str, Any]
    attempts: int


def add(
    tx: Tx,
    channel: str,
    external_id: str,
    chat: str | None,
    body: dict[str, Any],
    now: datetime,
    lease: timedelta,
) -> Row | None:
    """Store an update, leased to the caller; None when this id was stored before (a
    redelivery). The body is JSON in ASCII (a lone surrogate stays an escape)."""
    external_id, chat = external_id[:128], chat[:64] if chat is not None else None
    values = {
        "channel": channel,
        "external_id": external_id,
        "chat": chat,
        "body": json.dumps(body),
        "status": "pending",
        "attempts": 1,
        "taken_until": now + lease,
        "received_at": now,
    }
    found = tx.conn.execute(tx.insert_ignore(inbox_t).returning(_c.id), values).first()
    if found is None:
        return None
    return Row(found[0], channel, external_id, chat, body, 1)


def take(
    tx: Tx,
    channels: Collection[str],
    now: datetime,
    lease: timedelta,
    *,
    every: bool = False,
) -> tuple[list[Row], int]:
    """The pending rows of these channels whose lease ran out (``every``: all of them — a
    process starting on SQLite, the only one on its file), oldest first, leased now to the
    caller, and how many were given up: a row taken :data:`MAX_ATTEMPTS` times already is
    marked "failed" instead. On PostgreSQL rows another process is taking are skipped."""
    query = select(_c.id, _c.channel, _c.external_id, _c.chat, _c.body, _c.attempts).where(
        _c.status == "pending", _c.channel.in_(list(channels))
    )
    if not every:
        query = query.where(_c.taken_until <= now)
    query = query.order_by(_c.id)
    if tx.postgres:
        query = query.with_for_update(skip_locked=True)
    found = tx.conn.execute(query).all()
    rows, failed = [], []
    for row_id, channel, external_id, chat, body, attempts in found:
        if attempts >= MAX_ATTEMPTS or body is None:
            failed.append(row_id)
        else:
            rows.append(Row(row_id, channel, external_id, chat, json.loads(body), attempts + 1))
    if rows:
        tx.conn.execute(
            update(inbox_t)
            .where(_c.id.in_([r.id for r in rows]))
            .values(attempts=_c.attempts + 1, taken_until=now + lease)
        )
    if failed:
        finish(tx, failed, now, "failed")
    return rows, len(failed)


def renew(tx: Tx, ids: Collection[int], until: datetime) -> None:
    """Extend the lease on rows still in hand (``until`` now: give them back, for any
    process to take at once)."""
    tx.conn.execute(
        update(inbox_t)
        .where(_c.id.in_(list(ids)), _c.status == "pending")
        .values(taken_until=until)
    )


def finish(tx: Tx, ids: Collection[int], now: datetime, status: str = "done") -> None:
    """Rows handled ("done") or given up ("failed"): their bodies are dropped."""
    tx.conn.execute(
        update(inbox_t)
        .where(_c.id.in_(list(ids)))
        .values(status=status, body=None, handled_at=now, taken_until=now)
    )


def prune(tx: Tx, before: datetime) -> int:
    """Forget rows received before ``before``, whatever became of them (a platform stopped
    redelivering them long ago)."""
    return int(tx.conn.execute(delete(inbox_t).where(_c.received_at < before)).rowcount)
