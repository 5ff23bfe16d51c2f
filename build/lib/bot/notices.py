"""What a resident is told when the team moves their request along (taken, could not reach
them, registered): written to the outbox with the change, in the resident's language,
sent on the channel they used."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from db.store import Store
from handlers.content import Content


def resident_chat(store: Store, channel: str, user_ref: str) -> tuple[str, datetime | None]:
    """The resident's language and when they last wrote (their conversation's last turn)."""
    with store.transaction() as tx:
        loaded = tx.load_conversation(channel, user_ref)
        updated = tx.last_turn_at(channel, user_ref)
    return loaded.state.lang, updated


def resident_lang(store: Store, channel: str, user_ref: str) -> str:
    """The language the resident chats in (Vietnamese for a chat we do not know)."""
    return resident_chat(store, channel, user_ref)[0]


def notice_text(content: Content, lang: str, card: dict[str, Any], status: str) -> str:
    return content.render(lang, f"lead_notice.{status}", holder=card["assignee"] or "")
