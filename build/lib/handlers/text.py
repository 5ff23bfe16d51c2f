"""Folding typed Vietnamese for understanding: lower case, no diacritics, plain spaces.

"Hộ Kinh Doanh", "ho kinh doanh" and "HO  KINH DOANH" all fold to "ho kinh doanh", so
every comparison of what a person typed is diacritics-insensitive. Only for matching:
what is stored or shown keeps the person's own spelling (normalised to NFC). Imports only
the standard library.
"""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
_NON_WORD = re.compile(r"[^a-z0-9]+")


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # keeps tab and line feed


def nfc(text: str) -> str:
    """The text in Unicode NFC, trimmed, control characters turned into spaces: the form
    everything a person typed is understood and stored in."""
    return unicodedata.normalize("NFC", _CONTROL.sub(" ", text)).strip()


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
