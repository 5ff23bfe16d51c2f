"""Delivering the team's notifications on Telegram (the outbox's Telegram sender): lead
cards to the team group, full details to the member who took a lead, alerts to admins,
notices (and the question whether they registered) to residents who asked on Telegram, and
staff notices (the plan's reminders to team leaders).

May import: bot.channels (notices, this package), bot.outbox, db, handlers.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.channels import notices
from bot.channels.telegram import CHANNEL, render
from bot.outbox import SENT, Delivery
from db import followup, subscribers
from db.outbox import TEAM_RECIPIENT
from db.store import Store
from handlers.content import Content

log = logging.getLogger(__name__)
ESCALATE_HOURS = 48


def record_blocked(store: Store, chat: str) -> None:
    """The chat blocked the bot: never retried, a member there inactive, no more news."""
    with store.transaction() as tx:
        subscribers.block_chat(tx, CHANNEL, chat)


class TelegramSender:
    def __init__(self, bot: Bot, store: Store, content: Content, leads_chat: str | None) -> None:
        self.bot = bot
        self.store = store
        self.content = content
        self.leads_chat = leads_chat
        # the team group's notices too, if there is a group (else they wait for another channel)
        self.channels: tuple[str, ...] = (CHANNEL, TEAM_RECIPIENT) if leads_chat else (CHANNEL,)

    def _announced(self, lead_id: int, chat: str, message_id: int) -> None:
        with self.store.transaction() as tx:
            followup.mark_announced(tx, lead_id, chat, message_id)

    async def deliver(self, row: dict[str, Any]) -> Delivery:
        recipient = self.leads_chat if row["channel"] == TEAM_RECIPIENT else row["recipient"]
        try:
            return await self._deliver(row, str(recipient))
        except RetryAfter as exc:
            wait = exc._retry_after.total_seconds()  # a timedelta in every PTB 22 release
            return Delivery("retry", retry_after=wait, error=f"429: retry after {wait:g} s")
        except Forbidden as exc:
            await self.store.run(record_blocked, self.store, str(recipient))
            return Delivery("dead", error=f"forbidden: {exc.message}"[:500])
        except BadRequest as exc:
            if "not modified" in exc.message:
                return SENT
            return Delivery("dead", error=f"bad request: {exc.message}"[:500])
        except (TimedOut, NetworkError) as exc:
            return Delivery("retry", error=f"{type(exc).__name__}: {exc.message}"[:500])

    async def _deliver(self, row: dict[str, Any], chat: str) -> Delivery:
        kind = row["kind"]
        if kind == "staff_notice":  # a staff member's notice, its text written when queued
            await self.bot.send_message(chat, json.loads(row["payload"])["text"])
            return SENT
        if kind in notices.RESIDENT_KINDS:
            notice = await notices.resident_notice(self.store, self.content, CHANNEL, row)
            if notice is not None:  # None: the resident deleted their data meanwhile
                markup = render.keyboard(notice.message)
                await self.bot.send_message(chat, notice.text, reply_markup=markup)
            return SENT
        card = await notices.card_of(self.store, row)
        if card is None:  # the resident deleted their data meanwhile
            return SENT
        if kind in ("lead_created", "lead_reminder"):
            text, markup = render.announcement(self.content, card, reminder=kind == "lead_reminder")
            if kind == "lead_created" and card["status"] != "new" and card["announce_message_id"]:
                return SENT
            sent = await self.bot.send_message(chat, text, reply_markup=markup)
            await self.store.run(self._announced, card["id"], chat, sent.message_id)
            return SENT
        if kind in ("lead_changed", "lead_updated"):
            if not card["announce_message_id"]:
                return SENT  # not announced yet: the announcement will show the latest state
            text, markup = render.announcement(self.content, card)
            await self.bot.edit_message_text(
                text,
                chat_id=card["announce_chat"],
                message_id=card["announce_message_id"],
                reply_markup=markup,
            )
            return SENT
        if kind == "lead_details":
            await self.bot.send_message(chat, render.details(self.content, card))
            return SENT
        if kind == "lead_escalated":
            await self.bot.send_message(chat, render.escalation(self.content, card, ESCALATE_HOURS))
            return SENT
        log.warning("outbox kind %s has no Telegram rendering", kind)
        return Delivery("dead", error=f"unknown kind {kind}")
