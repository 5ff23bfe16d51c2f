"""What a step works with: the :class:`Turn` it sees, the :class:`Outcome` it returns or
the :class:`Miss` it reports, and the :class:`Step` record the table in
:mod:`handlers.steps.flow` is made of. Plain data and small helpers; no flow logic.
Imports only the standard library and ``handlers`` (content, types).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from handlers.content import Content
from handlers.types import (
    Button,
    ConversationState,
    Effect,
    Eligibility,
    Inbound,
    Message,
)

MAX_FREE_ANSWER = 100  # the longest free-text answer a step reads (an area, a time, a name idea)


@dataclass(frozen=True)
class Turn:
    """What a step sees: the state, what the person did, today, the words to use, and the
    flow's steps by name (so a step moves to another by its name alone)."""

    state: ConversationState
    inbound: Inbound
    today: date
    content: Content
    steps: Mapping[str, Step]
    text: str = ""

    def t(self, key: str, **params: Any) -> str:
        return self.content.render(self.state.lang, key, today=self.today, **params)

    def button(self, key: str, payload: str) -> Button:
        return Button(self.t("buttons." + key), payload=payload)

    def link(self, key: str, url: str) -> Button:
        return Button(self.t("buttons." + key), url=url)

    def say(self, key: str, *buttons: Button, **params: Any) -> Message:
        return Message(self.t(key, **params), tuple(buttons))

    def bubbles(self, key: str, *buttons: Button, **params: Any) -> list[Message]:
        """A longer text as several short messages: a blank line in the template starts a
        new one; the buttons go under the last."""
        parts = [p.strip() for p in self.t(key, **params).split("\n\n") if p.strip()]
        return [
            Message(p, tuple(buttons) if i == len(parts) - 1 else ()) for i, p in enumerate(parts)
        ]

    def moved(self, state: ConversationState) -> Turn:
        return replace(self, state=state)


@dataclass
class Outcome:
    state: ConversationState | None  # None: forget this conversation (data deleted)
    messages: list[Message]
    effects: list[Effect] = field(default_factory=list)
    eligibility: Eligibility | None = None


@dataclass(frozen=True)
class Miss:
    """The step did not understand; ``hint`` names a message saying what was wrong."""

    hint: str | None = None
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Step:
    ask: Callable[[Turn], list[Message]]
    answer: Callable[[Turn, str | None], Outcome | Miss]
    free_text: bool = False  # the answer is free text: a clear question goes to the FAQ first
    returns_after_faq: bool = True  # after an FAQ answer, say "back to the question"
    reads_tax_code: bool = False  # a tax code typed here is looked up in the business registry


def offered(messages: list[Message]) -> tuple[tuple[str, str], ...]:
    """The (payload, title) of every choice button in a reply, in the order shown: the
    numbering a typed "2" refers to, on every channel."""
    return tuple((b.payload, b.title) for m in messages for b in m.buttons if b.payload is not None)
