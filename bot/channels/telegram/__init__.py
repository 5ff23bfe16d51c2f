"""Telegram: the resident's conversation and the team's lead workflow, through
python-telegram-bot. A thin adapter around the same engine as every other channel.

The channel is :class:`bot.channels.telegram.channel.TelegramChannel`; its settings block
:class:`bot.channels.telegram.settings.TelegramSettings` (``TELEGRAM_*``).

May import: nothing (the package's modules import each other).
"""

CHANNEL = "telegram"  # the channel's key in the database, on every row it writes
