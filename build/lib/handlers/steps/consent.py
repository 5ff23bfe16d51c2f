"""The consent step, written once: :func:`consent_step` builds it for any
:class:`~handlers.types.Purpose` (the team's call, programme news, the birthday reminder).

The step shows the purpose's wording (a message key in content/, rendered with the version
of that wording from ``ward.yaml`` and any details the purpose needs) with agree / disagree
buttons. Any answer is recorded — the purpose, the version and the hash of the exact text
shown — and handed to the purpose's own ``answered`` function, which says what follows.

Imports only the standard library and ``handlers`` (turn, types).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from handlers.turn import Miss, Outcome, Step, Turn
from handlers.types import Message, Purpose, RecordConsent

Details = Callable[[Turn], dict[str, Any]]  # what the wording needs besides its version
Answered = Callable[[Turn, RecordConsent], Outcome]  # what follows a recorded answer


def consent_step(
    purpose: Purpose, notice: str, answered: Answered, details: Details | None = None
) -> Step:
    """A step asking for consent to ``purpose`` with the message ``notice``."""

    def version(turn: Turn) -> str:
        return turn.content.ward.privacy.version(purpose)

    def text(turn: Turn) -> str:
        return turn.t(notice, version=version(turn), **(details(turn) if details else {}))

    def ask(turn: Turn) -> list[Message]:
        return [Message(text(turn), (turn.button("agree", "yes"), turn.button("disagree", "no")))]

    def answer(turn: Turn, payload: str | None) -> Outcome | Miss:
        if payload not in ("yes", "no"):
            return Miss("problem.consent")
        record = RecordConsent(
            purpose=purpose,
            version=version(turn),
            text_hash=turn.content.text_hash(text(turn)),
            granted=payload == "yes",
        )
        return answered(turn, record)

    return Step(ask, answer)
