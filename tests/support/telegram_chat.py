"""Chatting with hiendien on Telegram through the Bot API stand-in: a person types or taps,
and the test gets the bot's reply; the team's group chat.

May import: tests.support.telegram_standin.
"""

from __future__ import annotations

import asyncio

from tests.support.telegram_standin import BotApiStandIn

GROUP = -1001234  # the team's group chat (TELEGRAM_LEADS_CHAT_ID)


async def say(api: BotApiStandIn, user: int, text: str) -> str:
    """``user`` types ``text``; the whole reply (it may be two messages)."""
    before = len(api.sent(user))
    api.push(api.message(user, text))
    sent = await api.wait_sent(before + 1, chat_id=user)
    await asyncio.sleep(0.05)  # a reply may be two messages
    return "\n".join(m["text"] for m in api.sent(user)[before:]) or sent[-1]["text"]


async def tap(api: BotApiStandIn, user: int, title: str) -> str:
    """``user`` taps the button ``title`` of the last message it got; the reply."""
    before = len(api.sent(user))
    message, data = api.button(user, title)
    api.push(api.callback(user, data, message))
    await api.wait_sent(before + 1, chat_id=user)
    await asyncio.sleep(0.05)
    return "\n".join(m["text"] for m in api.sent(user)[before:])
