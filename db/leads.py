"""Leads (a resident's request for help, with their contact details), the events of each
lead's history, and the anonymous verdict counts.

Recording a lead writes its ``lead_event`` and the outbox row announcing it to the team in
the same transaction. One chat, its own request: a lead belongs to the chat account that gave
it, and only that chat giving the same number again updates it. Another chat giving a
number already on a lead gets a lead of its own — it never changes the first one, its owner
or its content — and staff see the two side by side (:func:`sharing_phone`). A new lead
goes to the team that serves its tổ dân phố (:func:`route`) and is offered to that team's
members who work on Zalo; an updated one keeps its team. Imports db.models, db.store, db.prepared,
db.tables, db.outbox, db.team and handlers (types).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import insert, select, update

from db import outbox, team
from db.models import utcnow
from db.prepared import Prepared
from db.store import Tx
from db.tables import event_t, lead_t, team_t, verdict_t
from handlers.types import RecordLead

_COUNT = Prepared(lambda _: insert(verdict_t), ("day", "channel", "applicant", "reason", "source"))


def belonging_to(channel: str, user_ref: str) -> Any:
    """The condition selecting a person's leads: those their chat account gave."""
    return (lead_t.c.channel == channel) & (lead_t.c.user_ref == user_ref)


def latest_of(
    tx: Tx, channel: str, user_ref: str, lead_id: int | None = None
) -> dict[str, Any] | None:
    """The lead of a chat: the conversation's own (``lead_id``) if it still is this chat's,
    else the newest this chat account gave; None when it gave none."""
    query = select(lead_t.c.id, lead_t.c.business_id).where(belonging_to(channel, user_ref))
    if lead_id is not None:
        own = tx.conn.execute(query.where(lead_t.c.id == lead_id)).mappings().first()
        if own is not None:
            return dict(own)
    row = tx.conn.execute(query.order_by(lead_t.c.id.desc()).limit(1)).mappings().first()
    return dict(row) if row else None


def add_event(
    tx: Tx,
    lead_id: int,
    actor: str,
    kind: str,
    status: str | None = None,
    *,
    actor_user_id: int | None = None,
    note: str | None = None,
) -> int:
    """Append to the lead's history; the event's id."""
    row = {
        "lead_id": lead_id,
        "at": utcnow(),
        "actor": actor[:80],
        "kind": kind,
        "status": status,
        "actor_user_id": actor_user_id,
        "note": note,
    }
    event_id: int = tx.conn.execute(insert(event_t).returning(event_t.c.id), row).scalar_one()
    return event_id


def route(tx: Tx, area: str) -> int | None:
    """The team a lead from ``area`` goes to: the team serving that tổ dân phố
    (db.team.serving); else the only team there is; else None (it waits for the ward office
    to hand it to a team)."""
    served = team.serving(tx, area)
    if served is not None:
        return served
    teams = (
        tx.conn.execute(select(team_t.c.id).where(team_t.c.archived_at.is_(None)).limit(2))
        .scalars()
        .all()
    )
    return int(teams[0]) if len(teams) == 1 else None


def record(
    tx: Tx, channel: str, user_ref: str, lead: RecordLead, consent_id: int | None
) -> tuple[int, bool]:
    """Create the chat's lead for this phone, or update the one this chat gave with it
    before; (lead id, created?). Other chats' leads are never touched."""
    now = utcnow()
    values = {
        "updated_at": now,
        "channel": channel,
        "user_ref": user_ref,
        "applicant": lead.applicant,
        "reason": lead.reason,
        "name": lead.name,
        "phone": lead.phone,
        "area": lead.area,
        "contact_time": lead.contact_time,
        "consent_id": consent_id,
        "business_id": lead.business_id,  # verified against the registry, or not (any more)
    }
    if lead.for_relative:  # asked for a relative: the contact is the asker's (default false)
        values["for_relative"] = True
    if lead.source:
        values["source"] = lead.source
    existing: int | None = tx.conn.execute(
        select(lead_t.c.id).where(belonging_to(channel, user_ref), lead_t.c.phone == lead.phone)
    ).scalar()
    if existing is None:
        lead_id: int = tx.conn.execute(
            insert(lead_t).returning(lead_t.c.id),
            {**values, "created_at": now, "status": "new", "team_id": route(tx, lead.area)},
        ).scalar_one()
    else:
        lead_id = existing
        again = {**values, "for_relative": lead.for_relative}  # for whom, as said this time
        tx.conn.execute(update(lead_t).where(lead_t.c.id == lead_id), again)
    kind = "created" if existing is None else "updated"
    event_id = add_event(tx, lead_id, f"{channel}:resident", kind)
    outbox.enqueue(
        tx,
        kind=f"lead_{kind}",
        channel=outbox.TEAM_RECIPIENT,
        recipient=outbox.TEAM_RECIPIENT,
        payload={"lead_id": lead_id},
        dedupe_key=f"lead:{lead_id}:{kind}:{event_id}",
    )
    if existing is None:
        team.offer_lead(tx, lead_id)  # to its team's members on Zalo, one by one
    return lead_id, existing is None


def sharing_phone(tx: Tx, lead_ids: Iterable[int], where: Any = None) -> dict[int, list[int]]:
    """For each of ``lead_ids``: the other leads with the same phone number (given by other
    chats), oldest first, among those ``where`` selects (what a staff member may see)."""
    ids = list(lead_ids)
    if not ids:
        return {}
    mine, other = lead_t.alias("mine"), lead_t.alias("other")
    query = (
        select(mine.c.id, other.c.id)
        .select_from(mine.join(other, (other.c.phone == mine.c.phone) & (other.c.id != mine.c.id)))
        .where(mine.c.id.in_(ids))
        .order_by(other.c.id)
    )
    if where is not None:
        query = query.where(other.c.id.in_(select(lead_t.c.id).where(where)))
    found: dict[int, list[int]] = {}
    for lead_id, same in tx.conn.execute(query):
        found.setdefault(int(lead_id), []).append(int(same))
    return found


def count_verdict(
    tx: Tx, day: date, channel: str, applicant: str, reason: str, source: str | None
) -> None:
    """Count one verdict reached, anonymously (for the ward's figures)."""
    params = {
        "day": day,
        "channel": channel,
        "applicant": applicant,
        "reason": reason,
        "source": source,
    }
    _COUNT.run(tx, params)
