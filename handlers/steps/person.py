"""The person: their birth date (typed any way :mod:`handlers.dates` reads), then whether
they are a Vietnamese citizen — unless the date alone decides (:mod:`handlers.steps.told`).

Imports only the standard library and ``handlers`` (dates, facts, rules, turn, types,
steps.told, steps.verdict).
"""

from __future__ import annotations

from datetime import date

from handlers import rules
from handlers.dates import DateProblem, parse_birth
from handlers.facts import Facts
from handlers.steps.told import told
from handlers.steps.verdict import verdict
from handlers.turn import Miss, Outcome, Turn
from handlers.types import Message


def ask_birth(turn: Turn) -> list[Message]:
    need = turn.state.slots.get("need_exact")
    if need:
        return [turn.say("person.need_exact", given=need)]
    if turn.state.slots.get("relative"):
        return [turn.say("understanding.relative_birth")]
    return [turn.say("person.ask_birth")]


def answer_birth(turn: Turn, payload: str | None) -> Outcome | Miss:
    """A birth date, a month, a year or an age (a typed message with one is read as facts
    by the engine first; this reads what is left): the check goes on as for any facts."""
    if not turn.text:
        return Miss("problem.choice")
    r = parse_birth(turn.text, turn.today)
    if isinstance(r, DateProblem):
        return Miss("problem.date_" + r.value)
    return told(turn, Facts(birth=r))


def ask_citizen(turn: Turn) -> list[Message]:
    key = (
        "understanding.relative_citizen"
        if turn.state.slots.get("relative")
        else "person.ask_citizen"
    )
    return [turn.say(key, turn.button("yes", "yes"), turn.button("no", "no"))]


def answer_citizen(turn: Turn, payload: str | None) -> Outcome | Miss:
    if payload not in ("yes", "no"):
        return Miss("problem.yes_no")
    slots = turn.state.slots
    first, last = date.fromisoformat(slots["birth_first"]), date.fromisoformat(slots["birth_last"])
    ruleset = turn.content.rules
    if payload == "no":
        e = rules.check_person(last, turn.today, ruleset, citizen=False)
    else:
        e = rules.check_person_range(first, last, turn.today, ruleset) or rules.check_person(
            last, turn.today, ruleset
        )
    return verdict(turn, e)
