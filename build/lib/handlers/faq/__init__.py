"""Frequently asked questions: answering what a resident types from ``content/faq.yaml``.

- :mod:`handlers.faq.model` — the file's content model (:class:`FaqEntry`, :class:`FaqFile`);
- :mod:`handlers.faq.load` — :func:`load_faq`: validate, render the answer templates, index;
- :mod:`handlers.faq.reading` — how typed text is read (:class:`FaqVocabulary`, the reader);
- :mod:`handlers.faq.index` — :class:`FaqIndex`, "which entry is this person asking about?";
- :mod:`handlers.faq.question` — :func:`looks_like_question`, a question or an answer?

The names below are the package's public face; code outside it imports them from here.
The modules import only the standard library, pydantic, jinja2, rapidfuzz and ``handlers``
(never ``handlers.content``, which imports this package).
"""

from handlers.faq.index import STRONG_THRESHOLD, THRESHOLD, FaqIndex, FaqMatch
from handlers.faq.load import load_faq
from handlers.faq.model import FaqEntry, FaqFile
from handlers.faq.question import looks_like_question
from handlers.faq.reading import FaqVocabulary

__all__ = [
    "STRONG_THRESHOLD",
    "THRESHOLD",
    "FaqEntry",
    "FaqFile",
    "FaqIndex",
    "FaqMatch",
    "FaqVocabulary",
    "load_faq",
    "looks_like_question",
]
