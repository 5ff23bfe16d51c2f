"""Folding typed Vietnamese for understanding: lower case, no diacritics, plain spaces.

"Hộ Kinh Doanh", "ho kinh doanh" and "HO  KINH DOANH" all fold to "ho kinh doanh", so
every comparison of what a person typed is diacritics-insensitive. Only for matching:
what is stored or shown keeps the person's own spelling (normalised to NFC, cleaned of
what no page can show: :func:`clean`). Whole numbers typed or sent by a button are read by
:func:`whole_number`. Imports only the standard library.
"""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
_NON_WORD = re.compile(r"[^a-z0-9]+")


# control characters (but tab and line feed) and the bidirectional overrides and isolates
# that could make a name read backwards on a staff member's screen
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# lone surrogates (a JSON "\\ud800" decodes to one; no UTF-8 can hold it) and non-characters
_UNENCODABLE = re.compile("[\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]")


def clean(text: str) -> str:
    """What a person or a platform sent, safe to store and to show on any later page: lone
    surrogates and non-characters removed, control characters turned into spaces, NFC. Every
    edge (the web API's JSON, Telegram's and Zalo's updates) passes outside text through it."""
    return unicodedata.normalize("NFC", _CONTROL.sub(" ", _UNENCODABLE.sub("", text)))


def nfc(text: str) -> str:
    """The text :func:`clean` and trimmed: the form everything a person typed is understood
    and stored in."""
    return clean(text).strip()


def whole_number(text: str, below: int = 10**9) -> int | None:
    """``text`` as a whole number written in ASCII digits, from 0 to ``below`` - 1 (an id, a
    page, a button's index); None for anything else: "²" (a digit to ``isdigit``, not to
    ``int``), "١" (not ASCII), a sign, a space, more digits than ``below`` has."""
    if not (text.isascii() and text.isdecimal()) or len(text) > len(str(below)):
        return None
    number = int(text)
    return number if number < below else None


def fold(text: str) -> str:
    """Lower case, diacritics removed (đ → d), whitespace collapsed."""
    decomposed = unicodedata.normalize("NFD", text.lower())
    stripped = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    stripped = stripped.replace("đ", "d").replace("ð", "d")
    return _SPACES.sub(" ", stripped).strip()


def words(text: str) -> list[str]:
    """The folded words of ``text``: runs of a-z and 0-9, everything else a separator."""
    return [w for w in _NON_WORD.split(fold(text)) if w]


def plain(text: str) -> str:
    """Folded words joined by single spaces: the key typed phrases are compared on."""
    return " ".join(words(text))
