"""The terminal channel: ``hiendien chat`` has the same conversation in the terminal, buttons
as numbered choices. It is not served by ``hiendien run``.

May import: bot.channels (base, capabilities), handlers.
"""

from __future__ import annotations

import getpass
import sys
from typing import TextIO

from bot.channels.base import Channel, Context
from bot.channels.capabilities import Capabilities
from bot.settings import Settings
from handlers.types import Inbound, Reply

CHANNEL = "terminal"


class TerminalChannel(Channel):
    name = CHANNEL
    title = "Terminal"
    capabilities = Capabilities(buttons=False, url_buttons=False, max_length=100_000)

    @classmethod
    def configured(cls, settings: Settings) -> bool:
        return False  # a person talks in it through ``hiendien chat``, not a server

    def __init__(self, ctx: Context, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout):
        super().__init__(ctx)
        self.stdin = stdin
        self.stdout = stdout

    async def send(self, user_ref: str, reply: Reply) -> None:
        self.show(reply)

    def show(self, reply: Reply) -> None:
        for message in self.render(reply):
            self.stdout.write("\n" + message.text + "\n")
        self.stdout.flush()

    def chat(self, user: str | None = None) -> None:
        """The conversation with the person at this terminal, until the end of the input."""
        user = user or getpass.getuser()
        turns = self.ctx.turns

        def say(text: str | None) -> None:
            reply = turns.handle_sync(Inbound(CHANNEL, user, text=text))
            if reply is not None:
                self.show(reply)

        say("/start")
        while True:
            self.stdout.write("> ")
            self.stdout.flush()
            line = self.stdin.readline()
            if not line:
                self.stdout.write("\n")
                return
            if line.strip():
                say(line.rstrip("\n"))
