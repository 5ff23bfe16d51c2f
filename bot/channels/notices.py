"""What the team's outbox rows carry, read the same way by every channel's sender: the lead's
card, and the notice a resident gets when the team moves their request along (taken, could
not reach them, registered) — written to the outbox with the change, in the resident's
language, sent on the channel they used — or the follow-up question whether they registered
(db.registrations.queue_follow_ups), with its two buttons.

May import: db, handlers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from db import conversations, followup, registrations
from db.store import Store
from handlers.content import Content
from handlers.types import Button, Message

RESIDENT_KINDS = ("resident_notice", registrations.FOLLOW_UP_KIND)  # rows to a resident


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
    (or, for the follow-up question, was marked registered meanwhile)."""
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
