"""Following up a lead: claiming it, moving it through its statuses, the lead card the
team's messages show, and reminders for leads nobody took. The office's board and the
chat buttons call these same functions, so both stay in step.

Every change writes its ``lead_event`` row and the outbox rows for the notifications it
causes in the same transaction (the :class:`~db.store.Tx` it is given). A claim is decided
by the database: the conditional UPDATE that finds the lead still unclaimed wins.
Imports db.models, db.store, db.tables, db.leads, db.outbox and db.team.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, select, update

from db import leads, outbox
from db.models import utcnow
from db.outbox import TEAM_RECIPIENT
from db.store import Tx
from db.tables import event_t, lead_t
from db.team import admins

STATUSES = ("contacted", "registered", "unreachable", "declined")  # after "claimed"


def _announce_changed(tx: Tx, lead_id: int, event_id: int) -> None:
    outbox.enqueue(
        tx,
        kind="lead_changed",
        channel=TEAM_RECIPIENT,
        recipient=TEAM_RECIPIENT,
        payload={"lead_id": lead_id},
        dedupe_key=f"lead:{lead_id}:changed:{event_id}",
    )


NOTIFY_RESIDENT = ("claimed", "unreachable", "registered")  # statuses the resident hears of


def _tell_resident(
    tx: Tx, lead_id: int, status: str, event_id: int, writes_first: Collection[str]
) -> None:
    """The resident hears of it if their channel is one of ``writes_first`` (the channels
    that may write to a person first: the bot passes those of its channel registry)."""
    if status not in NOTIFY_RESIDENT:
        return
    row = tx.conn.execute(
        select(lead_t.c.channel, lead_t.c.user_ref).where(lead_t.c.id == lead_id)
    ).first()
    if row is None or row.channel not in writes_first:
        return
    outbox.enqueue(
        tx,
        kind="resident_notice",
        channel=row.channel,
        recipient=row.user_ref,
        payload={"lead_id": lead_id, "status": status},
        dedupe_key=f"lead:{lead_id}:notice:{event_id}",
    )


def claim_lead(
    tx: Tx, lead_id: int, member: dict[str, Any], *, writes_first: Collection[str] = ()
) -> str:
    """ "won", "taken" (someone else was first), "mine" (already held) or "missing". A
    resident on one of ``writes_first`` is told who took their request."""
    now = utcnow()
    won = tx.conn.execute(
        update(lead_t)
        .where(lead_t.c.id == lead_id, lead_t.c.status == "new")
        .values(
            status="claimed",
            assignee_member_id=member["id"],
            assignee=member["display_name"],
            claimed_at=now,
            updated_at=now,
        )
    ).rowcount
    if won != 1:
        row = tx.conn.execute(
            select(lead_t.c.assignee_member_id).where(lead_t.c.id == lead_id)
        ).first()
        if row is None:
            return "missing"
        return "mine" if row.assignee_member_id == member["id"] else "taken"
    event_id = leads.add_event(tx, lead_id, member["display_name"], "claimed", "claimed")
    _announce_changed(tx, lead_id, event_id)
    _tell_resident(tx, lead_id, "claimed", event_id, writes_first)
    outbox.enqueue(
        tx,
        kind="lead_details",
        channel=member["channel"],
        recipient=member["account"],
        payload={"lead_id": lead_id},
        dedupe_key=f"lead:{lead_id}:details:{member['id']}:{event_id}",
    )
    return "won"


def set_status(
    tx: Tx,
    lead_id: int,
    member: dict[str, Any],
    status: str,
    *,
    writes_first: Collection[str] = (),
) -> str:
    """ "ok", "same", "not_yours" (held by someone else; admins may), "unclaimed" or "missing".
    A resident on one of ``writes_first`` hears of the statuses in :data:`NOTIFY_RESIDENT`."""
    if status not in STATUSES:
        raise ValueError(status)
    row = tx.conn.execute(
        select(lead_t.c.status, lead_t.c.assignee_member_id).where(lead_t.c.id == lead_id)
    ).first()
    if row is None:
        return "missing"
    if row.assignee_member_id is None:
        return "unclaimed"
    if row.assignee_member_id != member["id"] and member["role"] != "admin":
        return "not_yours"
    if row.status == status:
        return "same"
    tx.conn.execute(
        update(lead_t).where(lead_t.c.id == lead_id).values(status=status, updated_at=utcnow())
    )
    event_id = leads.add_event(tx, lead_id, member["display_name"], "status", status)
    _announce_changed(tx, lead_id, event_id)
    _tell_resident(tx, lead_id, status, event_id, writes_first)
    return "ok"


def lead_card(tx: Tx, lead_id: int) -> dict[str, Any] | None:
    """The lead with its latest status change, for the team's messages."""
    row = tx.conn.execute(select(lead_t).where(lead_t.c.id == lead_id)).mappings().first()
    if row is None:
        return None
    last = (
        tx.conn.execute(
            select(event_t.c.actor, event_t.c.at, event_t.c.status)
            .where(event_t.c.lead_id == lead_id, event_t.c.status.isnot(None))
            .order_by(event_t.c.id.desc())
            .limit(1)
        )
        .mappings()
        .first()
    )
    return {**dict(row), "last_change": dict(last) if last else None}


def mark_announced(tx: Tx, lead_id: int, chat: str, message_id: int) -> None:
    tx.conn.execute(
        update(lead_t)
        .where(lead_t.c.id == lead_id)
        .values(announce_chat=chat, announce_message_id=message_id)
    )


def queue_reminders(
    tx: Tx, now: datetime, remind_after: timedelta, escalate_after: timedelta, admin_channel: str
) -> int:
    """Re-announce leads unclaimed for ``remind_after`` (once) and tell the admins about
    those unclaimed for ``escalate_after`` (once). Returns how many notices were queued."""
    queued = 0
    unclaimed = and_(lead_t.c.status == "new", lead_t.c.assignee_member_id.is_(None))
    due = (
        tx.conn.execute(
            select(lead_t.c.id).where(
                unclaimed, lead_t.c.reminded_at.is_(None), lead_t.c.created_at <= now - remind_after
            )
        )
        .scalars()
        .all()
    )
    for lead_id in due:
        tx.conn.execute(update(lead_t).where(lead_t.c.id == lead_id).values(reminded_at=now))
        outbox.enqueue(
            tx,
            "lead_reminder",
            TEAM_RECIPIENT,
            TEAM_RECIPIENT,
            {"lead_id": lead_id},
            f"lead:{lead_id}:reminder",
        )
        queued += 1
    late = (
        tx.conn.execute(
            select(lead_t.c.id).where(
                unclaimed,
                lead_t.c.escalated_at.is_(None),
                lead_t.c.created_at <= now - escalate_after,
            )
        )
        .scalars()
        .all()
    )
    heads = admins(tx, admin_channel)
    for lead_id in late:
        tx.conn.execute(update(lead_t).where(lead_t.c.id == lead_id).values(escalated_at=now))
        for admin in heads:
            outbox.enqueue(
                tx,
                "lead_escalated",
                admin["channel"],
                admin["account"],
                {"lead_id": lead_id},
                f"lead:{lead_id}:escalated:{admin['id']}",
            )
            queued += 1
    return queued
