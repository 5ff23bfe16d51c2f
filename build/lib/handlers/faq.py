"""Frequently asked questions: the content model, loading, and matching typed questions.

``content/faq.yaml`` holds the entries (see :class:`FaqFile`); :func:`load_faq` reads and
validates it through :func:`handlers.yamlfile.load_model`, so a mistake names the file and
the line. :class:`FaqIndex` answers "which entry is this person asking about?", and
:func:`looks_like_question` tells a question from an answer such as a name or a date.

Matching is diacritics-insensitive (everything goes through :func:`handlers.text.words`)
and compares the text with every phrasing of every entry, in both languages. Text and
phrasings become normalised tokens, with the words of the ``faq:`` section of
``content/understanding.yaml`` (:class:`FaqVocabulary`) and the programme's ages and years
from ``content/program.yaml`` (:class:`Limits`):

- chat shorthand is expanded ("ko" → "khong", "dc" → "duoc", "cty" → "cong ty");
- ages and durations become classes, so "16 tuổi" and "17 tuổi" ask the same thing
  ("agelt18" with youth_min_age 18), as do "14 tháng", "2 năm" and "hơn 1 năm" ("durgt1y"
  with enterprise_max_years 1);
- compounds are one token ("tên miền", "đăng ký", "công ty" = "doanh nghiệp"), so "tên"
  alone (a name) is not "tên miền";
- question phrases become the kind of question ("khi nào" → qwhen, "bao nhiêu" →
  qhowmuch), so "chương trình là gì" and "chương trình đến khi nào" differ.

A phrasing's score is ``0.7 × weighted F1 of shared tokens + 0.3 × rapidfuzz.fuzz.ratio``
of the token strings. Tokens weigh by rarity across entries (``id``, ``biz`` a lot,
``tên miền`` little, particles such as "là", "không", "ạ" almost nothing); a word the FAQ
never uses weighs like the rarest, so "thời tiết hôm nay thế nào" stays far from "đăng ký
như thế nào". A typo in a longer word is read as the closest known word. Only phrasings
sharing a topical token (not a particle or a question kind) are scored. An entry scores its
best phrasing; the best entry wins from :data:`THRESHOLD`, or :data:`STRONG_THRESHOLD` when
the conversation waits for a free-text answer (a name, a date) and only a clear question
should interrupt it.

Imports only the standard library, pydantic, rapidfuzz and ``handlers``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Protocol

from pydantic import AfterValidator, BaseModel, ConfigDict, field_validator, model_validator
from rapidfuzz import fuzz, process

from handlers.text import plain, words
from handlers.types import LANGUAGES
from handlers.yamlfile import ContentError, line_of, load_model, read_yaml

__all__ = [
    "STRONG_THRESHOLD",
    "THRESHOLD",
    "FaqEntry",
    "FaqFile",
    "FaqIndex",
    "FaqMatch",
    "FaqVocabulary",
    "Limits",
    "load_faq",
    "looks_like_question",
]

THRESHOLD = 0.65
STRONG_THRESHOLD = 0.8

_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    return value


def _not_empty(value: list[str]) -> list[str]:
    if not value:
        raise ValueError("needs at least one question")
    return value


# Constraints on the items, so a blank phrasing or answer is reported at its own line.
_Text = Annotated[str, AfterValidator(_not_blank)]
_Phrasings = Annotated[list[_Text], AfterValidator(_not_empty)]


class FaqEntry(BaseModel):
    """One question (in several phrasings, both languages) and its answer."""

    id: str
    questions: dict[str, _Phrasings]
    answer: dict[str, _Text]
    source: _Text

    @field_validator("id")
    @classmethod
    def _id_shape(cls, value: str) -> str:
        if not _ID.match(value):
            raise ValueError("id must be lowercase a-z, 0-9 and single hyphens, e.g. id-vn-la-gi")
        return value

    @field_validator("questions")
    @classmethod
    def _questions_present(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for lang in LANGUAGES:
            if lang not in value:
                raise ValueError(f'needs "{lang}" questions')
        return value

    @field_validator("answer")
    @classmethod
    def _answer_present(cls, value: dict[str, str]) -> dict[str, str]:
        for lang in LANGUAGES:
            if lang not in value:
                raise ValueError(f'needs a "{lang}" answer')
        return value


class FaqFile(BaseModel):
    """The whole of ``content/faq.yaml``."""

    version: int
    entries: list[FaqEntry]

    @field_validator("entries")
    @classmethod
    def _entries_ok(cls, entries: list[FaqEntry]) -> list[FaqEntry]:
        if not entries:
            raise ValueError("at least one entry is needed")
        seen: set[str] = set()
        for entry in entries:
            if entry.id in seen:
                raise ValueError(f"duplicate id {entry.id!r}")
            seen.add(entry.id)
        return entries


@dataclass(frozen=True)
class FaqMatch:
    """The entry a text asks about, and how sure (0..1) the match is."""

    entry: FaqEntry
    score: float


# --- the vocabulary ---------------------------------------------------------------------


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


class Limits(Protocol):
    """The programme's numbers ages and durations are classed by (``program.yaml`` rules)."""

    @property
    def youth_min_age(self) -> int: ...
    @property
    def youth_max_age(self) -> int: ...
    @property
    def enterprise_max_years(self) -> int: ...


# --- normalising tokens ---------------------------------------------------------------

_STOP_WEIGHT = 0.15
_MIN_WEIGHT = 0.3
_FUZZY_MIN_LEN = 4
_FUZZY_CUTOFF = 80.0
_TOKEN_SHARE = 0.7  # the rest is character similarity


class _Reader:
    """Text → normalised tokens, with a :class:`FaqVocabulary` and the programme's numbers."""

    def __init__(self, vocabulary: FaqVocabulary, limits: Limits) -> None:
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
        self._low, self._high = limits.youth_min_age, limits.youth_max_age
        self._max_years = limits.enterprise_max_years

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


# --- recognising a question -----------------------------------------------------------

_QUESTION = re.compile(
    r"\b(?:"
    r"la gi|lam gi|cai gi|gi vay|gi the|gi a|nhung gi|gom gi|"
    r"bao nhieu|bao lau|bao gio|may tuoi|may nam|may thang|may ngay|may gio|"
    r"the nao|nhu nao|ra sao|lam sao|tai sao|vi sao|thi sao|sao vay|sao the|"
    r"o dau|cho nao|noi nao|khi nao|luc nao|hom nao|nao|"
    r"la ai|ai (?:la|duoc|co|giup|ho tro|lo|phu trach)|"
    r"duoc khong|dc khong|duoc ko|dc ko|duoc k|dc k|co phai|phai khong|dung khong|"
    r"hay khong|hay chua|co nen|nen (?:chon|dung|lam)|"
    r"cho (?:minh |toi |em |anh |chi |con |chau )?(?:xin )?hoi|xin hoi|muon hoi|hoi chut|"
    r"what|how|why|when|where|who|which|whose|"
    r"can i|can we|can you|can my|can a|can an|could i|may i|should i|do i|do you|"
    r"does|is it|is there|is my|are there|am i|will i|will it"
    r")\b"
)
_WHAT = re.compile(r"(?<!khong co )\bgi\b")  # "cần giấy tờ gì"; not "không có gì"
_ENDS_ASKING = re.compile(r"\b(?:nhi|ha)$")
_NO_WORDS = frozenset({"khong", "ko", "k", "kg", "khg", "hok", "hong", "hem"})
# Before a final "không" these make a plain answer ("tôi không", "dạ không"), not a question.
_ANSWER_BEFORE_NO = frozenset(
    {"toi", "minh", "em", "anh", "chi", "con", "chau", "da", "vang", "thi", "cung", "chac"}
    | {"van", "toan", "nhe", "a", "ah", "la", "roi"}
)


def looks_like_question(text: str) -> bool:
    """Whether ``text`` reads as a question: a "?" or a Vietnamese/English question word.

    "id.vn là gì", "sau 2 nam co mat phi ko", "cần giấy tờ gì", "how do I register" are
    questions; "Nguyễn Văn An", "15/03/2005", "không", "dạ không", "tôi chưa" and
    "không có gì" are not.
    """
    if "?" in text or "\uff1f" in text:
        return True
    folded = plain(text)
    if not folded:
        return False
    if _QUESTION.search(folded) or _WHAT.search(folded) or _ENDS_ASKING.search(folded):
        return True
    tokens = folded.split()
    last = tokens[-1]
    if len(tokens) < 2 or tokens[-2] in _ANSWER_BEFORE_NO:
        return False
    asks = "co" in tokens[:-1] or "da" in tokens[:-1]  # "có ... không", "đã ... chưa"
    if last == "chua":
        return asks
    return last in _NO_WORDS and (asks or len(tokens) >= 3)


# --- the index --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Phrasing:
    entry: int  # index into FaqIndex._entries
    text: str  # the normalised tokens joined by spaces
    weights: dict[str, float]
    total: float


class FaqIndex:
    """All FAQ entries, prepared for fast matching of typed text."""

    def __init__(
        self, entries: Sequence[FaqEntry], vocabulary: FaqVocabulary, limits: Limits
    ) -> None:
        self._reader = reader = _Reader(vocabulary, limits)
        self._entries: tuple[FaqEntry, ...] = tuple(entries)
        self._by_id: dict[str, FaqEntry] = {e.id: e for e in self._entries}

        tokenised: list[tuple[int, list[str]]] = []
        entry_vocab: list[set[str]] = [set() for _ in self._entries]
        for n, entry in enumerate(self._entries):
            for lang in LANGUAGES:
                for question in entry.questions.get(lang, []):
                    toks = reader.tokens(question)
                    if toks:
                        tokenised.append((n, toks))
                        entry_vocab[n].update(toks)

        count = max(len(self._entries), 1)
        df: dict[str, int] = {}
        for vocab in entry_vocab:
            for tok in vocab:
                df[tok] = df.get(tok, 0) + 1
        self._weight: dict[str, float] = {tok: self._idf(tok, d, count) for tok, d in df.items()}
        # A word the FAQ never uses counts like a word only one entry uses.
        self._unknown_weight = math.log((count + 1) / 1.5)
        # Typos are corrected only towards words that say what a question is about.
        self._vocab: tuple[str, ...] = tuple(
            sorted(
                t for t in df if reader.is_topical(t) and len(t) >= _FUZZY_MIN_LEN and t.isalpha()
            )
        )
        self._fuzzy_cache: dict[str, str | None] = {}

        self._phrasings: list[_Phrasing] = []
        self._postings: dict[str, list[int]] = {}
        seen: set[tuple[int, str]] = set()
        for n, toks in tokenised:
            text = " ".join(toks)
            if (n, text) in seen:
                continue
            seen.add((n, text))
            weights = {tok: self._weight[tok] for tok in set(toks)}
            index = len(self._phrasings)
            self._phrasings.append(_Phrasing(n, text, weights, sum(weights.values())))
            for tok in weights:
                if reader.is_topical(tok):
                    self._postings.setdefault(tok, []).append(index)

    def _idf(self, token: str, df: int, count: int) -> float:
        if token in self._reader.stop:
            return _STOP_WEIGHT
        return max(math.log((count + 1) / (df + 0.5)), _MIN_WEIGHT)

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def entries(self) -> tuple[FaqEntry, ...]:
        return self._entries

    def get(self, entry_id: str) -> FaqEntry | None:
        """The entry with this id, if any."""
        return self._by_id.get(entry_id)

    def _known(self, token: str) -> str | None:
        """``token`` itself if the FAQ uses it, else the closest known word (typos), else None."""
        if token in self._weight:
            return token
        if len(token) < _FUZZY_MIN_LEN or token.isdigit():
            return None
        if token not in self._fuzzy_cache:
            if len(self._fuzzy_cache) > 4096:
                self._fuzzy_cache.clear()
            best = process.extractOne(
                token, self._vocab, scorer=fuzz.ratio, score_cutoff=_FUZZY_CUTOFF
            )
            self._fuzzy_cache[token] = best[0] if best else None
        return self._fuzzy_cache[token]

    def match(self, text: str, strong: bool = False) -> FaqMatch | None:
        """The entry ``text`` most likely asks about, or None when nothing is close enough.

        ``strong`` asks for a clearly worded question (a higher threshold): used while the
        conversation waits for a free-text answer such as a name or a date.
        """
        if not text or not self._phrasings:
            return None
        raw = self._reader.tokens(text[:1000])
        if not raw:
            return None

        query: dict[str, float] = {}
        for tok in raw:
            known = self._known(tok)
            if known is None:
                query[tok] = _STOP_WEIGHT if tok in self._reader.stop else self._unknown_weight
            else:
                query[known] = self._weight[known]
        query_total = sum(query.values())
        query_text = " ".join(self._known(t) or t for t in raw)

        candidates: set[int] = set()
        for tok in query:
            candidates.update(self._postings.get(tok, ()))
        if not candidates:
            return None

        best: dict[int, float] = {}
        for index in candidates:
            phrasing = self._phrasings[index]
            shared = sum(w for tok, w in phrasing.weights.items() if tok in query)
            if shared <= 0:
                continue
            recall_query = shared / query_total
            recall_phrasing = shared / phrasing.total
            f1 = 2 * recall_query * recall_phrasing / (recall_query + recall_phrasing)
            chars = fuzz.ratio(query_text, phrasing.text) / 100.0
            score = _TOKEN_SHARE * f1 + (1 - _TOKEN_SHARE) * chars
            if score > best.get(phrasing.entry, 0.0):
                best[phrasing.entry] = score

        if not best:
            return None
        entry_index, score = max(best.items(), key=lambda item: (item[1], -item[0]))
        if score < (STRONG_THRESHOLD if strong else THRESHOLD):
            return None
        return FaqMatch(self._entries[entry_index], round(score, 4))


def load_faq(path: Path, vocabulary: FaqVocabulary, limits: Limits) -> FaqIndex:
    """Read and validate ``content/faq.yaml``; any mistake is a ContentError with the line.

    ``vocabulary`` is the ``faq:`` section of ``content/understanding.yaml``; ``limits`` are
    the programme's rules from ``content/program.yaml``.
    """
    try:
        faq, _node = load_model(path, FaqFile)
    except ContentError as exc:
        duplicate = _DUPLICATE.search(exc.problem)
        if duplicate is None:
            raise
        # The model sees the whole list; point at the id used a second time instead.
        raise _duplicate_error(path, duplicate.group(1)) from exc
    return FaqIndex(faq.entries, vocabulary, limits)


_DUPLICATE = re.compile(r"duplicate id '([^']+)'")


def _duplicate_error(path: Path, entry_id: str) -> ContentError:
    """A repeated id, reported at its second use and naming the line of the first."""
    data, node = read_yaml(path)
    entries = data.get("entries") if isinstance(data, dict) else None
    first: int | None = None
    for n, item in enumerate(entries if isinstance(entries, list) else []):
        if isinstance(item, dict) and item.get("id") == entry_id:
            line = line_of(node, ("entries", n, "id"))
            if first is not None:
                return ContentError(
                    path, line, f"entries.{n}.id: duplicate id {entry_id!r} (first on line {first})"
                )
            first = line
    return ContentError(path, first, f"entries: duplicate id {entry_id!r}")
