"""The registry: every channel hiendien has, one line each. The app (what ``hiendien run``
serves), ``/healthz``, the outbox dispatcher, campaigns, ``broadcast test --to`` and the
command line all iterate this list; adding a channel is its package, its settings block
and one line here.

May import: the channel packages under bot.channels.
"""

from __future__ import annotations

from bot.channels.base import Channel, Registry
from bot.channels.telegram.channel import TelegramChannel
from bot.channels.terminal.console import TerminalChannel
from bot.channels.web.chat import WebChannel
from bot.channels.zalo.channel import ZaloChannel

CHANNELS: Registry = (
    WebChannel,
    TerminalChannel,
    TelegramChannel,
    ZaloChannel,
)


def writing_first(channels: Registry = CHANNELS) -> frozenset[str]:
    """The channels that may message a person who is not writing now (their capabilities)."""
    return frozenset(c.name for c in channels if c.capabilities.writes_first)


def find(name: str, channels: Registry = CHANNELS) -> type[Channel] | None:
    return next((c for c in channels if c.name == name), None)
