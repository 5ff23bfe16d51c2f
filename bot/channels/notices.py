"""What the team's outbox rows carry, read the same way by every channel's sender: the lead's
card, and the notice a resident gets when the team moves their request along (taken, could
not reach them, registered) — written to the outbox with the change, in the resident's
language, sent on the channel they used — or the follow-up question whether they registered
(db.registrations.queue_follow_ups), with its two buttons; or a training sign-up's notice
(db.training: moved up from the waiting list, the session cancelled or changed; and its
reminders, bot.training_reminders), in the language the person signed up in.

May import: db, handlers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from db import conversations, followup, registrations, training
from db.models import utcnow
from db.store import Store
from db.training_chat import session_of
from handlers.content import Content, vn_date
from handlers.privacy import VIETNAM
from handlers.training import REMINDER_KIND, reminder
from handlers.types import Button, Message

# rows to a resident
RESIDENT_KINDS = (
    "resident_notice",
    registrations.FOLLOW_UP_KIND,
    *training.NOTICE_KINDS,
    REMINDER_KIND,
)


def resident_chat(store: Store, channel: str, user_ref: str) -> tuple[str, datetime | None]:
    """The resident's language and when they last wrote (their conversation's last turn)."""
    with store.transaction() as tx:
        loaded = conversations.load(tx, channel, user_ref)
        updated = conversations.last_turn_at(tx, channel, user_ref)
    return loaded.state.lang, updated


def resident_lang(store: Store, channel: str, user_ref: str) -> str:
    """The language the resident chats in (Vietnamese for a chat we do not know)."""
    return resident_chat(store, channel, user_ref)[0]


def notice_text(content: Content, lang: str, card: dict[str, Any], status: str) -> str:
    return content.render(lang, f"lead_notice.{status}", holder=card["assignee"] or "")


def lead_card(store: Store, lead_id: int) -> dict[str, Any] | None:
    """The lead as the team sees it (None: the resident deleted their data meanwhile)."""
    with store.transaction() as tx:
        return followup.lead_card(tx, lead_id)


async def card_of(store: Store, row: dict[str, Any]) -> dict[str, Any] | None:
    """The card of the lead an outbox row is about."""
    return await store.run(lead_card, store, json.loads(row["payload"])["lead_id"])


@dataclass(frozen=True)
class Notice:
    message: Message  # in the resident's language
    last_message: datetime | None  # when the resident last wrote (a channel's window)

    @property
    def text(self) -> str:
        return self.message.text


def follow_up(content: Content, lang: str) -> Message:
    """The question whether the resident registered: "Đã đăng ký" (the chat then asks the
    name, handlers.steps.registered) or "Chưa"."""
    t = content.render
    return Message(
        t(lang, "registered.offer"),
        (
            Button(t(lang, "registered.buttons.yes"), payload="registered"),
            Button(t(lang, "registered.buttons.no"), payload="registered:not_yet"),
        ),
    )


def training_signup(store: Store, signup_id: int) -> dict[str, Any] | None:
    with store.transaction() as tx:
        return training.with_session(tx, signup_id)


# the words of each training notice, and whether it still holds for the sign-up as it is now
TRAINING_NOTICES = {
    training.KIND_PROMOTED: "training.notice.promoted",
    training.KIND_CANCELLED: "training.notice.cancelled",
    training.KIND_CHANGED: "training.notice.changed",
}


def _still_true(kind: str, person: dict[str, Any]) -> bool:
    """A notice overtaken by events is not sent: a seat given to someone who cancelled
    since, a change to a session called off or a sign-up cancelled."""
    status = str(person["status"])
    if kind == training.KIND_CANCELLED:
        return status in training.ACTIVE
    if person["session_cancelled_at"] is not None:
        return False
    if kind == training.KIND_PROMOTED:
        return status == training.REGISTERED
    return status in training.ACTIVE


def training_text(content: Content, person: dict[str, Any], kind: str, **extra: Any) -> str:
    """A training notice about this sign-up (as db.training.with_session gives it), in the
    language they signed up in."""
    local = person["starts_at"].astimezone(VIETNAM)
    return content.render(
        person["lang"],
        TRAINING_NOTICES[kind],
        title=person["title"],
        time=local.strftime("%H:%M"),
        day=vn_date(local.date()),
        place=person["place"],
        map_url=person["map_url"],
        code=person["code"],
        **extra,
    )


async def training_notice(
    store: Store, content: Content, channel: str, row: dict[str, Any]
) -> Notice | None:
    """The message of a training notice row; None when the person erased their data or the
    notice no longer holds."""
    payload = json.loads(row["payload"])
    person = await store.run(training_signup, store, payload["signup_id"])
    if person is None or not _still_true(row["kind"], person):
        return None
    _, last = await store.run(resident_chat, store, channel, row["recipient"])
    text = training_text(content, person, row["kind"], reason=payload.get("reason"))
    return Notice(Message(text), last)


async def training_reminder(
    store: Store,
    content: Content,
    channel: str,
    row: dict[str, Any],
    now: datetime | None = None,
) -> Notice | None:
    """A training reminder ("day" or "soon"); None when it no longer holds as it goes — the
    person erased their data or gave up their seat, the session was called off or has
    started (a late reminder is worse than none)."""
    payload = json.loads(row["payload"])
    person = await store.run(training_signup, store, payload["signup_id"])
    if person is None or person["status"] != training.REGISTERED:
        return None
    if person["session_cancelled_at"] is not None or person["starts_at"] <= (now or utcnow()):
        return None
    _, last = await store.run(resident_chat, store, channel, row["recipient"])
    session = session_of(person)
    message = reminder(content, person["lang"], session, person["code"], payload["which"])
    return Notice(message, last)


async def resident_notice(
    store: Store, content: Content, channel: str, row: dict[str, Any]
) -> Notice | None:
    """The message a row of :data:`RESIDENT_KINDS` stands for; None when the lead is gone
    (or, for the follow-up question, was marked registered meanwhile), or the training
    notice no longer holds."""
    if row["kind"] in TRAINING_NOTICES:
        return await training_notice(store, content, channel, row)
    if row["kind"] == REMINDER_KIND:
        return await training_reminder(store, content, channel, row)
    payload = json.loads(row["payload"])
    card = await store.run(lead_card, store, payload["lead_id"])
    if card is None:
        return None
    lang, last = await store.run(resident_chat, store, channel, row["recipient"])
    if row["kind"] == registrations.FOLLOW_UP_KIND:
        if card["status"] not in registrations.FOLLOW_UP_STATUSES:
            return None
        return Notice(follow_up(content, lang), last)
    return Notice(Message(notice_text(content, lang, card, payload["status"])), last)
