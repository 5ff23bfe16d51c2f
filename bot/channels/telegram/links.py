"""Links into the Telegram bot for people: the deep link a team member opens to redeem an
invite code (printed by ``hiendien staff invite``), with the bot's @username asked from the
Bot API.

May import: bot.channels.telegram.settings.
"""

from __future__ import annotations

import asyncio

from telegram import Bot
from telegram.error import TelegramError

from bot.channels.telegram.settings import TelegramSettings


def bot_username(settings: TelegramSettings) -> str:
    """The bot's @username for deep links, asked from the Bot API; "<bot>" if unreachable."""
    token = settings.bot_token
    if not token:
        return "<bot>"

    async def ask() -> str:
        async with Bot(token, base_url=settings.base_url) as bot:
            return str(bot.username)

    try:
        return asyncio.run(ask())
    except (TelegramError, OSError):
        return "<bot>"


def staff_link(settings: TelegramSettings, code: str) -> str:
    bot = bot_username(settings)
    return f"Telegram: gửi /staff {code} cho bot, hoặc mở https://t.me/{bot}?start=staff-{code}"
