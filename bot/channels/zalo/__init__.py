"""Zalo Official Account: the channel most residents use. A thin adapter around the same
engine: signed webhooks in, OA API messages out, rotating OAuth tokens kept in the database.

The channel is :class:`bot.channels.zalo.channel.ZaloChannel`; its settings block
:class:`bot.channels.zalo.settings.ZaloSettings` (``ZALO_*``); its commands
``hiendien zalo check|set-token`` (:mod:`bot.channels.zalo.commands`).

May import: nothing (the package's modules import each other).
"""

CHANNEL = "zalo"  # the channel's key in the database, on every row it writes
