"""Telegram's settings block: the ``TELEGRAM_*`` environment variables (listed with comments
in .env.example).

May import: bot.settings.
"""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from bot.settings import Block


class TelegramSettings(Block):
    model_config = SettingsConfigDict(env_prefix="TELEGRAM_")

    bot_token: str | None = None
    # The bot's @username for links and QR codes (t.me/USERNAME?start=CODE); unset: asked
    # from the Bot API once.
    bot_username: str | None = None
    base_url: str = "https://api.telegram.org/bot"
    webhook_secret: str | None = None
    leads_chat_id: str | None = None
    # Telegram messages a second in all (its bulk limit is about 30).
    max_per_second: float = 30
