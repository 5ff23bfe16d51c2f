"""Moving between steps: :func:`goto` a step and ask its question, :func:`reask` the current
one, answer an FAQ question in the middle of a step (:func:`faq_answer`), answer any
question typed at a step — from the FAQ or honestly unsure — and ask the step's question again
in one short line (:func:`answer_asked`, :func:`short_reask`), and :func:`to`, a command that
only moves.

Steps are found by name in the turn's table (``turn.steps``, :data:`handlers.steps.flow.
STEPS`). Imports only the standard library, jinja2 and ``handlers`` (faq, turn, types).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

import jinja2

from handlers.faq import FaqMatch
from handlers.turn import Outcome, Turn, offered
from handlers.types import Button, ConversationState, Effect, Eligibility, Message


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


def short_reask(turn: Turn, before: Sequence[Message]) -> Outcome:
    """Stay on the current step: say ``before``, then its question again in one short line
    (``reask.<step>`` in messages.yaml) with the same buttons; the full question when the
    step has no short line."""
    step_name = turn.state.step
    asked = turn.steps[step_name].ask(turn)
    try:
        line = turn.t("reask." + step_name)
    except jinja2.TemplateNotFound:
        return reask(turn, before, misses=turn.state.misses)
    buttons: tuple[Button, ...] = tuple(b for m in asked for b in m.buttons)
    share = next((m.share_contact for m in asked if m.share_contact), None)
    messages = [*before, Message(line, buttons, share_contact=share)]
    new = replace(turn.state, misses=turn.state.misses, choices=offered(messages))
    return Outcome(new, messages)


def answer_asked(turn: Turn, match: FaqMatch | None) -> Outcome:
    """A question typed at any step: the FAQ's answer, or honestly "not sure" and how to
    reach a person; then the step's question again in one short line."""
    if match is not None:
        lang = turn.state.lang
        said = Message(match.entry.answer.get(lang) or match.entry.answer["vi"])
    else:
        said = turn.say("understanding.unsure", turn.button("help", "help"))
    return short_reask(turn, [said])
