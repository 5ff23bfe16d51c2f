"""What a typed message means when it is not a date, an age or a phone number.

Maps typed words to the payload of a button (a number of a choice, the button's own
words, or a phrase from ``content/understanding.yaml``) and recognises the commands a
person can use at any point (/start SOURCE, menu, English, /dulieu, /xoa…). All
comparisons are on folded text (:mod:`handlers.text`), so diacritics never matter.
Imports only the standard library and ``handlers`` (text, typed).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from handlers.text import plain
from handlers.typed import ReadingWords

_START = re.compile(r"^/start(?:@\w+)?(?:\s+(\S+))?\s*$", re.IGNORECASE)
_SOURCE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_NUMBER = re.compile(r"^(?:so |lua chon |chon |option |number )?(\d{1,2})$")


@dataclass(frozen=True)
class Phrasebook:
    """Phrases per payload, folded once at load time, and how typed messages are read
    (``reading:``, :mod:`handlers.typed`)."""

    choices: Mapping[str, tuple[str, ...]]
    commands: Mapping[str, tuple[str, ...]]
    reading: ReadingWords = field(default_factory=ReadingWords)

    @classmethod
    def build(
        cls,
        choices: Mapping[str, Iterable[str]],
        commands: Mapping[str, Iterable[str]],
        reading: ReadingWords | None = None,
    ) -> Phrasebook:
        def fold_all(table: Mapping[str, Iterable[str]]) -> dict[str, tuple[str, ...]]:
            return {k: tuple(p for p in (plain(x) for x in v) if p) for k, v in table.items()}

        return cls(fold_all(choices), fold_all(commands), reading or ReadingWords())


def start_command(text: str) -> tuple[bool, str | None]:
    """(is it /start, the campaign source if a valid one came with it)."""
    m = _START.match(text.strip())
    if not m:
        return False, None
    source = m.group(1)
    if source and _SOURCE.match(source):
        return True, source.lower()
    return True, None


def best_phrase(text: str, table: Mapping[str, Sequence[str]]) -> str | None:
    """The payload whose phrase matches ``text`` best, or None.

    A one-word phrase must be the whole message; a longer one may sit inside it. The
    longest matching phrase wins; if two payloads tie for the longest, nobody wins.
    """
    key = plain(text)
    if not key:
        return None
    padded = f" {key} "
    best_len, winners = 0, set[str]()
    for payload, phrases in table.items():
        for phrase in phrases:
            n = phrase.count(" ") + 1
            if phrase == key:
                n += 100  # the whole message beats any phrase inside it
            elif n == 1 or f" {phrase} " not in padded:
                continue
            if n > best_len:
                best_len, winners = n, {payload}
            elif n == best_len:
                winners.add(payload)
    return winners.pop() if len(winners) == 1 else None


def choose(text: str, offered: Sequence[tuple[str, str]], book: Phrasebook) -> str | None:
    """The payload of an offered choice that ``text`` picks: its number, its words, or
    a phrase for it."""
    if not offered:
        return None
    key = plain(text)
    m = _NUMBER.match(key)
    if m:
        index = int(m.group(1)) - 1
        return offered[index][0] if 0 <= index < len(offered) else None
    table: dict[str, list[str]] = {}
    for payload, title in offered:
        table.setdefault(payload, []).append(plain(title))
        table[payload].extend(book.choices.get(payload, ()))
    return best_phrase(text, table)


def command(text: str, book: Phrasebook) -> str | None:
    """A command that works at any point ("menu", "English", "/xoa"…), or None."""
    return best_phrase(text, book.commands)
