"""A resident saying they registered ("mình đăng ký rồi: lan.id.vn", the "Đã đăng ký"
button of the team's follow-up question): the name is read from the message, or asked
for; a name of the programme (one label under id.vn or biz.vn) is thanked for and recorded
as self-reported (:class:`~handlers.types.RecordRegistration`); any other gets a friendly
word on what is wrong, and the question again. "Chưa" to the follow-up is answered kindly.

Imports only ``handlers`` (domains, turn, types, steps.moves).
"""

from __future__ import annotations

from handlers.domains import name_in, programme_name
from handlers.steps.moves import goto
from handlers.turn import MAX_FREE_ANSWER, Miss, Outcome, Turn
from handlers.types import Message, RecordRegistration

STEP = "registered_domain"


def report_registered(turn: Turn) -> Outcome:
    """The "registered" command: with a name in the message, record it; else ask for it."""
    typed = name_in(turn.text) if turn.text else None
    if typed is None:
        return goto(turn, STEP)
    return _recorded(turn, typed) or goto(turn, STEP, [_problem(turn, typed)])


def not_yet(turn: Turn) -> Outcome:
    """ "Chưa" to the follow-up question."""
    return goto(turn, "idle", [turn.say("registered.not_yet")])


def ask_domain(turn: Turn) -> list[Message]:
    return [turn.say("registered.ask", turn.button("menu", "menu"))]


def answer_domain(turn: Turn, payload: str | None) -> Outcome | Miss:
    if payload is not None or not turn.text or len(turn.text) > MAX_FREE_ANSWER:
        return Miss("registered.problem.invalid")
    typed = name_in(turn.text) or turn.text.strip()
    done = _recorded(turn, typed)
    if done is not None:
        return done
    checked = programme_name(typed)
    return Miss(f"registered.problem.{checked.problem}", {"name": checked.name or typed})


def _recorded(turn: Turn, typed: str) -> Outcome | None:
    checked = programme_name(typed)
    if not checked.ok or checked.name is None:
        return None
    thanks = turn.say("registered.thanks", name=checked.name, kind=checked.kind)
    return goto(turn, "idle", [thanks], [RecordRegistration(checked.name)])


def _problem(turn: Turn, typed: str) -> Message:
    checked = programme_name(typed)
    return turn.say(f"registered.problem.{checked.problem}", name=checked.name or typed)
