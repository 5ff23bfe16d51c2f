"""Moving between steps: :func:`goto` a step and ask its question, :func:`reask` the current
one, answer an FAQ question in the middle of a step (:func:`faq_answer`), and :func:`to`, a
command that only moves.

Steps are found by name in the turn's table (``turn.steps``, :data:`handlers.steps.flow.
STEPS`). Imports only the standard library and ``handlers`` (faq, turn, types).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from handlers.faq import FaqMatch
from handlers.turn import Outcome, Turn, offered
from handlers.types import ConversationState, Effect, Eligibility, Message


def goto(
    turn: Turn,
    step_name: str,
    before: Sequence[Message] = (),
    effects: Sequence[Effect] = (),
    eligibility: Eligibility | None = None,
    state: ConversationState | None = None,
    misses: int = 0,
) -> Outcome:
    """Move to ``step_name`` and ask its question after the messages in ``before``."""
    new = replace(state or turn.state, step=step_name, misses=misses)
    messages = [*before, *turn.steps[step_name].ask(turn.moved(new))]
    new = replace(new, choices=offered(messages))
    return Outcome(new, messages, list(effects), eligibility)


def reask(turn: Turn, before: Sequence[Message], misses: int = 0) -> Outcome:
    """Stay on the current step: say ``before``, then ask its question again."""
    return goto(turn, turn.state.step, before, misses=misses)


def faq_answer(turn: Turn, match: FaqMatch) -> Outcome:
    """The answer to an FAQ question, then the current step's question again."""
    lang = turn.state.lang
    answer = Message(match.entry.answer.get(lang) or match.entry.answer["vi"])
    if turn.steps[turn.state.step].returns_after_faq:
        return reask(turn, [answer, turn.say("faq.back")], misses=turn.state.misses)
    return reask(turn, [answer], misses=turn.state.misses)


def to(step_name: str) -> Callable[[Turn], Outcome]:
    """A command that moves to ``step_name`` and asks its question."""

    def go(turn: Turn) -> Outcome:
        return goto(turn, step_name)

    return go
