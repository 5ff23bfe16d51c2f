"""The person: their birth date (typed any way :mod:`handlers.dates` reads), then whether
they are a Vietnamese citizen — unless the date alone decides.

Imports only the standard library and ``handlers`` (dates, rules, turn, types, steps.moves,
steps.verdict).
"""

from __future__ import annotations

from datetime import date

from handlers import rules
from handlers.dates import DateProblem, DateRange, parse_birth
from handlers.steps.moves import goto
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


def _age_band(r: DateRange, today: date) -> int:
    return rules.full_years(r.last, today)  # the youngest the person can be


def answer_birth(turn: Turn, payload: str | None) -> Outcome | Miss:
    if not turn.text:
        return Miss("problem.choice")
    r = parse_birth(turn.text, turn.today)
    if isinstance(r, DateProblem):
        return Miss("problem.date_" + r.value)
    ruleset = turn.content.rules
    try:
        e = rules.check_person_range(r.first, r.last, turn.today, ruleset)
    except rules.BadDate:
        return Miss("problem.date_future")
    if e is None:
        given = {"kind": r.kind}  # not what was typed: nothing personal is kept
        return goto(turn, "person_birth", state=turn.state.with_slots(need_exact=given))
    minor = _age_band(r, turn.today) < turn.content.ward.privacy.minimum_age_to_store and not (
        turn.state.slots.get("relative")
    )
    if e.reason == rules.ELIGIBLE_YOUTH:
        state = turn.state.with_slots(
            birth_first=r.first.isoformat(), birth_last=r.last.isoformat(), need_exact=None
        )
        return goto(turn, "person_citizen", state=state)
    return verdict(turn, e, minor=minor)


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
