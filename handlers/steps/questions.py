"""The "ask a question" mode: every message is looked up in the FAQ until the person
leaves through the menu.

Imports only ``handlers`` (turn, types, steps.moves).
"""

from __future__ import annotations

from handlers.steps.moves import faq_answer, reask, short_reask
from handlers.turn import Miss, Outcome, Turn
from handlers.types import Message


def ask_question_mode(turn: Turn) -> list[Message]:
    return [turn.say("ask.prompt", turn.button("menu", "menu"))]


def answer_question(turn: Turn, payload: str | None) -> Outcome | Miss:
    if not turn.text:
        return Miss("problem.choice")
    match = turn.content.faq.match(turn.text)
    if match:
        return short_reask(turn, [faq_answer(turn, match).messages[0]])
    buttons = [turn.button("help", "help"), turn.button("menu", "menu")]
    return reask(turn, [turn.say("ask.unknown", *buttons)])
