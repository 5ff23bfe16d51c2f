"""``hiendien chat``: the same conversation in the terminal, buttons as numbered choices."""

from __future__ import annotations

import getpass
import sys
from typing import TextIO

from bot.channels import TERMINAL, fit
from bot.turns import Conversations
from handlers.types import Inbound

CHANNEL = "terminal"


def chat(
    conversations: Conversations,
    stdin: TextIO = sys.stdin,
    stdout: TextIO = sys.stdout,
    user: str | None = None,
) -> None:
    user = user or getpass.getuser()

    def show(text: str | None) -> None:
        reply = conversations.handle_sync(Inbound(CHANNEL, user, text=text))
        if reply is None:
            return
        for message in fit(reply, TERMINAL):
            stdout.write("\n" + message.text + "\n")
        stdout.flush()

    show("/start")
    while True:
        stdout.write("> ")
        stdout.flush()
        line = stdin.readline()
        if not line:
            stdout.write("\n")
            return
        if line.strip():
            show(line.rstrip("\n"))
