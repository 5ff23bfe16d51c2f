"""Reading a person's name as they typed it (for a lead, a training sign-up): spaces tidied,
letters of any language (Vietnamese with its diacritics), two to seven words, at most
:data:`MAX_NAME` characters, no digits, no question, and nothing a chat app would make a
link of (:func:`linkified`). A business's name (a company, a shop) may also hold digits and
"&". The spelling is the person's own. :func:`read_name` says what is wrong when it is not a
name; :func:`person_name` is the name or None. Imports only the standard library and
``handlers.text``.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence

from handlers.text import plain

MAX_NAME = 80
MIN_WORDS, MAX_WORDS = 2, 7
# What Telegram's and Zalo's apps turn into a link, a command, a mention or a hashtag: a
# name is never one ("Nguyễn V. An" is a name; "evil.vn", "/start", "@an", "a:b" are not)
_LINKISH = re.compile(r"[/@#:\\]|\.(?=\S)|\bwww\b|https?\b", re.IGNORECASE)
_PERSON_MARKS = frozenset(" .'-")  # "Nguyễn V. An", "O'Neil", "Lê-Anh"
_BUSINESS_MARKS = frozenset(" .'-&,()")


class NameProblem(enum.Enum):
    LENGTH = "length"  # empty, or over MAX_NAME characters
    LINK = "link"  # a web address, a /command, an @mention, a #tag
    DIGITS = "digits"  # a person's name holds no digits
    CHARACTERS = "characters"  # anything but letters, spaces and . ' -
    ONE_WORD = "one_word"  # family name and given name, please
    MANY_WORDS = "many_words"  # more than MAX_WORDS words: a sentence, not a name
    QUESTION = "question"  # a question or words no name holds


def without_prefix(text: str, prefixes: Sequence[str]) -> str:
    """``text`` without the words said before a name ("tên mình là Hoàng Văn Nam" → "Hoàng
    Văn Nam"), compared folded; the name keeps its own spelling."""
    typed = text.split()
    folded = [plain(w) for w in typed]
    for prefix in sorted(prefixes, key=lambda p: -len(p.split())):
        n = len(prefix.split())
        if len(typed) > n and " ".join(folded[:n]) == prefix:
            return " ".join(typed[n:]).lstrip(":,- ")
    return text


def read_name(
    text: str,
    not_in_names: Sequence[str] = (),
    business: bool = False,
    prefixes: Sequence[str] = (),
    min_words: int = MIN_WORDS,
) -> str | NameProblem:
    """The name in ``text`` (spaces tidied, the words said before it left out), or what
    keeps it from being one."""
    name = " ".join(without_prefix(" ".join(text.split()), prefixes).split())
    if not (2 <= len(name) <= MAX_NAME):
        return NameProblem.LENGTH
    if linkified(name):
        return NameProblem.LINK
    if "?" in name:
        return NameProblem.QUESTION
    if not business and any(c.isdigit() for c in name):
        return NameProblem.DIGITS
    marks = _BUSINESS_MARKS if business else _PERSON_MARKS
    if any(not (c.isalpha() or c in marks or (business and c.isdigit())) for c in name):
        return NameProblem.CHARACTERS
    n = len(name.split())
    if n > MAX_WORDS:
        return NameProblem.MANY_WORDS
    if n < min_words and not business:
        return NameProblem.ONE_WORD
    key = f" {plain(name)} "
    if not business and any(f" {w} " in key for w in not_in_names):
        return NameProblem.QUESTION
    return name


def person_name(text: str) -> str | None:
    """The name in ``text`` (spaces tidied), or None when it does not look like a name."""
    name = read_name(text)
    return None if isinstance(name, NameProblem) else name


def linkified(name: str) -> bool:
    """Whether a chat app would show part of ``name`` as a link, a command, a mention or a
    hashtag (a web address, "/start", "@an", "#tag"): such a name is asked again, so names
    are never links on the team's screens."""
    return _LINKISH.search(name) is not None
