"""Reading a person's name as they typed it (for a lead, a training sign-up): spaces tidied,
mostly letters, of a sensible length. The spelling is the person's own. Imports only the
standard library.
"""

from __future__ import annotations

MAX_NAME = 80


def person_name(text: str) -> str | None:
    """The name in ``text`` (spaces tidied), or None when it does not look like a name."""
    name = " ".join(text.split())
    letters = sum(c.isalpha() for c in name)
    if not (2 <= len(name) <= MAX_NAME) or letters < 2 or letters < len(name) * 0.6:
        return None
    return name
