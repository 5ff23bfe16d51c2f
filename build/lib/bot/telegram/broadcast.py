"""Campaign messages on Telegram: one message, thousands of private chats, straight to the
Bot API's sendMessage.

Replies, team cards and everything else go through python-telegram-bot. A broadcast does
not, for a measured reason (bench/broadcast.py, py-spy, 2 cores): through PTB a message cost
~1.1 ms of CPU — building the request, de-JSON-ing the answer into a ``Message`` nobody reads
— which capped a run near 0.7 of the limit. Here the form body is encoded once per campaign
message (only ``chat_id`` changes; the keyboard is still PTB's ``InlineKeyboardMarkup``), and
the answer is read for what decides the delivery's status:

* ``ok`` → "sent"; 403 → "blocked" (the chat is recorded as blocked, its subscription ends);
  400 → "failed:<Telegram's description>";
* 429 → wait ``retry_after`` and send again; 5xx or no connection → back off and send again
  (Telegram did not deliver it);
* no answer (timeout, connection lost after the request left) → "unknown": maybe delivered,
  so never sent again — a resident must not get a campaign twice.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from urllib.parse import quote_plus, urlencode

import aiohttp

from bot.telegram import render
from handlers.types import Message

log = logging.getLogger(__name__)

ATTEMPTS = 4
TIMEOUT = aiohttp.ClientTimeout(total=None, connect=5, sock_connect=5, sock_read=10)
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


class Broadcaster:
    def __init__(
        self, base_url: str, token: str, on_blocked: Callable[[str], Awaitable[None]]
    ) -> None:
        self.url = f"{base_url}{token}/sendMessage"
        self.on_blocked = on_blocked
        self.timeout = TIMEOUT
        self._session: aiohttp.ClientSession | None = None
        self._bodies: dict[Message, bytes] = {}  # the campaign messages being sent

    async def start(self) -> None:
        self._session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=8))

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _rest(self, message: Message) -> bytes:
        """``&text=…&reply_markup=…``, encoded once per message."""
        body = self._bodies.get(message)
        if body is None:
            fields = {"text": message.text}
            markup = render.keyboard(message)
            if markup is not None:
                fields["reply_markup"] = markup.to_json()
            if len(self._bodies) > 16:  # campaigns come and go
                self._bodies.clear()
            body = self._bodies[message] = ("&" + urlencode(fields, quote_via=quote_plus)).encode()
        return body

    async def send(self, chat: str, message: Message) -> str:
        """A delivery status: "sent", "blocked", "unknown" or "failed:<why>"."""
        if self._session is None:
            raise RuntimeError("the broadcaster is not started")
        body = b"chat_id=" + quote_plus(chat).encode() + self._rest(message)
        for attempt in range(ATTEMPTS):
            try:
                async with self._session.post(
                    self.url, data=body, headers=FORM, timeout=self.timeout
                ) as res:
                    status, raw = res.status, await res.read()
            except (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError):
                await asyncio.sleep(2**attempt)  # never left this machine
                continue
            except (TimeoutError, aiohttp.ClientError) as exc:
                log.warning("broadcast to %s: no answer (%r); maybe delivered", chat, exc)
                return "unknown"
            try:
                answer = json.loads(raw)
            except ValueError:
                answer = {}
            if status == 200 and answer.get("ok"):
                return "sent"
            description = str(answer.get("description") or f"HTTP {status}")
            if status == 429:
                retry_after = (answer.get("parameters") or {}).get("retry_after", 1)
                await asyncio.sleep(float(retry_after) + 0.1)
            elif status == 403:
                await self.on_blocked(chat)
                return "blocked"
            elif status >= 500:
                await asyncio.sleep(2**attempt)
            else:
                return f"failed:{description}"
        return "failed:network"
