"""Delivering outbox notices to residents on Zalo, inside the rules of the free window:
a consultation message is free only within 48 hours of the resident's last message, so a
notice due later is recorded as undeliverable (never silently dropped, never paid for)."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import Any

from bot.notices import notice_text, resident_chat
from bot.outbox import SENT, Delivery
from bot.zalo.api import TokenError, ZaloApi, ZaloError
from db import team
from db.models import utcnow
from db.store import Store
from handlers.content import Content

log = logging.getLogger(__name__)
FREE_WINDOW = timedelta(hours=48)


class ZaloSender:
    channels = ("zalo",)

    def __init__(self, api: ZaloApi, store: Store, content: Content) -> None:
        self.api = api
        self.store = store
        self.content = content

    def _card(self, lead_id: int) -> dict[str, Any] | None:
        with self.store.transaction() as tx:
            return team.lead_card(tx, lead_id)

    async def deliver(self, row: dict[str, Any]) -> Delivery:
        if row["kind"] != "resident_notice":
            return Delivery("dead", error=f"no Zalo rendering for {row['kind']}")
        payload = json.loads(row["payload"])
        card = await self.store.run(self._card, payload["lead_id"])
        if card is None:  # the resident deleted their data meanwhile
            return SENT
        user = row["recipient"]
        lang, last = await self.store.run(resident_chat, self.store, "zalo", user)
        if last is None or utcnow() - last > FREE_WINDOW:
            return Delivery("dead", error="outside the free 48-hour window: not sent")
        text = notice_text(self.content, lang, card, payload["status"])
        try:
            await self.api.send(user, {"text": text})
        except TokenError as exc:
            return Delivery("retry", error=str(exc)[:500])
        except ZaloError as exc:
            if exc.kind == "retry":
                return Delivery("retry", error=str(exc)[:500])
            return Delivery("dead", error=f"{exc.kind}: {exc}"[:500])
        return SENT
