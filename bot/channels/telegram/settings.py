"""Telegram's settings block: the ``TELEGRAM_*`` environment variables (listed with comments
in .env.example).

May import: bot.settings and pydantic.
"""

from __future__ import annotations

from pydantic import field_validator
from pydantic_settings import SettingsConfigDict

from bot.settings import Block

DEFAULT_BASE_URL = "https://api.telegram.org/bot"


class TelegramSettings(Block):
    model_config = SettingsConfigDict(env_prefix="TELEGRAM_")

    bot_token: str | None = None
    # The bot's @username for links and QR codes (t.me/USERNAME?start=CODE); unset: asked
    # from the Bot API once.
    bot_username: str | None = None
    # The Bot API server, with or without the trailing "/bot" (see :meth:`_base_url`).
    base_url: str = DEFAULT_BASE_URL
    webhook_secret: str | None = None
    leads_chat_id: str | None = None
    # Telegram messages a second in all (its bulk limit is about 30).
    max_per_second: float = 30

    @field_validator("base_url")
    @classmethod
    def _base_url(cls, value: str) -> str:
        """The one form the Bot API's clients append the token to: ``…/bot`` (a server's
        address given with or without ``/bot``, with or without a trailing slash). Unset:
        Telegram's."""
        url = value.strip().rstrip("/")
        if not url:
            return DEFAULT_BASE_URL
        return url if url.endswith("/bot") else f"{url}/bot"
