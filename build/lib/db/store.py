"""The queries the rest of hiendien uses, grouped on one transaction (:class:`Tx`).

A turn of a conversation opens one transaction, checks the delivery was not seen before,
loads (and on PostgreSQL locks) the conversation row, and saves the new state together
with every effect — consents, leads with their events and outbox rows, anonymous counts —
so either all of it is recorded or none. SQLite work runs on one writer thread.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, bindparam, delete, insert, select, text, update
from sqlalchemy.dialects import postgresql, sqlite

from db.engine import is_sqlite, make_engine
from db.models import (
    Consent,
    Conversation,
    ErasedLead,
    InboundSeen,
    Lead,
    LeadEvent,
    Outbox,
    Reminder,
    SentMessage,
    Subscriber,
    VerdictCount,
    utcnow,
)
from handlers.types import (
    ConversationState,
    Purpose,
    RecordConsent,
    RecordLead,
    Remind,
    Subscribe,
)

conversation_t = Conversation.__table__
seen_t = InboundSeen.__table__
consent_t = Consent.__table__
lead_t = Lead.__table__
event_t = LeadEvent.__table__
outbox_t = Outbox.__table__
verdict_t = VerdictCount.__table__
erased_t = ErasedLead.__table__
sent_t = SentMessage.__table__
subscriber_t = Subscriber.__table__
reminder_t = Reminder.__table__

TEAM_RECIPIENT = "team"

# The statements every turn runs, built once (building them costs more than running them).
_c = conversation_t.c
_LOAD = select(_c.id, _c.state, _c.lead_id, _c.version, _c.paused_until).where(
    _c.channel == bindparam("ch"), _c.user_ref == bindparam("ur")
)
_LOAD_LOCKED = _LOAD.with_for_update()
_INSERT_CONVERSATION = insert(conversation_t).returning(_c.id)
_UPDATE_CONVERSATION = update(conversation_t).where(_c.id == bindparam("cid"))
T = TypeVar("T")
SEEN_KEPT = timedelta(days=7)  # platforms stop redelivering long before
IDLE_KEPT = timedelta(days=90)  # a conversation untouched this long is forgotten


@dataclass
class LoadedConversation:
    id: int | None
    state: ConversationState
    lead_id: int | None
    version: int
    paused_until: datetime | None = None  # a person (ward staff) has taken over until then


class Tx:
    """The queries, on one open transaction."""

    def __init__(self, conn: Connection, postgres: bool) -> None:
        self.conn = conn
        self.postgres = postgres
        self.enqueued = False  # did this transaction write a notification?

    def insert_ignore(self, table: Any) -> Any:
        dialect = postgresql if self.postgres else sqlite
        return dialect.insert(table).on_conflict_do_nothing()

    # --- de-duplication ---------------------------------------------------------------

    def mark_seen(self, channel: str, external_id: str) -> bool:
        """Record a platform delivery; False when it was already handled."""
        result = self.conn.execute(
            self.insert_ignore(seen_t).returning(seen_t.c.channel),
            {"channel": channel, "external_id": external_id[:128], "seen_at": utcnow()},
        )
        return result.first() is not None

    def prune_seen(self, before: datetime) -> int:
        self.conn.execute(delete(sent_t).where(sent_t.c.at < before))
        return self.conn.execute(delete(seen_t).where(seen_t.c.seen_at < before)).rowcount

    # --- conversations ----------------------------------------------------------------

    def load_conversation(self, channel: str, user_ref: str) -> LoadedConversation:
        query = _LOAD_LOCKED if self.postgres else _LOAD
        row = self.conn.execute(query, {"ch": channel, "ur": user_ref}).first()
        if row is None:
            return LoadedConversation(None, ConversationState(), None, 0)
        return LoadedConversation(
            row.id,
            ConversationState.from_json(json.loads(row.state)),
            row.lead_id,
            row.version,
            row.paused_until,
        )

    def save_conversation(
        self, channel: str, user_ref: str, loaded: LoadedConversation, state: ConversationState
    ) -> None:
        values = {
            "state": json.dumps(state.to_json(), ensure_ascii=False),
            "lang": state.lang,
            "source": state.source,
            "lead_id": loaded.lead_id,
            "updated_at": utcnow(),
            "version": loaded.version + 1,
        }
        if loaded.id is None:
            now = values["updated_at"]
            loaded.id = self.conn.execute(
                _INSERT_CONVERSATION,
                {"channel": channel, "user_ref": user_ref, "created_at": now, **values},
            ).scalar_one()
        else:
            self.conn.execute(_UPDATE_CONVERSATION, {"cid": loaded.id, **values})
            if state.lang != loaded.state.lang:  # news comes in the language they chose now
                c = subscriber_t.c
                self.conn.execute(
                    update(subscriber_t)
                    .where(c.channel == channel, c.user_ref == user_ref)
                    .values(lang=state.lang)
                )
        loaded.version += 1

    def pause(self, channel: str, user_ref: str, until: datetime | None) -> None:
        """A person (ward staff) has taken over this chat until ``until`` (None: hand back)."""
        self.conn.execute(
            update(conversation_t)
            .where(conversation_t.c.channel == channel, conversation_t.c.user_ref == user_ref)
            .values(paused_until=until)
        )

    def last_turn_at(self, channel: str, user_ref: str) -> datetime | None:
        """When the person last wrote to us (every turn of theirs updates the row)."""
        return self.conn.execute(
            select(conversation_t.c.updated_at).where(
                conversation_t.c.channel == channel, conversation_t.c.user_ref == user_ref
            )
        ).scalar()

    def paused_until(self, channel: str, user_ref: str) -> datetime | None:
        return self.conn.execute(
            select(conversation_t.c.paused_until).where(
                conversation_t.c.channel == channel, conversation_t.c.user_ref == user_ref
            )
        ).scalar()

    def record_sent(self, channel: str, message_ids: list[str], user_ref: str) -> None:
        now = utcnow()
        self.conn.execute(
            self.insert_ignore(sent_t),
            [
                {"channel": channel, "message_id": m, "user_ref": user_ref, "at": now}
                for m in message_ids
            ],
        )

    def was_sent(self, channel: str, message_id: str) -> bool:
        c = sent_t.c
        found = select(c.message_id).where(c.channel == channel, c.message_id == message_id)
        return self.conn.execute(found).first() is not None

    # --- consents, leads, counts --------------------------------------------------------

    def record_consent(
        self, channel: str, user_ref: str, c: RecordConsent, external_id: str | None
    ) -> int:
        return self.conn.execute(
            insert(consent_t).returning(consent_t.c.id),
            {
                "channel": channel,
                "user_ref": user_ref,
                "purpose": c.purpose,
                "version": c.version,
                "text_hash": c.text_hash,
                "granted": c.granted,
                "at": utcnow(),
                "external_id": external_id,
            },
        ).scalar_one()

    def latest_consent(self, channel: str, user_ref: str, purpose: str) -> int | None:
        c = consent_t.c
        return self.conn.execute(
            select(c.id)
            .where(c.channel == channel, c.user_ref == user_ref, c.purpose == purpose)
            .where(c.granted.is_(True), c.withdrawn_at.is_(None))
            .order_by(c.id.desc())
            .limit(1)
        ).scalar()

    def record_lead(
        self, channel: str, user_ref: str, lead: RecordLead, consent_id: int | None
    ) -> tuple[int, bool]:
        """Create the lead, or update the one with the same phone. (lead id, created?)"""
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
        }
        if lead.source:
            values["source"] = lead.source
        existing = self.conn.execute(
            select(lead_t.c.id).where(lead_t.c.phone == lead.phone)
        ).scalar()
        if existing is None:
            lead_id = self.conn.execute(
                insert(lead_t).returning(lead_t.c.id),
                {**values, "created_at": now, "status": "new"},
            ).scalar_one()
        else:
            lead_id = existing
            self.conn.execute(update(lead_t).where(lead_t.c.id == lead_id), values)
        kind = "created" if existing is None else "updated"
        event_id = self.conn.execute(
            insert(event_t).returning(event_t.c.id),
            {"lead_id": lead_id, "at": now, "actor": f"{channel}:resident", "kind": kind},
        ).scalar_one()
        self.enqueue(
            kind=f"lead_{kind}",
            channel=TEAM_RECIPIENT,
            recipient=TEAM_RECIPIENT,
            payload={"lead_id": lead_id},
            dedupe_key=f"lead:{lead_id}:{kind}:{event_id}",
        )
        return lead_id, existing is None

    def enqueue(
        self, kind: str, channel: str, recipient: str, payload: dict[str, Any], dedupe_key: str
    ) -> None:
        now = utcnow()
        self.enqueued = True
        self.conn.execute(
            self.insert_ignore(outbox_t),
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

    def claim_outbox(
        self, channels: list[str], now: datetime, limit: int, lease: timedelta
    ) -> list[dict[str, Any]]:
        """Take up to ``limit`` due notifications for these channels: pending ones whose time
        has come, and ones whose sender died mid-send (their lease ran out). On PostgreSQL
        other processes skip the rows taken here."""
        c = outbox_t.c
        query = (
            select(outbox_t)
            .where(c.channel.in_(channels), c.status.in_(("pending", "sending")))
            .where(c.next_attempt_at <= now)
            .order_by(c.id)
            .limit(limit)
        )
        if self.postgres:
            query = query.with_for_update(skip_locked=True)
        rows = [dict(r) for r in self.conn.execute(query).mappings()]
        if rows:
            self.conn.execute(
                update(outbox_t)
                .where(c.id.in_([r["id"] for r in rows]))
                .values(status="sending", next_attempt_at=now + lease)
            )
        return rows

    def reclaim_outbox(self, now: datetime) -> int:
        """Make notifications left "sending" by a stopped process due now."""
        c = outbox_t.c
        return self.conn.execute(
            update(outbox_t)
            .where(c.status == "sending")
            .values(status="pending", next_attempt_at=now)
        ).rowcount

    def release_outbox(self, ids: list[int], now: datetime) -> None:
        """Give back rows taken but not attempted (the dispatcher is stopping)."""
        self.conn.execute(
            update(outbox_t)
            .where(outbox_t.c.id.in_(ids))
            .values(status="pending", next_attempt_at=now)
        )

    def settle_outbox(
        self,
        row_id: int,
        status: str,
        attempts: int,
        next_attempt_at: datetime | None,
        error: str | None,
    ) -> None:
        values: dict[str, Any] = {"status": status, "attempts": attempts, "last_error": error}
        if next_attempt_at is not None:
            values["next_attempt_at"] = next_attempt_at
        self.conn.execute(update(outbox_t).where(outbox_t.c.id == row_id).values(**values))

    def count_verdict(
        self, day: date, channel: str, applicant: str, reason: str, source: str | None
    ) -> None:
        self.conn.execute(
            insert(verdict_t),
            {
                "day": day,
                "channel": channel,
                "applicant": applicant,
                "reason": reason,
                "source": source,
            },
        )

    # --- programme news ---------------------------------------------------------------------

    def subscribe(
        self, channel: str, user_ref: str, sub: Subscribe, consent_id: int | None
    ) -> None:
        area = self.conn.execute(
            select(lead_t.c.area).where(self._their_leads(channel, user_ref))
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
        c = subscriber_t.c
        done = self.conn.execute(
            update(subscriber_t)
            .where(c.channel == channel, c.user_ref == user_ref)
            .values(**values)
        ).rowcount
        if not done:
            self.conn.execute(
                insert(subscriber_t), {"channel": channel, "user_ref": user_ref, **values}
            )

    def unsubscribe(self, channel: str, user_ref: str) -> bool:
        """Stop news at once; the news consent is withdrawn. False if not subscribed."""
        now = utcnow()
        c = subscriber_t.c
        done = self.conn.execute(
            update(subscriber_t)
            .where(c.channel == channel, c.user_ref == user_ref, c.unsubscribed_at.is_(None))
            .values(unsubscribed_at=now)
        ).rowcount
        k = consent_t.c
        self.conn.execute(
            update(consent_t)
            .where(k.channel == channel, k.user_ref == user_ref)
            .where(k.purpose.in_((Purpose.NEWS, Purpose.REMINDER)))
            .where(k.granted.is_(True), k.withdrawn_at.is_(None))
            .values(withdrawn_at=now)
        )
        self.cancel_reminders(channel, user_ref)  # /stop stops reminders too
        return done == 1

    def add_reminder(
        self, channel: str, user_ref: str, remind: Remind, consent_id: int | None
    ) -> None:
        c = reminder_t.c
        self.conn.execute(  # one pending reminder of a kind per chat: the newest wins
            update(reminder_t)
            .where(c.channel == channel, c.user_ref == user_ref, c.kind == remind.kind)
            .where(c.status == "pending")
            .values(status="cancelled", done_at=utcnow())
        )
        self.conn.execute(
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

    def cancel_reminders(self, channel: str, user_ref: str) -> int:
        c = reminder_t.c
        return self.conn.execute(
            update(reminder_t)
            .where(c.channel == channel, c.user_ref == user_ref, c.status == "pending")
            .values(status="cancelled", done_at=utcnow())
        ).rowcount

    # --- a person's own data --------------------------------------------------------------

    @staticmethod
    def _their_leads(channel: str, user_ref: str) -> Any:
        """A lead belongs to the chat account that last gave its phone number."""
        return (lead_t.c.channel == channel) & (lead_t.c.user_ref == user_ref)

    def my_data(self, channel: str, user_ref: str) -> dict[str, Any]:
        leads = (
            self.conn.execute(
                select(lead_t).where(self._their_leads(channel, user_ref)).order_by(lead_t.c.id)
            )
            .mappings()
            .all()
        )
        consents = (
            self.conn.execute(
                select(consent_t)
                .where(consent_t.c.channel == channel, consent_t.c.user_ref == user_ref)
                .order_by(consent_t.c.id)
            )
            .mappings()
            .all()
        )
        conv = self.conn.execute(
            select(conversation_t.c.source).where(
                conversation_t.c.channel == channel, conversation_t.c.user_ref == user_ref
            )
        ).first()
        subscribed = self.conn.execute(
            select(subscriber_t.c.id).where(
                subscriber_t.c.channel == channel,
                subscriber_t.c.user_ref == user_ref,
                subscriber_t.c.unsubscribed_at.is_(None),
            )
        ).first()
        return {
            "subscribed": subscribed is not None,
            "leads": [dict(r) for r in leads],
            "consents": [dict(r) for r in consents],
            "conversation": conv is not None,
            "source": conv.source if conv else None,
        }

    def _erase_leads(self, where: Any) -> int:
        """Delete the leads matching ``where``, keeping an anonymous row for each."""
        leads = self.conn.execute(select(lead_t).where(where)).mappings().all()
        if not leads:
            return 0
        now = utcnow()
        self.conn.execute(
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
                for lead in leads
            ],
        )
        ids = [lead["id"] for lead in leads]
        for lead_id in ids:
            self.conn.execute(
                delete(outbox_t).where(outbox_t.c.dedupe_key.like(f"lead:{lead_id}:%"))
            )
        self.conn.execute(
            update(conversation_t).where(conversation_t.c.lead_id.in_(ids)).values(lead_id=None)
        )
        self.conn.execute(delete(event_t).where(event_t.c.lead_id.in_(ids)))
        self.conn.execute(delete(lead_t).where(lead_t.c.id.in_(ids)))
        return len(ids)

    def erase(self, channel: str, user_ref: str) -> int:
        """Delete everything about a person; keep an anonymous row per erased lead."""
        count = self._erase_leads(self._their_leads(channel, user_ref))
        c = subscriber_t.c
        self.conn.execute(delete(subscriber_t).where(c.channel == channel, c.user_ref == user_ref))
        r = reminder_t.c
        self.conn.execute(delete(reminder_t).where(r.channel == channel, r.user_ref == user_ref))
        self.conn.execute(
            delete(consent_t).where(
                consent_t.c.channel == channel, consent_t.c.user_ref == user_ref
            )
        )
        self.conn.execute(
            delete(conversation_t).where(
                conversation_t.c.channel == channel, conversation_t.c.user_ref == user_ref
            )
        )
        return count

    def purge(self, now: datetime, today: date, retention_until: date) -> dict[str, int]:
        """The retention schedule: delivery ids after a week, idle conversations after
        90 days, and every lead and consent once the retention period has ended."""
        done = {
            "inbound_seen": self.prune_seen(now - SEEN_KEPT),
            "conversations": self.conn.execute(
                delete(conversation_t).where(conversation_t.c.updated_at < now - IDLE_KEPT)
            ).rowcount,
            "leads": 0,
            "consents": 0,
        }
        if today > retention_until:
            done["leads"] = self._erase_leads(lead_t.c.id.isnot(None))
            done["consents"] = self.conn.execute(delete(consent_t)).rowcount
            self.conn.execute(delete(subscriber_t))
            self.conn.execute(delete(reminder_t))
        return done

    # --- reading for exports ------------------------------------------------------------------

    def leads_for_export(self) -> Iterator[dict[str, Any]]:
        c = lead_t.c
        consent_at = consent_t.c.at.label("consent_at")
        query = (
            select(lead_t, consent_at)
            .select_from(lead_t.outerjoin(consent_t, consent_t.c.id == c.consent_id))
            .order_by(c.id)
        )
        for row in self.conn.execute(query).mappings():
            yield dict(row)


class Store:
    """The database: an engine plus the thread its (synchronous) work runs on."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine: Engine = make_engine(url)
        self.postgres = not is_sqlite(url)
        # SQLite has one writer: one thread serialises every transaction of this process.
        workers = 8 if self.postgres else 1
        self.executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="db")

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """Run synchronous database work on the store's thread."""
        return await asyncio.get_running_loop().run_in_executor(self.executor, fn, *args)

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        with self.engine.begin() as conn:
            yield Tx(conn, self.postgres)

    def ping(self) -> bool:
        with self.engine.connect() as conn:
            return conn.execute(text("SELECT 1")).scalar() == 1

    def close(self) -> None:
        self.executor.shutdown(wait=True)
        self.engine.dispose()
