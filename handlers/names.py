"""Reading a person's name as they typed it (for a lead, a training sign-up): spaces tidied,
mostly letters, of a sensible length, and nothing a chat app would make a link of
(:func:`linkified`). The spelling is the person's own. Imports only the
standard library.
"""

from __future__ import annotations

import re

MAX_NAME = 80
# What Telegram's and Zalo's apps turn into a link, a command, a mention or a hashtag: a
# name is never one ("Nguyễn V. An" is a name; "evil.vn", "/start", "@an", "a:b" are not)
_LINKISH = re.compile(r"[/@#:\\]|\.(?=\S)")


def person_name(text: str) -> str | None:
    """The name in ``text`` (spaces tidied), or None when it does not look like a name."""
    name = " ".join(text.split())
    letters = sum(c.isalpha() for c in name)
    if not (2 <= len(name) <= MAX_NAME) or letters < 2 or letters < len(name) * 0.6:
        return None
    return name


def linkified(name: str) -> bool:
    """Whether a chat app would show part of ``name`` as a link, a command, a mention or a
    hashtag (a web address, "/start", "@an", "#tag"): such a name is asked again, so names
    are never links on the team's screens."""
    return _LINKISH.search(name) is not None
