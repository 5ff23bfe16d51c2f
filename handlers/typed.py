"""How residents type, spelled out: the words of ``reading:`` in ``content/understanding.yaml``
(:class:`ReadingWords`) and :func:`spell_out`, which turns a message into folded words the
rest of the understanding reads — chat shorthand spelled out ("mik" → minh, "ko" → khong,
"t" → tôi or tuổi by its place), words typed together split ("canhan" → ca nhan), numbers
in words made digits ("hai mươi tuổi" → 20 tuoi, "2k5" → 2005), and relative dates made the
dates they mean on ``today`` ("tháng 3 năm nay" → thang 3 nam 2026, "năm ngoái" → nam 2025).

``today`` is always an argument: nothing here reads the clock. Imports only the standard
library, pydantic and ``handlers.text``.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from pydantic import BaseModel, Field

from handlers.text import fold

_WORD = re.compile(r"[a-z0-9]+|[^a-z0-9\s]")
_TWO_K = re.compile(r"\b2k([0-9])\b")  # "2k5": born in 2005
_TWO_K_TEEN = re.compile(r"\b2k1([0-9])\b")  # "2k10"
_DIGITS = re.compile(r"^[0-9]+$")
_BN_GREETING = frozenset({"", "ok", "oke", "on", "chao", "hi", "hello", "nhe", "a", "cam"})
_BN_AMOUNT = frozenset({"phi", "tien", "tuoi", "nam", "thang", "ngay", "gia", "lau", "het", "mat"})


class NumberWords(BaseModel):
    units: dict[str, int] = Field(default_factory=dict)
    ten: list[str] = Field(default_factory=list)
    after_ten: dict[str, int] = Field(default_factory=dict)
    before: list[str] = Field(default_factory=list)


class RelativeDates(BaseModel):
    this_year: list[str] = Field(default_factory=list)
    last_year: list[str] = Field(default_factory=list)
    year_before_last: list[str] = Field(default_factory=list)
    this_month: list[str] = Field(default_factory=list)
    last_month: list[str] = Field(default_factory=list)
    start_of_year: list[str] = Field(default_factory=list)
    end_of_last_year: list[str] = Field(default_factory=list)
    recently: list[str] = Field(default_factory=list)
    ago: list[str] = Field(default_factory=list)
    lasted: list[str] = Field(default_factory=list)


class FactWords(BaseModel):
    person: list[str] = Field(default_factory=list)
    enterprise: list[str] = Field(default_factory=list)
    household: list[str] = Field(default_factory=list)
    relative: list[str] = Field(default_factory=list)
    citizen_yes: list[str] = Field(default_factory=list)
    citizen_no: list[str] = Field(default_factory=list)
    certificate_yes: list[str] = Field(default_factory=list)
    certificate_no: list[str] = Field(default_factory=list)
    born: list[str] = Field(default_factory=list)
    founded: list[str] = Field(default_factory=list)


class ReadingWords(BaseModel):
    """``reading:`` in content/understanding.yaml (every word folded)."""

    shorthand: dict[str, str] = Field(default_factory=dict)
    joined: dict[str, str] = Field(default_factory=dict)
    joined_questions: list[str] = Field(default_factory=list)
    phrases: dict[str, str] = Field(default_factory=dict)
    numbers: NumberWords = Field(default_factory=NumberWords)
    dates: RelativeDates = Field(default_factory=RelativeDates)
    facts: FactWords = Field(default_factory=FactWords)
    not_in_names: list[str] = Field(default_factory=list)
    name_prefixes: list[str] = Field(default_factory=list)
    particles: list[str] = Field(default_factory=list)


def _tokens(text: str) -> list[str]:
    """Folded words and digits; "/", ".", "-" between digits stay (dates: 15/3/2005)."""
    folded = fold(text)
    folded = re.sub(r"(?<=[0-9])\s*([./-])\s*(?=[0-9])", r"\1", folded)
    return [t for t in re.findall(r"[a-z0-9]+(?:[./-][0-9]+)*", folded)]


def _replace_phrases(tokens: list[str], table: dict[str, str]) -> list[str]:
    """Longest phrases of ``table`` first, word-aligned."""
    if not table:
        return tokens
    text = " " + " ".join(tokens) + " "
    for phrase in sorted(table, key=lambda p: -len(p)):
        text = text.replace(f" {phrase} ", f" {table[phrase]} ")
        text = text.replace(f" {phrase} ", f" {table[phrase]} ")  # overlapping occurrences
    return text.split()


def _numbers(tokens: list[str], words: NumberWords) -> list[str]:
    """Runs of number words before an age word ("hai mươi mốt tuổi") → digits."""
    out: list[str] = []
    i = 0
    before = set(words.before)
    while i < len(tokens):
        j, value, seen = i, 0, False
        tens = None
        while j < len(tokens):
            t = tokens[j]
            if t in words.ten and tens is None:
                tens = value if seen and value else 1
                value, seen = 0, True
            elif tens is not None and t in words.after_ten and not value:
                value = words.after_ten[t]
            elif t in words.units and not seen:
                value, seen = words.units[t], True
            elif t in words.units and tens is None and value and value < 10:  # "hai lăm"
                tens, value = value, words.after_ten.get(t, words.units[t])
            else:
                break
            j += 1
        if j > i and j < len(tokens) and tokens[j] in before:
            number = (tens or 0) * 10 + value if tens is not None else value
            out.append(str(number))
            i = j
            continue
        out.append(tokens[i])
        i += 1
    return out


def _months_back(day: date, months: int) -> tuple[int, int]:
    y, m = divmod(day.year * 12 + day.month - 1 - months, 12)
    return y, m + 1


def _relative(tokens: list[str], today: date, d: RelativeDates) -> list[str]:
    """Relative dates → the dates they mean on ``today``."""
    text = " " + " ".join(tokens) + " "
    has_age = re.search(r" [0-9]{1,3} (?:tuoi|t) ", text) is not None
    y = today.year
    plain_table: list[tuple[list[str], str]] = [
        (d.end_of_last_year, f"thang 12 nam {y - 1}"),
        (d.start_of_year, f"nam {y}"),
        (d.last_year, f"nam {y - 1}"),
        (d.year_before_last, f"nam {y - 2}"),
        (d.this_month, f"thang {today.month} nam {y}"),
        (d.last_month, "thang {1} nam {0}".format(*_months_back(today, 1))),
        (d.recently, (today - timedelta(days=1)).strftime("%d/%m/%Y")),
    ]
    if not has_age:  # "năm nay 20 tuổi" is an age, not this year
        plain_table.append((d.this_year, f"nam {y}"))
    # "6 tháng trước", "mở được 2 năm rồi": that long before today
    ago = "|".join(map(re.escape, d.ago)) or "(?!)"
    lasted = "|".join(map(re.escape, d.lasted)) or "(?!)"

    def back(m: re.Match[str]) -> str:
        n, unit = int(m["n"]), m["unit"]
        months = n * (12 if unit == "nam" else 1)
        if months == 0 or months > 1200:
            return m[0]
        yy, mm = _months_back(today, months)
        return f" thang {mm} nam {yy} " if unit == "thang" else f" nam {yy} "

    text = re.sub(
        rf" (?:(?:{lasted}) )(?P<n>[0-9]{{1,2}}) (?P<unit>nam|thang)(?: (?:{ago}))? ", back, text
    )
    # not "tháng 3 năm nay": a month of this year
    text = re.sub(rf"(?<!thang) (?P<n>[0-9]{{1,2}}) (?P<unit>nam|thang) (?:{ago}) ", back, text)
    for phrases, meaning in plain_table:  # "tháng 3 năm nay" → "thang 3 nam 2026"
        for phrase in sorted(phrases, key=lambda p: -len(p)):
            # not before a number: "năm nay 20" is an age
            text = re.sub(rf" {re.escape(phrase)} (?![0-9])", f" {meaning} ", text)
    return text.split()


def spell_out(text: str, today: date, words: ReadingWords) -> str:
    """``text`` as folded words, shorthand spelled out and relative dates made dates."""
    tokens = _tokens(text)
    out: list[str] = []
    for i, t in enumerate(tokens):
        prev = tokens[i - 1] if i else ""
        nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
        if t == "t":
            out.append("tuoi" if _DIGITS.match(prev) else "toi")
        elif re.fullmatch(r"[0-9]{1,3}t", t):  # "20t"
            out.extend([t[:-1], "tuoi"])
        elif t == "bn":
            amount = prev in _BN_AMOUNT or nxt in _BN_AMOUNT
            at_end = not nxt and prev not in _BN_GREETING
            out.append("bao nhieu" if amount or at_end else "ban")
        elif t in words.shorthand:
            out.append(words.shorthand[t])
        elif t in words.joined:
            out.append(words.joined[t])
        else:
            out.append(t)
    tokens = " ".join(out).split()
    tokens = _TWO_K_TEEN.sub(r"201\1", " ".join(tokens)).split()
    tokens = _TWO_K.sub(r"200\1", " ".join(tokens)).split()
    tokens = _replace_phrases(tokens, words.phrases)
    tokens = _numbers(tokens, words.numbers)
    tokens = _relative(tokens, today, words.dates)
    return " ".join(tokens)


def without_particles(spelled: str, words: ReadingWords) -> str:
    """``spelled`` without the polite words after an answer ("ok ban" → "ok")."""
    tokens = spelled.split()
    ends = sorted((p.split() for p in words.particles), key=len, reverse=True)
    changed = True
    while changed and len(tokens) > 1:
        changed = False
        for end in ends:
            if len(tokens) > len(end) and tokens[-len(end) :] == end:
                tokens, changed = tokens[: -len(end)], True
                break
    return " ".join(tokens)


def joined_question(text: str, words: ReadingWords) -> bool:
    """Whether a word typed without spaces holds a question ("dangkythibaolau")."""
    for token in re.findall(r"[a-z0-9]+", fold(text)):
        if len(token) > 8 and any(q in token for q in words.joined_questions):
            return True
    return False
