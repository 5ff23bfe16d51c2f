"""Business: an enterprise's founding date (a day, a month or a year), or whether a
household business holds its registration certificate.

Imports only ``handlers`` (dates, rules, turn, types, steps.moves, steps.verdict).
"""

from __future__ import annotations

from handlers import rules
from handlers.dates import DateProblem, parse_founding
from handlers.steps.moves import goto
from handlers.steps.verdict import verdict
from handlers.turn import Miss, Outcome, Turn
from handlers.types import Message


def ask_founded(turn: Turn) -> list[Message]:
    need = turn.state.slots.get("need_exact")
    if need:
        return [turn.say("enterprise.need_exact", given=need)]
    return [turn.say("enterprise.ask_founded")]


def answer_founded(turn: Turn, payload: str | None) -> Outcome | Miss:
    if not turn.text:
        return Miss("problem.choice")
    r = parse_founding(turn.text, turn.today)
    if isinstance(r, DateProblem):
        return Miss("problem.date_" + r.value)
    try:
        e = rules.check_enterprise_range(r.first, r.last, turn.today, turn.content.rules)
    except rules.BadDate:
        return Miss("problem.date_future")
    if e is None:
        given = {"kind": r.kind}  # not what was typed: nothing personal is kept
        return goto(turn, "enterprise_founded", state=turn.state.with_slots(need_exact=given))
    return verdict(turn, e)


def ask_certificate(turn: Turn) -> list[Message]:
    return [
        turn.say(
            "household.ask_certificate",
            turn.button("has_certificate", "yes"),
            turn.button("no_certificate", "no"),
        )
    ]


def answer_certificate(turn: Turn, payload: str | None) -> Outcome | Miss:
    if payload not in ("yes", "no"):
        return Miss("problem.yes_no")
    return verdict(turn, rules.check_household(payload == "yes", turn.today, turn.content.rules))
