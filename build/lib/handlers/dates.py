"""Understanding birth and founding dates typed in Vietnamese (or English).

People answer "when were you born?" in many ways: a full date (``15/3/2005``,
``ngày 15 tháng 3 năm 2005``, ``2005-03-15``, ``March 15, 2005``), a month (``tháng 3/2005``),
a year (``sinh năm 2004``, ``sn 04``) or just an age (``20 tuổi``). Each answer becomes a
:class:`DateRange` of every date it allows, or a :class:`DateProblem` saying why it cannot.
Ages follow :func:`handlers.rules.full_years`, so the range of an age is exactly the birth
dates the eligibility rules would give that age.

Text is compared folded (:func:`handlers.text.fold`), so diacritics and case never matter.
Day-first order is always assumed for numeric dates (Vietnamese order). Nothing here raises
on any string. Imports only the standard library and ``handlers`` (rules, text).
"""

from __future__ import annotations

import calendar
import enum
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from handlers.rules import OLDEST_AGE
from handlers.text import fold, plain

__all__ = ["DateProblem", "DateRange", "age_range", "parse_birth", "parse_founding"]

ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class DateRange:
    """Every date from ``first`` to ``last`` (inclusive) fits what the person typed."""

    first: date
    last: date
    kind: str  # "exact" | "age" | "year" | "month": what the person gave

    @property
    def exact(self) -> bool:
        return self.first == self.last


class DateProblem(enum.Enum):
    UNRECOGNISED = "unrecognised"  # no date, age or year found in the text
    IMPOSSIBLE = "impossible"  # e.g. 31/02/2005, month 13, day 0, age 0
    FUTURE = "future"  # after today
    TOO_OLD = "too_old"  # more than OLDEST_AGE years before today (a typing mistake)


Result = DateRange | DateProblem

# --- patterns (all on folded text: lower case, no diacritics, single spaces) ---------------

_MONTH_NAMES = {
    "january": 1,
    "jan": 1,
    "february": 2,
    "feb": 2,
    "march": 3,
    "mar": 3,
    "april": 4,
    "apr": 4,
    "may": 5,
    "june": 6,
    "jun": 6,
    "july": 7,
    "jul": 7,
    "august": 8,
    "aug": 8,
    "september": 9,
    "sept": 9,
    "sep": 9,
    "october": 10,
    "oct": 10,
    "november": 11,
    "nov": 11,
    "december": 12,
    "dec": 12,
}
_MONTH = r"(?P<mname>" + "|".join(_MONTH_NAMES) + r")\b\.?"  # an English month name
_START = r"(?<![0-9./-])"  # a number not glued to another one by a date separator
_END = r"(?![0-9]|[./-][0-9])"
_SEP = r"[./-]"
_D = r"(?P<d>[0-9]{1,2})"
_M = r"(?P<m>[0-9]{1,2})"
_Y = r"(?P<y>[0-9]{4})"
_Y_OR_YY = r"(?P<y>[0-9]{4}|[0-9]{2})"
_THANG = r"(?:thang|thg)"
_ORDINAL = r"(?:st|nd|rd|th)?"


def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.ASCII)


# Full dates.
_ISO = _compile(rf"{_START}(?P<y>[1-9][0-9]{{3}}){_SEP}{_M}{_SEP}{_D}{_END}")  # 2005-03-15
_DMY = _compile(rf"{_START}{_D}(?P<s>{_SEP}){_M}(?P=s){_Y_OR_YY}{_END}")  # 15/3/2005, 15.3.05
_VN_DATE = _compile(  # ngay 15 thang 3 nam 2005, 15 thang 3 2005, ngay 15/3 nam 2005
    rf"{_START}{_D}[ ,]*(?:{_THANG} ?|{_SEP}){_M}[ ,]*"
    rf"(?:nam ?(?P<yy>[0-9]{{4}}|[0-9]{{2}})|{_SEP}? ?{_Y}){_END}"
)
_EN_DMY = _compile(rf"{_START}{_D}{_ORDINAL} ?(?:of )?{_MONTH},? ?{_Y}{_END}")  # 15 March 2005
_EN_MDY = _compile(rf"\b{_MONTH} ?{_D}{_ORDINAL},? ?{_Y}{_END}")  # March 15, 2005
# A month of a year.
_MONTH_YEAR = _compile(rf"{_START}{_M} ?{_SEP} ?{_Y}{_END}")  # 3/2005, thang 3/2005, 03-2005
_VN_MONTH_YEAR = _compile(rf"\b{_THANG} ?{_M}[ ,]*(?:nam )?{_Y}{_END}")  # thang 3 nam 2005
_EN_MONTH_YEAR = _compile(rf"\b{_MONTH},? ?{_Y}{_END}")  # March 2005
# A year.
_YEAR = _compile(rf"{_START}(?P<y>[1-9][0-9]{{3}}){_END}")  # 2004, sinh nam 2004
_SHORT_BIRTH_YEAR = _compile(  # sn 95, sinh nam 04, nam sinh: 99 (but not "sn 20 tuoi")
    rf"\b(?:sinh nam|nam sinh|sn|ns|born in|born)[ :,]*(?P<yy>[0-9]{{2}}){_END}"
    r"(?! ?(?:tuoi|t)\b)"
)
# An age.
_AGE_AFTER = _compile(  # 20 tuoi, 20t, 20 years old, 20 y/o
    rf"{_START}(?P<n>[0-9]{{1,3}}) ?(?:tuoi|t|years? old|yrs? old|yo|y/o)\b"
)
_AGE_BEFORE = _compile(  # toi 20, nam nay 20, i am 20, tuoi: 20
    rf"\b(?:i am|i'm|im|age|aged|tuoi|toi|tui|minh|em|nam nay)[ :,]*(?P<n>[0-9]{{1,3}}){_END}"
)
_BARE_AGE = _compile(r"(?P<n>[0-9]{1,3})")  # the whole answer is a number
# Digits joined by spaces, dots, dashes or brackets: a phone number once it holds 9+ digits.
_DIGIT_RUN = _compile(r"\+?\(?\+?[0-9][0-9 .()+-]*")
_PHONE_DIGITS = 9


# --- building ranges ------------------------------------------------------------------------


def _year(match: re.Match[str], today: date) -> int:
    """The year of a match; two digits mean this century up to this year, else the last."""
    written = match.groupdict().get("y") or match["yy"]
    if len(written) > 2:
        return int(written)
    short = int(written)
    century = today.year // 100 * 100
    return century + short if short <= today.year % 100 else century - 100 + short


def _month(match: re.Match[str]) -> int:
    if match.groupdict().get("mname"):
        return _MONTH_NAMES[match["mname"]]
    return int(match["m"])


def _exact(match: re.Match[str], today: date) -> Result:
    try:
        day = date(_year(match, today), _month(match), int(match["d"]))
    except ValueError:
        return DateProblem.IMPOSSIBLE
    return _within(DateRange(day, day, "exact"), today)


def _whole_month(match: re.Match[str], today: date) -> Result:
    year, month = _year(match, today), _month(match)
    if not (1 <= month <= 12 and 1 <= year <= 9999):
        return DateProblem.IMPOSSIBLE
    last_day = calendar.monthrange(year, month)[1]
    return _within(DateRange(date(year, month, 1), date(year, month, last_day), "month"), today)


def _whole_year(match: re.Match[str], today: date) -> Result:
    year = _year(match, today)
    if not 1 <= year <= 9999:
        return DateProblem.IMPOSSIBLE
    return _within(DateRange(date(year, 1, 1), date(year, 12, 31), "year"), today)


def _age(match: re.Match[str], today: date) -> Result:
    years = int(match["n"])
    if years == 0:
        return DateProblem.IMPOSSIBLE
    if years > OLDEST_AGE:
        return DateProblem.TOO_OLD
    return age_range(years, today)


def _latest_birth(years: int, today: date) -> date:
    """The latest birth date that is ``years`` full years old ``today``."""
    year = today.year - years
    if (today.month, today.day) == (2, 29) and not calendar.isleap(year):
        return date(year, 2, 28)
    return today.replace(year=year)


def age_range(years: int, today: date) -> DateRange:
    """Every birth date that makes a person exactly ``years`` full years old ``today``.

    Matches :func:`handlers.rules.full_years`: someone born on 29 February turns a year older
    on 1 March in common years, so on 28 February of a common year they are still younger.
    """
    first = _latest_birth(years + 1, today) + ONE_DAY
    return DateRange(first, min(_latest_birth(years, today), today), "age")


def _within(found: DateRange, today: date) -> Result:
    """``found`` clipped to the plausible past, or the problem if nothing of it is left."""
    if found.first > today:
        return DateProblem.FUTURE
    oldest = age_range(OLDEST_AGE, today).first
    if found.last < oldest:
        return DateProblem.TOO_OLD
    return DateRange(max(found.first, oldest), min(found.last, today), found.kind)


# --- parsing --------------------------------------------------------------------------------

Builder = Callable[[re.Match[str], date], Result]

_FULL_DATES: list[tuple[re.Pattern[str], Builder]] = [
    (_ISO, _exact),
    (_DMY, _exact),
    (_VN_DATE, _exact),
    (_EN_DMY, _exact),
    (_EN_MDY, _exact),
]
_PARTIAL_DATES: list[tuple[re.Pattern[str], Builder]] = [
    (_MONTH_YEAR, _whole_month),
    (_VN_MONTH_YEAR, _whole_month),
    (_EN_MONTH_YEAR, _whole_month),
    (_YEAR, _whole_year),
]
_BIRTH_ONLY: list[tuple[re.Pattern[str], Builder]] = [
    (_SHORT_BIRTH_YEAR, _whole_year),
    (_AGE_AFTER, _age),
    (_AGE_BEFORE, _age),
]


def _without_phone_numbers(text: str) -> str:
    """``text`` with long digit runs (phone numbers, ids) blanked out."""

    def blank(run: re.Match[str]) -> str:
        digits = sum(c.isdigit() for c in run[0])
        return " " if digits >= _PHONE_DIGITS else run[0]

    return _DIGIT_RUN.sub(blank, text)


def _first_match(
    text: str, today: date, patterns: list[tuple[re.Pattern[str], Builder]]
) -> Result | None:
    for pattern, build in patterns:
        match = pattern.search(text)
        if match:
            return build(match, today)
    return None


def _parse(text: str, today: date, birth: bool) -> Result:
    if not isinstance(text, str):
        return DateProblem.UNRECOGNISED
    folded = fold(text)
    found = _first_match(folded, today, _FULL_DATES)
    if found is not None:
        return found
    folded = _without_phone_numbers(folded)
    patterns = _PARTIAL_DATES + _BIRTH_ONLY if birth else _PARTIAL_DATES
    found = _first_match(folded, today, patterns)
    if found is not None:
        return found
    bare = _BARE_AGE.fullmatch(plain(folded)) if birth else None
    if bare:
        return _age(bare, today)
    return DateProblem.UNRECOGNISED


def parse_birth(text: str, today: date) -> DateRange | DateProblem:
    """The birth dates ``text`` allows: a date, a month, a year or an age (as of ``today``)."""
    return _parse(text, today, birth=True)


def parse_founding(text: str, today: date) -> DateRange | DateProblem:
    """The founding dates ``text`` allows: a date, a month or a year (ages make no sense)."""
    return _parse(text, today, birth=False)
