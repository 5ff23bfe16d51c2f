"""The facts one message may carry about who the eligibility check is for: a kind (a person,
an enterprise, a household business), a birth date, an age or a birth year, citizenship, a
business's founding date, whether a household business holds its certificate, and whether
the resident asks for someone else ("con tôi 19 tuổi", "tôi hỏi cho cháu").

:func:`read_facts` reads them from a message already spelled out by
:func:`handlers.typed.spell_out`, with the words of ``reading.facts`` in
``content/understanding.yaml``. Dates are read by :mod:`handlers.dates`; nothing here
decides eligibility (that is :mod:`handlers.rules`). Imports only the standard library and
``handlers`` (dates, typed).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from handlers.dates import DateRange, parse_birth, parse_founding
from handlers.typed import FactWords

PERSON, ENTERPRISE, HOUSEHOLD = "person", "enterprise", "household"

# An age, a birth marker or a full date: a birth date said outright, at any step.
_AGE = re.compile(r"(?<![0-9./-])[0-9]{1,3} (?:tuoi|years? old|yo)\b")
_FULL_DATE = re.compile(r"(?<![0-9])[0-9]{1,2}[./-][0-9]{1,2}[./-](?:[0-9]{4}|[0-9]{2})(?![0-9])")
_YEAR_OR_DATE = re.compile(
    r"(?<![0-9])(?:[0-9]{4}|[0-9]{1,2}[./-][0-9]{1,2}(?:[./-][0-9]{2,4})?)(?![0-9])"
    r"|\bnam [0-9]{2,4}\b|\bthang [0-9]{1,2}\b"
)


@dataclass(frozen=True)
class Facts:
    """What a message says; None where it says nothing."""

    kind: str | None = None
    birth: DateRange | None = None
    citizen: bool | None = None
    founded: DateRange | None = None
    certificate: bool | None = None
    relative: bool = False

    @property
    def concrete(self) -> bool:
        """A fact an answer can be decided on (more than who is asking)."""
        return any(
            x is not None for x in (self.birth, self.citizen, self.founded, self.certificate)
        )

    @property
    def any(self) -> bool:
        return self.concrete or self.kind is not None or self.relative


def _has(text: str, phrases: Sequence[str]) -> int:
    """The length in words of the longest phrase of ``phrases`` inside ``text`` (0: none)."""
    padded = f" {text} "
    return max((p.count(" ") + 1 for p in phrases if f" {p} " in padded), default=0)


def _first(text: str, phrases: Sequence[str]) -> int:
    """Where the earliest phrase of ``phrases`` starts in ``text`` (a large number: none)."""
    padded = f" {text} "
    return min((padded.find(f" {p} ") for p in phrases if f" {p} " in padded), default=1 << 30)


def _either(text: str, yes: Sequence[str], no: Sequence[str]) -> bool | None:
    """True, False, or None when neither (or both equally) is said. Of two phrases of one
    length, the one said first wins: "không phải công dân Việt Nam" is a no."""
    a, b = _has(text, yes), _has(text, no)
    if a == b:
        if not a:
            return None
        return _first(text, yes) < _first(text, no)
    return a > b


def _kind(text: str, words: FactWords) -> str | None:
    found = {
        kind: _has(text, phrases)
        for kind, phrases in (
            (PERSON, words.person),
            (ENTERPRISE, words.enterprise),
            (HOUSEHOLD, words.household),
        )
    }
    best = max(found.values())
    winners = [k for k, n in found.items() if n == best]
    return winners[0] if best and len(winners) == 1 else None


def read_facts(spelled: str, today: date, words: FactWords, expecting: str | None = None) -> Facts:
    """The facts in ``spelled`` (a message from :func:`handlers.typed.spell_out`).

    ``expecting`` is what the current step asks for ("birth", "founded", "certificate",
    "citizen" or None): there a bare answer counts ("20", "2024"); elsewhere a date counts
    only with a word saying what it is ("20 tuổi", "sinh năm 2005", "mở tháng 3").
    """
    text = spelled
    kind = _kind(text, words)
    if _AGE.search(text) and expecting is None:
        kind = PERSON  # an age is a person's ("bé nhà mình 16t muốn làm web bán hàng")
    relative = _has(text, words.relative) > 0
    certificate = _either(text, words.certificate_yes, words.certificate_no)
    citizen = _either(text, words.citizen_yes, words.citizen_no)
    birth: DateRange | None = None
    founded: DateRange | None = None
    business = kind in (ENTERPRISE, HOUSEHOLD) or expecting == "founded"
    if not business:
        said_birth = (
            expecting == "birth"
            or _AGE.search(text) is not None
            or (_has(text, words.born) > 0 and _YEAR_OR_DATE.search(text) is not None)
            or (kind == PERSON and _FULL_DATE.search(text) is not None)
        )
        if said_birth:
            found = parse_birth(text, today)
            birth = found if isinstance(found, DateRange) else None
    elif kind != HOUSEHOLD or expecting == "founded":
        said_founded = expecting == "founded" or (
            _has(text, words.founded) > 0 and _YEAR_OR_DATE.search(text) is not None
        )
        if said_founded:
            found = parse_founding(text, today)
            founded = found if isinstance(found, DateRange) else None
    if kind is None and birth is not None and expecting != "birth":
        kind = PERSON  # an age or a birth date: a person
    if kind is None and certificate is not None and expecting != "certificate":
        kind = HOUSEHOLD  # "có giấy phép kinh doanh rồi"
    if kind is None and founded is not None and expecting != "founded":
        kind = ENTERPRISE
    return Facts(kind, birth, citizen, founded, certificate, relative)
