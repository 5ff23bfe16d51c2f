"""Domain-name ideas and the naming rules for a label under id.vn or biz.vn.

Rules from ../shared/facts/program.md §5: letters a–z and digits, a hyphen only inside
and never two in a row, at most 63 characters. Vietnamese letters are only granted
directly under .vn, so ideas for id.vn/biz.vn are written without diacritics.
:func:`registered_name` checks a whole name as staff record it once it is registered;
:func:`programme_name` whether it is a registration of the programme (one label under
id.vn or biz.vn), and :func:`name_in` finds a name in a sentence.
Imports only the standard library and ``handlers.text``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from handlers.text import fold, words

MAX_LABEL = 63
_LABEL_CHARS = re.compile(r"^[a-z0-9-]+$")
_SUFFIX = re.compile(r"\.(?:id|biz|com|name|io)?\.?vn$")
MAX_NAME = 253
_ASCII_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
# The zones themselves: under them a name is registered, they are not one.
_ZONES = ("id", "biz", "com", "net", "org", "edu", "gov", "info", "name", "pro", "health", "ac")
ZONES = frozenset(("vn", *(f"{zone}.vn" for zone in _ZONES)))


@dataclass(frozen=True)
class LabelCheck:
    label: str
    problem: str | None  # None when valid; else a code: empty, too_long, diacritics,
    # bad_chars, hyphen_edge, double_hyphen

    @property
    def ok(self) -> bool:
        return self.problem is None


def looks_like_label(text: str) -> bool:
    """True when the person typed a domain name rather than a person's or shop's name."""
    return " " not in text.strip()


def check_label(text: str) -> LabelCheck:
    """Check one label typed by a person (a trailing .id.vn / .biz.vn is ignored)."""
    label = _SUFFIX.sub("", text.strip().lower())
    if not label:
        return LabelCheck(label, "empty")
    if len(label) > MAX_LABEL:
        return LabelCheck(label, "too_long")
    if not _LABEL_CHARS.match(label):
        if _LABEL_CHARS.match(fold(label).replace(" ", "")):
            return LabelCheck(label, "diacritics")
        return LabelCheck(label, "bad_chars")
    if label.startswith("-") or label.endswith("-"):
        return LabelCheck(label, "hyphen_edge")
    if "--" in label:
        return LabelCheck(label, "double_hyphen")
    return LabelCheck(label, None)


def repair(text: str) -> str:
    """The nearest valid label to what was typed: diacritics dropped, other characters
    turned into single inner hyphens, cut to 63 characters."""
    label = _SUFFIX.sub("", text.strip().lower())
    label = "-".join(words(label))
    return label[:MAX_LABEL].strip("-")


def ideas(name: str, applicant: str, limit: int = 4) -> list[str]:
    """Labels built from a person's name (family name first, as in Vietnamese) or a
    shop's name; each one passes :func:`check_label`."""
    parts = words(name)
    if not parts:
        return []
    out: list[str] = ["".join(parts)]
    if applicant == "person" and len(parts) >= 2:
        family, given = parts[0], parts[-1]
        out += [
            given + family,
            f"{given}-{family}",
            family + given,
            "".join(parts[1:]),
            "".join(p[0] for p in parts[:-1]) + given,
        ]
    elif len(parts) >= 2:
        out += ["-".join(parts), "".join(parts[-2:])]
    seen: list[str] = []
    for label in out:
        label = label[:MAX_LABEL].strip("-")
        if label not in seen and check_label(label).ok and len(label) >= 3:
            seen.append(label)
    return seen[:limit]


def registered_name(text: str) -> str | None:
    """A domain name under .vn as the team records it once registered ("Bình.id.vn" →
    "bình.id.vn", "xn--bnh-nma.id.vn" → "bình.id.vn"): lower case, Vietnamese letters kept
    (IDN, read with the standard library's IDNA codec). None when ``text`` is not a valid
    name under .vn: a label empty, longer than 63 characters, with characters other than
    letters, digits and inner hyphens, or only a zone ("id.vn")."""
    name = unicodedata.normalize("NFC", text).strip().lower().removesuffix(".")
    if not name or len(name) > MAX_NAME:
        return None
    try:
        ascii_name = name.encode("idna").decode("ascii")
        readable = ascii_name.encode("ascii").decode("idna")
    except UnicodeError:
        return None
    labels = ascii_name.split(".")
    if len(ascii_name) > MAX_NAME or len(labels) < 2 or labels[-1] != "vn":
        return None
    if not all(_ASCII_LABEL.match(label) for label in labels) or ascii_name in ZONES:
        return None
    return readable


PROGRAMME_ZONES = ("id.vn", "biz.vn")  # the zones of the programme: a registration's kind


@dataclass(frozen=True)
class ProgrammeName:
    """A name checked as a registration of the programme: ``name`` (as
    :func:`registered_name` gives it) and ``kind`` ("id.vn" or "biz.vn") when it is one;
    otherwise ``problem``: "invalid" (not a valid name under .vn), "other_zone" (a valid
    .vn name, but not one label directly under id.vn or biz.vn: "lan.com.vn", "lan.vn",
    "a.lan.id.vn") or "diacritics" (Vietnamese letters, which VNNIC grants only directly
    under .vn, never under id.vn or biz.vn)."""

    name: str | None
    kind: str | None = None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


def programme_name(text: str) -> ProgrammeName:
    """``text`` read as a name registered under the programme (see :class:`ProgrammeName`)."""
    name = registered_name(text)
    if name is None:
        return ProgrammeName(None, problem="invalid")
    label, _, zone = name.partition(".")
    if zone not in PROGRAMME_ZONES:
        return ProgrammeName(name, problem="other_zone")
    if not label.isascii():
        return ProgrammeName(name, zone, problem="diacritics")
    if not check_label(label).ok:  # "--" inside, which only an IDN's "xn--" may have
        return ProgrammeName(None, problem="invalid")
    return ProgrammeName(name, zone)


_NAME_IN_TEXT = re.compile(r"[^\s,;:!?()\"'“”<>]+\.vn\b\.?", re.IGNORECASE)


def name_in(text: str) -> str | None:
    """The first thing in a sentence written like a name under .vn ("mình đăng ký rồi:
    lan.id.vn" → "lan.id.vn"), as typed; None when there is none."""
    found = _NAME_IN_TEXT.search(unicodedata.normalize("NFC", text))
    return found.group(0).rstrip(".") if found else None


def without_names(text: str) -> str:
    """``text`` with every domain name under .vn in it taken out ("mình đăng ký rồi:
    lan.id.vn" → "mình đăng ký rồi: "), so the words of a name ("id vn") are not read as
    words of the sentence. A zone alone ("id.vn") is a word, and stays."""
    return _NAME_IN_TEXT.sub(
        lambda m: " " if registered_name(m.group(0)) else m.group(0),
        unicodedata.normalize("NFC", text),
    )
