"""``hiendien chat``: the conversation in this terminal (the terminal channel).

May import: bot.cli.common, bot.channels (base, registry, terminal), bot.clock, bot.turns.
"""

from __future__ import annotations

from bot.channels.base import Context, Registry, Subcommands
from bot.channels.registry import writing_first
from bot.channels.terminal.console import TerminalChannel
from bot.cli.common import Command, content, day, store
from bot.clock import today_in_vietnam
from bot.turns import Conversations


def add(commands: Subcommands, channels: Registry) -> None:
    chat = commands.add_parser("chat", help="trò chuyện với trợ lý ngay trong cửa sổ dòng lệnh này")
    chat.add_argument(
        "--on",
        type=day,
        help="trò chuyện như vào ngày đó, 25/11/2026 hoặc 2026-11-25 (để thử; mặc định: hôm nay)",
    )
    chat.set_defaults(handler=chat_here)


def chat_here(cmd: Command) -> int:
    texts = content(cmd.settings)
    writes_first = writing_first(cmd.channels)
    with store(cmd.settings) as db:
        on = cmd.args.on
        turns = Conversations(db, texts, (lambda: on) if on else today_in_vietnam, writes_first)
        terminal = TerminalChannel(Context(cmd.settings, db, texts, turns, writes_first))
        try:
            terminal.chat()
        except KeyboardInterrupt:
            print()
    return 0
