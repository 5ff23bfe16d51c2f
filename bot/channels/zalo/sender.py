"""Delivering outbox rows on Zalo inside the rules of the free window: a consultation
message is free only within 48 hours of the person's last message, so a row due later is
recorded as undeliverable (never silently dropped, never paid for). Residents get the
notices about their request; team members who linked a Zalo account get the new leads of
their team ("lead_offer") and the details of a lead they took ("lead_details") — the
office's board is the complete view when the window is shut — and staff notices (the
plan's reminders to team leaders, "staff_notice"; the office shows them too).

May import: bot.channels (capabilities, notices, this package), bot.outbox, db, handlers.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from bot.channels import notices
from bot.channels.capabilities import Capabilities
from bot.channels.zalo import CHANNEL
from bot.channels.zalo.api import TokenError, ZaloApi, ZaloError
from bot.channels.zalo.render import messages
from bot.channels.zalo.team import details_text, offer_text
from bot.outbox import SENT, Delivery
from db import conversations, team
from db.models import utcnow
from db.store import Store
from handlers.content import Content
from handlers.types import Reply

log = logging.getLogger(__name__)
OUTSIDE = "outside the free 48-hour window: not sent"
MEMBER_KINDS = ("lead_offer", "lead_details")
STAFF_NOTICE = "staff_notice"  # a notice to a staff member (the plan's reminders), its text in it


def member_of(store: Store, account: str) -> dict[str, Any] | None:
    with store.transaction() as tx:
        return team.member_for(tx, CHANNEL, account)


def remember(store: Store, message_id: str, recipient: str) -> None:
    """Our own message: its echo is not ward staff writing in the OA manager."""
    with store.transaction() as tx:
        conversations.record_sent(tx, CHANNEL, [message_id], recipient)


class ZaloSender:
    channels: tuple[str, ...] = (CHANNEL,)

    def __init__(
        self,
        api: ZaloApi,
        store: Store,
        content: Content,
        caps: Capabilities,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.api = api
        self.store = store
        self.content = content
        self.caps = caps
        self.clock = clock

    async def deliver(self, row: dict[str, Any]) -> Delivery:
        kind = row["kind"]
        if kind in notices.RESIDENT_KINDS:
            notice = await notices.resident_notice(self.store, self.content, CHANNEL, row)
            if notice is None:  # the resident deleted their data meanwhile
                return SENT
            if not self.caps.may_write(notice.last_message, self.clock()):
                return Delivery("dead", error=OUTSIDE)
            [(rich, plain)] = messages(Reply((notice.message,)))
            return await self._send(row["recipient"], rich, plain)
        if kind in MEMBER_KINDS:
            return await self._to_member(row)
        if kind == STAFF_NOTICE:
            return await self._notice(row)
        return Delivery("dead", error=f"no Zalo rendering for {kind}")

    async def _to_member(self, row: dict[str, Any]) -> Delivery:
        member = await self.store.run(member_of, self.store, row["recipient"])
        if member is None:
            return Delivery("dead", error="not an active team member any more: not sent")
        card = await notices.card_of(self.store, row)
        if card is None:  # the resident deleted their data meanwhile
            return SENT
        if row["kind"] == "lead_offer":
            if card["status"] != "new":
                return Delivery("dead", error="the lead was taken before the offer went: not sent")
            text = offer_text(self.content, card)
        else:
            text = details_text(self.content, card)
        if not self.caps.may_write(member["last_message_at"], self.clock()):
            return Delivery("dead", error=f"{OUTSIDE} (the lead is on the office's board)")
        return await self._send(row["recipient"], {"text": text})

    async def _notice(self, row: dict[str, Any]) -> Delivery:
        member = await self.store.run(member_of, self.store, row["recipient"])
        if member is None:
            return Delivery("dead", error="not an active team member any more: not sent")
        if not self.caps.may_write(member["last_message_at"], self.clock()):
            return Delivery("dead", error=f"{OUTSIDE} (the office shows the same notice)")
        return await self._send(row["recipient"], {"text": json.loads(row["payload"])["text"]})

    async def _send(
        self, recipient: str, body: dict[str, Any], plain: dict[str, Any] | None = None
    ) -> Delivery:
        """Send ``body``; if Zalo refuses its buttons, ``plain`` (the numbered text)."""
        try:
            message_id = await self.api.send(recipient, body)
        except TokenError as exc:
            return Delivery("retry", error=str(exc)[:500])
        except ZaloError as exc:
            if exc.kind == "buttons" and plain is not None and plain != body:
                return await self._send(recipient, plain)
            if exc.kind == "retry":
                return Delivery("retry", error=str(exc)[:500])
            return Delivery("dead", error=f"{exc.kind}: {exc}"[:500])
        if message_id:
            await self.store.run(remember, self.store, message_id, recipient)
        return SENT
