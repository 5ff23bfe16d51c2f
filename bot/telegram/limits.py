"""Telegram's flood limits, kept on our side: at most 30 messages a second in all, 20 a
minute per group, and 1 a second per private chat (python-telegram-bot's AIORateLimiter
covers the first two; the per-chat limit is added here). A 429 is not retried here: the
caller (a reply, or the outbox dispatcher) decides what to do with ``retry_after``."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Coroutine
from typing import Any

from aiolimiter import AsyncLimiter
from telegram.ext import AIORateLimiter

SEND_METHODS = frozenset({"sendMessage", "sendPhoto", "sendDocument", "copyMessage"})


class FloodLimits(AIORateLimiter):
    def __init__(
        self, overall_per_second: float = 30, private_per_second: float = 1, max_retries: int = 0
    ) -> None:
        super().__init__(
            overall_max_rate=overall_per_second,
            overall_time_period=1,
            group_max_rate=20,
            group_time_period=60,
            max_retries=max_retries,
        )
        self._private_rate = private_per_second
        self._private: dict[int, AsyncLimiter] = {}

    def _private_limiter(self, chat_id: int) -> AsyncLimiter:
        if len(self._private) > 4096:  # forget idle chats
            for key, limiter in list(self._private.items()):
                if limiter.has_capacity(1):
                    del self._private[key]
        limiter = self._private.get(chat_id)
        if limiter is None:
            limiter = self._private[chat_id] = AsyncLimiter(self._private_rate, 1)
        return limiter

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Any]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Any:
        chat_id: Any = data.get("chat_id")
        with contextlib.suppress(TypeError, ValueError):
            chat_id = int(chat_id)
        if endpoint in SEND_METHODS and isinstance(chat_id, int) and chat_id > 0:
            async with self._private_limiter(chat_id):
                return await super().process_request(
                    callback, args, kwargs, endpoint, data, rate_limit_args
                )
        return await super().process_request(
            callback, args, kwargs, endpoint, data, rate_limit_args
        )
