"""What the team's outbox rows carry, read the same way by every channel's sender: the lead's
card, and the notice a resident gets when the team moves their request along (taken, could
not reach them, registered) — written to the outbox with the change, in the resident's
language, sent on the channel they used — or the follow-up question whether they registered
(db.registrations.queue_follow_ups), with its two buttons; and a training sign-up's notices
(its reminders, a seat freed, a session changed or called off), checked still true when
they go.

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
from handlers.content import Content
from handlers.training import REMINDER_KIND, reminder, shown
from handlers.types import Button, Message

# A training sign-up's notices: its reminders (bot.training_reminders) and what staff's
# changes cause (db.training: a seat freed for someone waiting, a session changed or called off)
TRAINING_KINDS = (REMINDER_KIND, *training.NOTICE_KINDS)
RESIDENT_KINDS = ("resident_notice", registrations.FOLLOW_UP_KIND, *TRAINING_KINDS)
SEATED_KINDS = (REMINDER_KIND, training.KIND_PROMOTED)  # only for someone holding a seat


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


async def resident_notice(
    store: Store, content: Content, channel: str, row: dict[str, Any]
) -> Notice | None:
    """The message a row of :data:`RESIDENT_KINDS` stands for; None when the lead is gone
    (or, for the follow-up question, was marked registered meanwhile), or the training
    notice is not true any more (:func:`training_notice`)."""
    payload = json.loads(row["payload"])
    if row["kind"] in TRAINING_KINDS:
        return await training_notice(store, content, channel, row)
    card = await store.run(lead_card, store, payload["lead_id"])
    if card is None:
        return None
    lang, last = await store.run(resident_chat, store, channel, row["recipient"])
    if row["kind"] == registrations.FOLLOW_UP_KIND:
        if card["status"] not in registrations.FOLLOW_UP_STATUSES:
            return None
        return Notice(follow_up(content, lang), last)
    return Notice(Message(notice_text(content, lang, card, payload["status"])), last)


def signup_and_session(
    store: Store, signup_id: int
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    with store.transaction() as tx:
        signup = training.signup(tx, signup_id)
        session = training.get(tx, signup["session_id"]) if signup else None
    return signup, session


def training_text(
    content: Content,
    kind: str,
    signup: dict[str, Any],
    session: dict[str, Any],
    payload: dict[str, Any],
) -> Message:
    """A training notice's message in the sign-up's language."""
    lang, upcoming = signup["lang"], session_of(session)
    if kind == REMINDER_KIND:
        return reminder(content, lang, upcoming, signup["code"], payload.get("which", "day"))
    s = shown(upcoming)
    words = {
        "title": s["title"],
        "time": s["time"],
        "day": s["date"].strftime("%d/%m/%Y"),
        "place": s["place"],
        "map_url": s["map_url"],
        "code": signup["code"],
        "reason": payload.get("reason"),
    }
    key = {
        training.KIND_PROMOTED: "promoted",
        training.KIND_CANCELLED: "cancelled",
        training.KIND_CHANGED: "changed",
    }[kind]
    return Message(content.render(lang, "training.notice." + key, **words))


async def training_notice(
    store: Store,
    content: Content,
    channel: str,
    row: dict[str, Any],
    now: datetime | None = None,
) -> Notice | None:
    """The message of a training row; None when it is not true any more at delivery — the
    person erased their data, gave up their seat, or (but for a session called off) the
    session was called off or has started: a late reminder is worse than none."""
    payload = json.loads(row["payload"])
    signup, session = await store.run(signup_and_session, store, payload["signup_id"])
    if signup is None or session is None:
        return None
    kind = row["kind"]
    if kind != training.KIND_CANCELLED:
        started = session["starts_at"] <= (now or utcnow())
        if started or session["cancelled_at"] is not None:
            return None
        if (
            kind in (REMINDER_KIND, training.KIND_PROMOTED)
            and signup["status"] != training.REGISTERED
        ):
            return None
        if signup["status"] == training.CANCELLED:
            return None
    _, last = await store.run(resident_chat, store, channel, row["recipient"])
    return Notice(training_text(content, kind, signup, session, payload), last)
