"""Delivering outbox notices to residents on Zalo, inside the rules of the free window:
a consultation message is free only within 48 hours of the resident's last message, so a
notice due later is recorded as undeliverable (never silently dropped, never paid for).

May import: bot.channels (capabilities, notices, this package), bot.outbox, db, handlers.
"""

from __future__ import annotations

import logging
from typing import Any

from bot.channels import notices
from bot.channels.capabilities import Capabilities
from bot.channels.zalo import CHANNEL
from bot.channels.zalo.api import TokenError, ZaloApi, ZaloError
from bot.outbox import SENT, Delivery
from db.models import utcnow
from db.store import Store
from handlers.content import Content

log = logging.getLogger(__name__)


class ZaloSender:
    channels: tuple[str, ...] = (CHANNEL,)

    def __init__(self, api: ZaloApi, store: Store, content: Content, caps: Capabilities) -> None:
        self.api = api
        self.store = store
        self.content = content
        self.caps = caps

    async def deliver(self, row: dict[str, Any]) -> Delivery:
        if row["kind"] != "resident_notice":
            return Delivery("dead", error=f"no Zalo rendering for {row['kind']}")
        notice = await notices.resident_notice(self.store, self.content, CHANNEL, row)
        if notice is None:  # the resident deleted their data meanwhile
            return SENT
        if not self.caps.may_write(notice.last_message, utcnow()):
            return Delivery("dead", error="outside the free 48-hour window: not sent")
        try:
            await self.api.send(row["recipient"], {"text": notice.text})
        except TokenError as exc:
            return Delivery("retry", error=str(exc)[:500])
        except ZaloError as exc:
            if exc.kind == "retry":
                return Delivery("retry", error=str(exc)[:500])
            return Delivery("dead", error=f"{exc.kind}: {exc}"[:500])
        return SENT
