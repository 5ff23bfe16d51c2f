"""What each channel can show, and the one place a reply is degraded to fit it.

A channel that cannot draw buttons gets them as numbered choices (the same numbering a
typed "2" is understood by, see :func:`handlers.turn.offered`); a channel without link
buttons gets the address in the text; long texts are split under the channel's limit.
"""

from __future__ import annotations

from dataclasses import dataclass

from handlers.types import Button, Message, Reply


@dataclass(frozen=True)
class Capabilities:
    buttons: bool = True
    url_buttons: bool = True
    max_length: int = 4096


WEB = Capabilities()
TERMINAL = Capabilities(buttons=False, url_buttons=False, max_length=100_000)
WRITES_FIRST = frozenset({"telegram", "zalo"})  # may message a person who is not writing now


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
