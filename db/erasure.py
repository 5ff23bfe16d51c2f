"""A person's own data: showing them everything stored about them, erasing it on request,
and the retention schedule that forgets what is no longer needed — conversations nothing was
kept from (no consent, lead …) sooner than the others.

An erased lead leaves one anonymous ``erased_lead`` row (dates, channel, verdict, source),
so the ward's figures survive; nothing that names a person does. Their training sign-ups
go too (db.training.forget: a seat they held goes to the first waiting person). Imports
db.models, db.store, db.tables, db.conversations, db.inbox, db.leads, db.office and
db.training.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, exists, insert, or_, select, update

from db import conversations, inbox, leads, office, training
from db.models import utcnow
from db.store import Tx
from db.tables import (
    consent_t,
    conversation_t,
    erased_t,
    event_t,
    lead_t,
    member_t,
    outbox_t,
    reminder_t,
    subscriber_t,
    training_signup_t,
)

SEEN_KEPT = timedelta(days=7)  # platforms stop redelivering long before
IDLE_KEPT = timedelta(days=90)  # a conversation untouched this long is forgotten


def _theirs(table: Any, channel: str, user_ref: str) -> Any:
    return (table.c.channel == channel) & (table.c.user_ref == user_ref)


def my_data(tx: Tx, channel: str, user_ref: str) -> dict[str, Any]:
    """Everything stored about this chat account, as plain rows (see handlers.privacy)."""
    their_leads = (
        tx.conn.execute(
            select(lead_t).where(leads.belonging_to(channel, user_ref)).order_by(lead_t.c.id)
        )
        .mappings()
        .all()
    )
    their_consents = (
        tx.conn.execute(
            select(consent_t).where(_theirs(consent_t, channel, user_ref)).order_by(consent_t.c.id)
        )
        .mappings()
        .all()
    )
    conv = tx.conn.execute(
        select(conversation_t.c.source).where(_theirs(conversation_t, channel, user_ref))
    ).first()
    subscribed = tx.conn.execute(
        select(subscriber_t.c.id).where(
            _theirs(subscriber_t, channel, user_ref), subscriber_t.c.unsubscribed_at.is_(None)
        )
    ).first()
    return {
        "trainings": training.mine(tx, channel, user_ref),
        "subscribed": subscribed is not None,
        "leads": [dict(r) for r in their_leads],
        "consents": [dict(r) for r in their_consents],
        "conversation": conv is not None,
        "source": conv.source if conv else None,
    }


def _erase_leads(tx: Tx, where: Any) -> int:
    """Delete the leads matching ``where``, keeping an anonymous row for each."""
    found = tx.conn.execute(select(lead_t).where(where)).mappings().all()
    if not found:
        return 0
    now = utcnow()
    tx.conn.execute(
        insert(erased_t),
        [
            {
                "erased_at": now,
                "created_on": lead["created_at"].date(),
                "channel": lead["channel"],
                "applicant": lead["applicant"],
                "reason": lead["reason"],
                "status": lead["status"],
                "source": lead["source"],
            }
            for lead in found
        ],
    )
    ids = [lead["id"] for lead in found]
    for lead_id in ids:
        tx.conn.execute(delete(outbox_t).where(outbox_t.c.dedupe_key.like(f"lead:{lead_id}:%")))
    tx.conn.execute(
        update(conversation_t).where(conversation_t.c.lead_id.in_(ids)).values(lead_id=None)
    )
    tx.conn.execute(delete(event_t).where(event_t.c.lead_id.in_(ids)))
    tx.conn.execute(delete(lead_t).where(lead_t.c.id.in_(ids)))
    return len(ids)


def erase(tx: Tx, channel: str, user_ref: str, writes_first: Collection[str] = ()) -> int:
    """Delete everything about a person; keep an anonymous row per erased lead. A training
    seat they held goes to the first waiting person, told if their channel is one of
    ``writes_first``."""
    tx.erased = True
    count = _erase_leads(tx, leads.belonging_to(channel, user_ref))
    conversations.forget_replies(tx, channel, user_ref)  # they may show the name and phone
    training.forget(tx, channel, user_ref, utcnow(), writes_first)
    for table in (subscriber_t, reminder_t, consent_t, conversation_t):
        tx.conn.execute(delete(table).where(_theirs(table, channel, user_ref)))
    return count


def _kept_from(table: Any, user_column: str = "user_ref") -> Any:
    """Whether ``table`` holds a row of the conversation's chat."""
    c = conversation_t.c
    return exists().where(table.c.channel == c.channel, table.c[user_column] == c.user_ref)


def purge_unconsented(tx: Tx, before: datetime, now: datetime) -> int:
    """Delete the conversations untouched since ``before`` that nothing was kept from: no
    consent (given or refused), no lead, no subscription (even ended), no reminder, no
    training sign-up, not a team member's chat, not paused by ward staff. What is left of
    them is a state (perhaps a name or phone typed, never agreed to be kept)."""
    c = conversation_t.c
    kept = or_(
        c.lead_id.isnot(None),
        _kept_from(consent_t),
        _kept_from(lead_t),
        _kept_from(subscriber_t),
        _kept_from(reminder_t),
        _kept_from(training_signup_t),
        _kept_from(member_t, "account"),
        and_(c.paused_until.isnot(None), c.paused_until > now),  # never NULL: NOT works
    )
    gone = tx.conn.execute(
        delete(conversation_t).where(and_(c.updated_at < before, ~kept))
    ).rowcount
    if gone:
        tx.erased = True  # a typed name or phone may have been in a state
    return int(gone)


def purge(
    tx: Tx,
    now: datetime,
    today: date,
    retention_until: date,
    unconsented_after: timedelta | None = None,
) -> dict[str, int]:
    """The retention schedule: delivery ids after a week, conversations nothing was kept
    from after ``unconsented_after`` (content/ward.yaml), idle conversations after
    90 days, office sessions idle past their timeout, and every lead and consent once the
    retention period has ended."""
    unconsented = purge_unconsented(tx, now - unconsented_after, now) if unconsented_after else 0
    done = {
        "inbound_seen": conversations.prune_seen(tx, now - SEEN_KEPT),
        "unconsented_conversations": unconsented,
        "inbox": inbox.prune(tx, now - SEEN_KEPT),
        "conversations": tx.conn.execute(
            delete(conversation_t).where(conversation_t.c.updated_at < now - IDLE_KEPT)
        ).rowcount,
        "leads": 0,
        "consents": 0,
        "office_sessions": office.prune_sessions(tx, now),
    }
    if today > retention_until:
        tx.erased = True
        done["leads"] = _erase_leads(tx, lead_t.c.id.isnot(None))
        done["consents"] = tx.conn.execute(delete(consent_t)).rowcount
        tx.conn.execute(delete(subscriber_t))
        tx.conn.execute(delete(reminder_t))
        done["training_signups"] = training.forget_everyone(tx)
    return done
