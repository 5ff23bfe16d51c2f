"""What a channel can do, and the one place a reply is degraded to fit it.

A channel that cannot draw buttons gets them as numbered choices (the same numbering a
typed "2" is understood by, see :func:`handlers.turn.offered`); a channel without link
buttons gets the address in the text; long texts are split under the channel's limit.
Whether a channel may write to a person first (notices, news, reminders) — and only within
how long of their last message — is declared here too, once per channel, and read from the
registry by everything that needs it (bot.channels.registry).

May import: handlers (the engine's types) only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from handlers.types import Button, Message, Reply


@dataclass(frozen=True)
class Capabilities:
    buttons: bool = True
    url_buttons: bool = True
    max_length: int = 4096
    # May message a person who is not writing now: lead notices, programme news, reminders.
    writes_first: bool = False
    # ... but only within this long of the person's last message (Zalo: 48 hours).
    window: timedelta | None = None
    # Campaign messages a second, when the channel keeps no pacer of its own.
    broadcasts_per_second: float = 10.0

    def may_write(self, last_message: datetime | None, now: datetime) -> bool:
        """Whether a message to a person who last wrote at ``last_message`` may go now."""
        if not self.writes_first:
            return False
        if self.window is None:
            return True
        return last_message is not None and now - last_message <= self.window


def split_text(text: str, limit: int) -> list[str]:
    """Pieces of at most ``limit`` characters, cut at line breaks, then spaces, if possible."""
    pieces: list[str] = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit)
        if cut <= 0:
            cut = text.rfind(" ", 0, limit)
        if cut <= 0:
            cut = limit
        pieces.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    pieces.append(text)
    return pieces


def fit(reply: Reply, caps: Capabilities) -> list[Message]:
    """The reply's messages as this channel can show them."""
    out: list[Message] = []
    number = 0
    for message in reply.messages:
        text, kept = message.text, []
        lines: list[str] = []
        for b in message.buttons:
            if b.url is not None and not caps.url_buttons:
                lines.append(f"{b.title}: {b.url}")
            elif b.url is None and not caps.buttons:
                number += 1
                lines.append(f"{number}. {b.title}")
            else:
                kept.append(b)
        if lines:
            text = text + "\n" + "\n".join(lines)
        pieces = split_text(text, caps.max_length)
        for piece in pieces[:-1]:
            out.append(Message(piece))
        out.append(Message(pieces[-1], tuple[Button, ...](kept), message.share_contact))
    return out
