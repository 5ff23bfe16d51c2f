"""How hiendien's messages look on Telegram: the resident's replies (inline keyboards, link
buttons, the "share my phone number" keyboard, texts split under 4,096 characters) and the
team's lead cards (masked in the group, full in the claimer's private chat).

May import: bot.channels.capabilities, db.followup (the statuses), handlers.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from bot.channels.capabilities import Capabilities, fit
from db.followup import STATUSES
from handlers.content import Content
from handlers.phones import mask_phone, national
from handlers.privacy import local_time, mask_name
from handlers.types import Button, Message, Reply

# What Telegram can do: everything, 4,096 characters a message; the bot may write first
# (a person who started it can be written to until they block it), 30 messages a second.
TELEGRAM = Capabilities(
    buttons=True, url_buttons=True, max_length=4096, writes_first=True, broadcasts_per_second=30
)
TEAM_LANG = "vi"
Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None


def merged(reply: Reply, first_alone: bool = False) -> list[Message]:
    """Fewer, fuller messages (Telegram allows about one message a second per chat, so three
    bubbles would take three seconds): a message without choice buttons joins the one after
    it, its link buttons going first on that message's keyboard. ``first_alone`` keeps the
    first message to itself (it has to carry a keyboard removal)."""
    out: list[Message] = []
    carry: str = ""
    links: tuple[Button, ...] = ()
    for i, m in enumerate(fit(reply, TELEGRAM)):
        if first_alone and i == 0:
            out.append(m)
            continue
        text = f"{carry}\n\n{m.text}" if carry else m.text
        if len(text) > TELEGRAM.max_length:  # too long together: the carried part goes alone
            out.append(Message(carry, links))
            text, links = m.text, ()
        buttons = links + tuple(m.buttons)
        if not any(b.payload for b in m.buttons) and not m.share_contact:
            carry, links = text, buttons
            continue
        out.append(Message(text, buttons, m.share_contact))
        carry, links = "", ()
    if carry:
        out.append(Message(carry, links))
    return out


def keyboard(message: Message) -> InlineKeyboardMarkup | None:
    rows: list[list[InlineKeyboardButton]] = []
    pair: list[InlineKeyboardButton] = []
    for b in message.buttons:
        if b.url is not None:
            rows.append([InlineKeyboardButton(b.title, url=b.url)])
            continue
        button = InlineKeyboardButton(b.title, callback_data=b.payload)
        if len(b.title) > 18:
            rows.append([button])
        else:
            pair.append(button)
            if len(pair) == 2:
                rows.append(pair)
                pair = []
    if pair:
        rows.append(pair)
    return InlineKeyboardMarkup(rows) if rows else None


def share_contact(title: str) -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        [[KeyboardButton(title, request_contact=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


# --- the team's lead cards ------------------------------------------------------------


def _labels(content: Content, card: dict[str, Any]) -> dict[str, str]:
    t = content.render
    return {
        "applicant": t(TEAM_LANG, "team.applicant." + (card["applicant"] or "unknown")),
        "reason": t(TEAM_LANG, "team.reason." + (card["reason"] or "none")),
        "status": t(TEAM_LANG, "lead_status.label." + card["status"]),
    }


def announcement(
    content: Content, card: dict[str, Any], reminder: bool = False
) -> tuple[str, InlineKeyboardMarkup]:
    """The masked card for the team group, with the buttons for its current status."""
    change = card.get("last_change") or {}
    at: datetime | None = change.get("at")
    text = content.render(
        TEAM_LANG,
        "team.announce",
        lead=card,
        name=mask_name(card["name"]),
        phone=mask_phone(card["phone"]),
        created=local_time(card["created_at"]),
        holder=card["assignee"],
        changed=local_time(at) if at and card["status"] != "claimed" else "",
        reminder=reminder,
        hours=content.ward.lead_reminder_hours,
        **_labels(content, card),
    )
    t = content.render
    lead_id = card["id"]
    if card["status"] == "new":
        rows = [
            [
                InlineKeyboardButton(
                    t(TEAM_LANG, "team.buttons.claim"), callback_data=f"lc:{lead_id}"
                )
            ]
        ]
    else:
        buttons = [
            InlineKeyboardButton(
                t(TEAM_LANG, f"lead_status.button.{s}"), callback_data=f"ls:{lead_id}:{s}"
            )
            for s in STATUSES
        ]
        rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    return text, InlineKeyboardMarkup(rows)


def details(content: Content, card: dict[str, Any]) -> str:
    """The full contact details, for the member who took the lead (private chat only)."""
    return content.render(
        TEAM_LANG,
        "team.details",
        lead=card,
        phone=national(card["phone"]),
        **_labels(content, card),
    )


def escalation(content: Content, card: dict[str, Any], hours: int) -> str:
    return content.render(TEAM_LANG, "team.escalated", lead=card, hours=hours)
