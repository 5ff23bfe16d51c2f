"""Programme news subscribers, the reminders a resident asked for, and chats that blocked
the bot (never written to again).

A subscriber row carries its segment (applicant, reason, source, area) and language, so a
campaign's audience is one query; stopping news withdraws the news and reminder consents
and cancels pending reminders at once. Imports db.models, db.store, db.tables,
db.consents, db.leads and handlers' types.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select, update

from db import consents, leads
from db.models import utcnow
from db.store import Tx
from db.tables import blocked_t, lead_t, member_t, reminder_t, subscriber_t
from handlers.types import Purpose, Remind, Subscribe

_s = subscriber_t.c
_r = reminder_t.c


def subscribe(tx: Tx, channel: str, user_ref: str, sub: Subscribe, consent_id: int | None) -> None:
    """Start (or restart) news for this chat, in the segment its answers put it in."""
    area = tx.conn.execute(
        select(lead_t.c.area).where(leads.belonging_to(channel, user_ref))
    ).scalar()
    values = {
        "applicant": sub.applicant,
        "reason": sub.reason,
        "source": sub.source,
        "area": area,
        "lang": sub.lang,
        "consent_id": consent_id,
        "subscribed_at": utcnow(),
        "unsubscribed_at": None,
    }
    done = tx.conn.execute(
        update(subscriber_t).where(_s.channel == channel, _s.user_ref == user_ref).values(**values)
    ).rowcount
    if not done:
        tx.conn.execute(insert(subscriber_t), {"channel": channel, "user_ref": user_ref, **values})


def unsubscribe(tx: Tx, channel: str, user_ref: str) -> bool:
    """Stop news at once; the news consent is withdrawn. False if not subscribed."""
    now = utcnow()
    done = tx.conn.execute(
        update(subscriber_t)
        .where(_s.channel == channel, _s.user_ref == user_ref, _s.unsubscribed_at.is_(None))
        .values(unsubscribed_at=now)
    ).rowcount
    consents.withdraw(tx, channel, user_ref, (Purpose.NEWS, Purpose.REMINDER), now)
    cancel_reminders(tx, channel, user_ref)  # /stop stops reminders too
    return bool(done == 1)


def block_chat(tx: Tx, channel: str, chat_id: str) -> None:
    """The chat refused us (the bot was blocked): remembered (never written to again), no
    more news or reminders, and a team member there becomes inactive."""
    tx.conn.execute(
        tx.insert_ignore(blocked_t), {"channel": channel, "chat_id": chat_id, "at": utcnow()}
    )
    tx.conn.execute(
        update(member_t)
        .where(member_t.c.channel == channel, member_t.c.account == chat_id)
        .values(active=False)
    )
    unsubscribe(tx, channel, chat_id)


def set_lang(tx: Tx, channel: str, user_ref: str, lang: str) -> None:
    """News comes in the language the person chats in now."""
    tx.conn.execute(
        update(subscriber_t).where(_s.channel == channel, _s.user_ref == user_ref).values(lang=lang)
    )


def add_reminder(
    tx: Tx, channel: str, user_ref: str, remind: Remind, consent_id: int | None
) -> None:
    """Schedule a reminder; one pending reminder of a kind per chat, the newest wins."""
    tx.conn.execute(
        update(reminder_t)
        .where(_r.channel == channel, _r.user_ref == user_ref, _r.kind == remind.kind)
        .where(_r.status == "pending")
        .values(status="cancelled", done_at=utcnow())
    )
    tx.conn.execute(
        insert(reminder_t),
        {
            "kind": remind.kind,
            "channel": channel,
            "user_ref": user_ref,
            "lang": remind.lang,
            "due_on": remind.due_on,
            "consent_id": consent_id,
            "created_at": utcnow(),
            "status": "pending",
        },
    )


def cancel_reminders(tx: Tx, channel: str, user_ref: str) -> int:
    return int(
        tx.conn.execute(
            update(reminder_t)
            .where(_r.channel == channel, _r.user_ref == user_ref, _r.status == "pending")
            .values(status="cancelled", done_at=utcnow())
        ).rowcount
    )


def pending_reminders(tx: Tx) -> list[dict[str, Any]]:
    rows = tx.conn.execute(select(reminder_t).where(_r.status == "pending"))
    return [dict(r) for r in rows.mappings()]


def get_reminder(tx: Tx, reminder_id: int) -> dict[str, Any] | None:
    found = tx.conn.execute(select(reminder_t).where(_r.id == reminder_id)).mappings().first()
    return dict(found) if found else None


def reminder_done(tx: Tx, reminder_id: int, status: str) -> bool:
    """Settle a pending reminder once; False if it was no longer pending (cancelled)."""
    done = tx.conn.execute(
        update(reminder_t)
        .where(_r.id == reminder_id, _r.status == "pending")
        .values(status=status, done_at=utcnow())
    ).rowcount
    return bool(done == 1)
