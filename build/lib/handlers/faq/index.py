"""Matching typed questions to FAQ entries: :class:`FaqIndex` and :class:`FaqMatch`.

The text and every phrasing of every entry, in both languages, become normalised tokens
(:class:`~handlers.faq.reading.Reader`). A phrasing's score is ``0.7 × weighted F1 of
shared tokens + 0.3 × rapidfuzz.fuzz.ratio`` of the token strings. Tokens weigh by rarity
across entries (``id``, ``biz`` a lot, ``tên miền`` little, particles such as "là",
"không", "ạ" almost nothing); a word the FAQ never uses weighs like the rarest, so "thời
tiết hôm nay thế nào" stays far from "đăng ký như thế nào". A typo in a longer word is read
as the closest known word. Only phrasings sharing a topical token (not a particle or a
question kind) are scored. An entry scores its best phrasing; the best entry wins from
:data:`THRESHOLD`, or :data:`STRONG_THRESHOLD` when the conversation waits for a free-text
answer (a name, a date) and only a clear question should interrupt it.

Imports only the standard library, rapidfuzz and ``handlers`` (faq.model, faq.reading,
rules, types).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from handlers.faq.model import FaqEntry
from handlers.faq.reading import FaqVocabulary, Reader
from handlers.rules import ProgramRules
from handlers.types import LANGUAGES

__all__ = ["STRONG_THRESHOLD", "THRESHOLD", "FaqIndex", "FaqMatch"]

THRESHOLD = 0.65
STRONG_THRESHOLD = 0.8

_STOP_WEIGHT = 0.15
_MIN_WEIGHT = 0.3
_FUZZY_MIN_LEN = 4
_FUZZY_CUTOFF = 80.0
_TOKEN_SHARE = 0.7  # the rest is character similarity


@dataclass(frozen=True)
class FaqMatch:
    """The entry a text asks about, and how sure (0..1) the match is."""

    entry: FaqEntry
    score: float


@dataclass(frozen=True)
class _Phrasing:
    entry: int  # index into FaqIndex._entries
    text: str  # the normalised tokens joined by spaces
    weights: dict[str, float]
    total: float


class FaqIndex:
    """All FAQ entries, prepared for fast matching of typed text."""

    def __init__(
        self, entries: Sequence[FaqEntry], vocabulary: FaqVocabulary, rules: ProgramRules
    ) -> None:
        self._reader = reader = Reader(vocabulary, rules)
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
