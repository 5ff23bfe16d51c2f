"""How typed text is read for FAQ matching: :class:`FaqVocabulary` (the ``faq:`` section of
``content/understanding.yaml``) and :class:`Reader`, which turns text into normalised tokens.

Text and phrasings are folded (:func:`handlers.text.words`, so diacritics and case never
matter), then:

- chat shorthand is expanded ("ko" → "khong", "dc" → "duoc", "cty" → "cong ty");
- ages and durations become classes by the programme's rules (:class:`~handlers.rules.
  ProgramRules`), so "16 tuổi" and "17 tuổi" ask the same thing ("agelt18" with
  youth_min_age 18), as do "14 tháng", "2 năm" and "hơn 1 năm" ("durgt1y" with
  enterprise_max_years 1);
- compounds are one token ("tên miền", "đăng ký", "công ty" = "doanh nghiệp"), so "tên"
  alone (a name) is not "tên miền";
- question phrases become the kind of question ("khi nào" → qwhen, "bao nhiêu" →
  qhowmuch), so "chương trình là gì" and "chương trình đến khi nào" differ.

Imports only pydantic and ``handlers`` (text, rules).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, model_validator

from handlers.rules import ProgramRules
from handlers.text import plain, words

__all__ = ["FaqVocabulary", "Reader"]


def _one_word(value: str) -> str:
    folded = words(value)
    if len(folded) != 1:
        raise ValueError(f"{value!r} must be one word")
    return folded[0]


def _phrase(value: str) -> str:
    folded = plain(value)
    if not folded:
        raise ValueError("must not be empty")
    return folded


# Written folded in the file ("ten mien"); folded again here, so "tên miền" works too.
_Word = Annotated[str, AfterValidator(_one_word)]
_Phrase = Annotated[str, AfterValidator(_phrase)]


class FaqVocabulary(BaseModel):
    """The ``faq:`` section of ``content/understanding.yaml``: how typed text is read.

    Every field may be left out; an empty vocabulary matches on the plain words alone.
    """

    model_config = ConfigDict(extra="forbid")  # a misspelt key is reported, not ignored

    stop_words: frozenset[_Word] = frozenset()
    shorthand: dict[_Word, _Phrase] = {}
    compounds: dict[_Phrase, _Word] = {}
    question_kinds: dict[_Phrase, _Word] = {}
    literal_phrases: frozenset[_Phrase] = frozenset()
    age_words: frozenset[_Word] = frozenset()
    age_marks: frozenset[_Word] = frozenset()
    old_words: frozenset[_Word] = frozenset()
    age_before: frozenset[_Word] = frozenset()
    month_words: frozenset[_Word] = frozenset()
    year_words: frozenset[_Word] = frozenset()
    one_year: _Phrase | None = None
    more_words: frozenset[_Word] = frozenset()
    less_words: frozenset[_Word] = frozenset()
    full_words: frozenset[_Word] = frozenset()
    not_yet_words: frozenset[_Word] = frozenset()

    @model_validator(mode="after")
    def _phrases_once(self) -> FaqVocabulary:
        seen: set[str] = set()
        for phrase in (*self.compounds, *self.question_kinds, *self.literal_phrases):
            if phrase in seen:
                raise ValueError(
                    f"{phrase!r} is listed twice (compounds, question_kinds, literal_phrases)"
                )
            seen.add(phrase)
        return self


class Reader:
    """Text → normalised tokens, with a :class:`FaqVocabulary` and the programme's numbers."""

    def __init__(self, vocabulary: FaqVocabulary, rules: ProgramRules) -> None:
        v = vocabulary
        self.stop = v.stop_words
        self.kinds = frozenset(v.question_kinds.values())
        self._shorthand = {word: tuple(exp.split()) for word, exp in v.shorthand.items()}
        self._phrases: dict[tuple[str, ...], tuple[str, ...]] = {
            tuple(phrase.split()): (token,)
            for phrase, token in (*v.compounds.items(), *v.question_kinds.items())
        }
        self._phrases.update((tuple(p.split()), tuple(p.split())) for p in v.literal_phrases)
        self._longest = max(map(len, self._phrases), default=1)
        self._v = v
        self._one_year = tuple(v.one_year.split()) if v.one_year else ()
        self._low, self._high = rules.youth_min_age, rules.youth_max_age
        self._max_years = rules.enterprise_max_years

    def is_topical(self, token: str) -> bool:
        """Whether ``token`` says what a question is about (not how it is asked)."""
        return token not in self.stop and token not in self.kinds

    def tokens(self, text: str) -> list[str]:
        """The normalised tokens of ``text``: folded, shorthand expanded, numbers classed,
        compounds and question phrases joined."""
        expanded: list[str] = []
        for word in words(text):
            expanded.extend(self._shorthand.get(word, (word,)))
        return self._join_phrases(self._class_numbers(expanded))

    def _join_phrases(self, tokens: list[str]) -> list[str]:
        """Each phrase as what it reads as, the longest phrase first at each position."""
        out: list[str] = []
        i = 0
        while i < len(tokens):
            for size in range(min(self._longest, len(tokens) - i), 0, -1):
                joined = self._phrases.get(tuple(tokens[i : i + size]))
                if joined is not None:
                    out.extend(joined)
                    i += size
                    break
            else:
                out.append(tokens[i])
                i += 1
        return out

    def _age_class(self, age: float) -> str:
        if age < self._low:
            return f"agelt{self._low}"
        if age <= self._high:
            return f"age{self._low}to{self._high}"
        return f"agegt{self._high}"

    def _duration_class(self, years: float) -> str:
        limit = self._max_years
        return f"durle{limit}y" if years <= limit else f"durgt{limit}y"

    def _compared(self, value: int, tokens: list[str], i: int) -> float:
        """``value`` nudged by a comparative before it: "quá 23" → 23.5, "chưa đủ 18" → 17.5."""
        v = self._v
        prev = tokens[i - 1] if i else ""
        prev2 = tokens[i - 2] if i > 1 else ""
        if prev in v.more_words or (prev in v.full_words and prev2 in v.more_words):
            return value + 0.5
        if prev in v.less_words or (prev in v.full_words and prev2 in v.not_yet_words):
            return value - 0.5
        return float(value)

    def _class_numbers(self, tokens: list[str]) -> list[str]:
        """Ages and durations as classes, so nearby numbers ask the same question.

        "17 tuoi" → "agelt18 tuoi", "qua 23 tuoi" → "qua agegt23 tuoi", "i am 24" → "i am
        agegt23"; "14 thang" / "2 nam" / "hon 1 nam" → "durgt1y", "6 thang" → "durle1y",
        "1 nam" → "mot nam". Other numbers (dates, phone numbers, "nam 2025") stay.
        """
        v = self._v
        out: list[str] = []
        i = 0
        while i < len(tokens):
            tok = tokens[i]
            if not (tok.isdigit() and len(tok) <= 3):
                out.append(tok)
                i += 1
                continue
            value = self._compared(int(tok), tokens, i)
            prev = tokens[i - 1] if i else ""
            nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
            after = tokens[i + 2] if i + 2 < len(tokens) else ""
            if nxt in v.age_words:  # keep the word, it says "age"
                out.append(self._age_class(value))
                i += 1
            elif nxt in v.age_marks or (nxt in v.year_words and after in v.old_words):
                out.append(self._age_class(value))
                i += 2
            elif nxt in v.month_words:
                out.append(self._duration_class(value / 12))
                i += 2
            elif nxt in v.year_words and value == 1 and self._one_year:
                out.extend(self._one_year)
                i += 2
            elif nxt in v.year_words:
                out.append(self._duration_class(value))
                i += 2
            elif prev in v.age_before:
                out.append(self._age_class(value))
                i += 1
            else:
                out.append(tok)
                i += 1
        return out
