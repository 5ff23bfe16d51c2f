"""The content model of ``content/faq.yaml``: :class:`FaqEntry` and :class:`FaqFile`.

An entry's answers are Jinja2 templates in the file (so the programme's numbers come from
``content/program.yaml``); :func:`handlers.faq.load.load_faq` renders them, and the entries
the rest of the code sees hold the rendered text. Imports only the standard library,
pydantic and ``handlers.types``.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, field_validator

from handlers.types import LANGUAGES

__all__ = ["FaqEntry", "FaqFile"]

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
