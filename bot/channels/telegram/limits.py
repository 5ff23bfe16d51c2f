"""Telegram's flood limits, kept on our side: at most 30 messages a second in all (a
setting), 20 a minute per group, and 1 a second per private chat (python-telegram-bot's
AIORateLimiter covers groups; the overall pace and the per-chat limit are ours). A 429 is not
retried here: the caller (a reply, the outbox dispatcher, a broadcast) decides what to do
with ``retry_after``. Also the order of updates: in order within a chat, concurrent across
chats.

The overall limit is one pacer, :attr:`FloodLimits.overall`, shared by replies and
broadcasts: a broadcast (bot.channels.telegram.broadcast, outside PTB) acquires it in bot.campaigns
before marking a delivery in flight.

May import: bot.pacing, python-telegram-bot.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from aiolimiter import AsyncLimiter
from telegram import Update
from telegram.ext import AIORateLimiter, BaseUpdateProcessor

from bot.pacing import pacer

SEND_METHODS = frozenset({"sendMessage", "sendPhoto", "sendDocument", "copyMessage"})


class FloodLimits(AIORateLimiter):
    def __init__(self, overall_per_second: float, private_per_second: float) -> None:
        super().__init__(
            overall_max_rate=0,  # the overall pace is ours (shared with broadcasts)
            group_max_rate=20,
            group_time_period=60,
            max_retries=0,  # a 429 is the caller's to handle (see the module's docstring)
        )
        self.overall = pacer(overall_per_second)
        self._private_rate = private_per_second
        self._private: dict[int, AsyncLimiter] = {}

    @property
    def private_chats(self) -> int:
        """How many private chats' limiters are kept (idle ones are forgotten past 4,096)."""
        return len(self._private)

    def _private_limiter(self, chat_id: int) -> AsyncLimiter:
        if len(self._private) > 4096:  # forget idle chats
            for key, limiter in list(self._private.items()):
                if limiter.has_capacity(1):
                    del self._private[key]
        found = self._private.get(chat_id)
        if found is None:
            found = self._private[chat_id] = AsyncLimiter(self._private_rate, 1)
        return found

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Any]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Any:
        # The flood limits are about sending messages: answers and edits go straight out.
        if endpoint not in SEND_METHODS:
            return await callback(*args, **kwargs)
        chat_id: Any = data.get("chat_id")
        with contextlib.suppress(TypeError, ValueError):
            chat_id = int(chat_id)
        async with contextlib.AsyncExitStack() as limits:
            if isinstance(chat_id, int) and chat_id > 0:
                await limits.enter_async_context(self._private_limiter(chat_id))
            await limits.enter_async_context(self.overall)
            return await super().process_request(
                callback, args, kwargs, endpoint, data, rate_limit_args
            )


class PerChatUpdates(BaseUpdateProcessor):
    """Updates of one chat are handled in order, different chats at the same time: one
    resident's 1-message-a-second wait must not hold up everybody else."""

    def __init__(self, max_concurrent_updates: int = 256) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}

    @property
    def chats(self) -> int:
        """How many chats have updates being handled or waiting (nothing is kept of the
        others)."""
        return len(self._locks)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is None:
            await coroutine
            return
        lock = self._locks.setdefault(chat.id, asyncio.Lock())
        self._waiting[chat.id] = self._waiting.get(chat.id, 0) + 1
        try:
            async with lock:
                await coroutine
        finally:
            self._waiting[chat.id] -= 1
            if not self._waiting[chat.id]:
                del self._waiting[chat.id], self._locks[chat.id]

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass
