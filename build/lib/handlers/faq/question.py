"""Telling a question from an answer: :func:`looks_like_question`.

While the conversation waits for a free-text answer (a name, a date), only text that reads
as a question goes to the FAQ first. Imports only the standard library and
``handlers.text``.
"""

from __future__ import annotations

import re

from handlers.text import plain

__all__ = ["looks_like_question"]


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
