"""Links into the Telegram bot for people: the deep link a team member opens to redeem an
invite code (printed by ``hiendien staff invite``) and the deep link of a campaign source
(``https://t.me/BOT?start=CODE``: Telegram sends the bot ``/start CODE``).

The bot's @username is ``TELEGRAM_BOT_USERNAME`` when set (no network); otherwise the one
the running channel learned at start (:func:`remember`), or else it is asked from the Bot
API once per token, on a thread of its own so that an event loop in the caller's thread
does not matter, and kept for the life of the process.

May import: bot.channels.telegram.settings.
"""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as Timeout
from urllib.parse import quote

from telegram import Bot
from telegram.error import TelegramError

from bot.channels.telegram.settings import TelegramSettings

ASK_SECONDS = 10.0
_known: dict[tuple[str, str], str] = {}  # (Bot API server, token) -> the bot's username
_lock = threading.Lock()


def remember(settings: TelegramSettings, username: str | None) -> None:
    """The running channel learned its bot's username (at start): no need to ask again."""
    if username and settings.bot_token:
        with _lock:
            _known[settings.base_url, settings.bot_token] = username


def _configured(settings: TelegramSettings) -> str | None:
    name = (settings.bot_username or "").strip().lstrip("@")
    return name or None


def _ask(settings: TelegramSettings, token: str) -> str | None:
    async def ask() -> str:
        async with Bot(token, base_url=settings.base_url) as bot:
            return str(bot.username)

    def run() -> str | None:
        try:
            return asyncio.run(ask())
        except (TelegramError, OSError):
            return None

    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="telegram-username")
    try:
        return pool.submit(run).result(timeout=ASK_SECONDS)
    except Timeout:
        return None
    finally:
        pool.shutdown(wait=False)  # a slow answer is left to finish on its own


def username(settings: TelegramSettings) -> str | None:
    """The bot's @username (without the @), or None: no token, or the Bot API unreachable."""
    name = _configured(settings)
    if name:
        return name
    token = settings.bot_token
    if not token:
        return None
    with _lock:
        name = _known.get((settings.base_url, token))
    if name is None:
        name = _ask(settings, token)
        remember(settings, name)
    return name


def bot_username(settings: TelegramSettings) -> str:
    """The bot's @username for deep links; "<bot>" if unknown."""
    return username(settings) or "<bot>"


def staff_link(settings: TelegramSettings, code: str) -> str:
    bot = bot_username(settings)
    return f"Telegram: gửi /staff {code} cho bot, hoặc mở https://t.me/{bot}?start=staff-{code}"


def source_link(settings: TelegramSettings, code: str) -> str | None:
    """``https://t.me/BOT?start=CODE``; None while the bot's username is unknown."""
    name = username(settings)
    return f"https://t.me/{quote(name)}?start={quote(code)}" if name else None
