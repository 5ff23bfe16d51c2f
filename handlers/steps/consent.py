"""The consent step, written once: :func:`consent_step` builds it for any
:class:`~handlers.types.Purpose` (the team's call, programme news, the birthday reminder).

The step shows the purpose's wording (a message key in content/, rendered with any details
the purpose needs) with agree / disagree buttons. Any answer is recorded — the purpose, the
version of that wording from ``ward.yaml`` and the hash of the exact text shown — and
handed to the purpose's own ``answered`` function, which says what follows.

Imports only the standard library and ``handlers`` (turn, types).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from handlers.turn import Miss, Outcome, Step, Turn
from handlers.types import Message, Purpose, RecordConsent

Details = Callable[[Turn], dict[str, Any]]  # what the wording needs besides its version
Answered = Callable[[Turn, RecordConsent], Outcome]  # what follows a recorded answer


@dataclass(frozen=True)
class ConsentQuestion:
    """What one consent step asks and does with the answer. Its methods run at each turn
    (not closures built when the flow is), so what they do is what the tests exercise."""

    purpose: Purpose
    notice: str
    answered: Answered
    details: Details | None = None

    def version(self, turn: Turn) -> str:
        return turn.content.ward.privacy.version(self.purpose)

    def text(self, turn: Turn) -> str:
        extra = self.details(turn) if self.details else {}
        return turn.t(self.notice, **extra)  # the version is in the record, not the text

    def ask(self, turn: Turn) -> list[Message]:
        agree, disagree = turn.button("agree", "yes"), turn.button("disagree", "no")
        return [Message(self.text(turn), (agree, disagree))]

    def answer(self, turn: Turn, payload: str | None) -> Outcome | Miss:
        if payload not in ("yes", "no"):
            return Miss("problem.consent")
        record = RecordConsent(
            purpose=self.purpose,
            version=self.version(turn),
            text_hash=turn.content.text_hash(self.text(turn)),
            granted=payload == "yes",
        )
        return self.answered(turn, record)


def consent_step(
    purpose: Purpose, notice: str, answered: Answered, details: Details | None = None
) -> Step:
    """A step asking for consent to ``purpose`` with the message ``notice``."""
    question = ConsentQuestion(purpose, notice, answered, details)
    return Step(question.ask, question.answer)
