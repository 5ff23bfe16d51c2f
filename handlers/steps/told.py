"""Several facts in one message, at any step: :func:`told` fills every slot the message gives
(who the check is for, a birth date or an age or a year, citizenship, a founding date, a
household's certificate, asking for a relative) and asks only what is still missing — or
says the verdict when nothing is. The verdict itself is :mod:`handlers.rules`'; this module
only turns the facts into what the rules need.

Imports only the standard library and ``handlers`` (dates, facts, rules, turn, types,
steps.moves, steps.start, steps.verdict).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from handlers import rules
from handlers.dates import DateRange
from handlers.facts import ENTERPRISE, HOUSEHOLD, PERSON, Facts
from handlers.steps.moves import goto, short_reask
from handlers.steps.start import FIRST_STEP, KEPT
from handlers.steps.verdict import verdict
from handlers.turn import Miss, Outcome, Turn
from handlers.types import ConversationState, Eligibility, Message

# The steps of the check: facts typed here belong to the flow under way.
CHECK_STEPS = ("person_birth", "person_citizen", "enterprise_founded", "household_certificate")
RELATIVE = "relative"  # the check is for someone else (a child, a grandchild…)


def _fresh(turn: Turn, kind: str, relative: bool) -> ConversationState:
    slots = {k: v for k, v in turn.state.slots.items() if k in KEPT}
    return replace(
        turn.state,
        slots={**slots, "greeted": True, "applicant": kind, RELATIVE: relative or None},
    )


def told(turn: Turn, facts: Facts) -> Outcome | Miss:
    """Everything ``facts`` says, then the next question or the verdict."""
    slots = turn.state.slots
    under_way = turn.state.step in CHECK_STEPS
    current = str(slots.get("applicant")) if under_way else None
    kind = facts.kind or current
    if kind is None:  # "tôi hỏi cho cháu": noted, and the same question again
        state = turn.state.with_slots(relative=True if facts.relative else slots.get(RELATIVE))
        moved = turn.moved(state)
        said = [moved.say("understanding.noted_relative")] if facts.relative else []
        return short_reask(moved, said)
    relative = facts.relative or bool(under_way and slots.get(RELATIVE))
    state = turn.state if kind == current else _fresh(turn, kind, relative)
    if relative:
        state = state.with_slots(relative=True)
    moved = turn.moved(state)
    if kind == PERSON:
        return _person(moved, facts)
    if kind == ENTERPRISE:
        return _enterprise(moved, facts)
    if kind == HOUSEHOLD:
        if facts.certificate is None:
            return goto(moved, FIRST_STEP[HOUSEHOLD], state=state)
        e = rules.check_household(facts.certificate, turn.today, turn.content.rules)
        return verdict(moved, e)
    return Miss("problem.choice")


def _person(turn: Turn, facts: Facts) -> Outcome | Miss:
    slots = turn.state.slots
    citizen = facts.citizen if facts.citizen is not None else slots.get("citizen")
    birth = facts.birth
    if birth is None and slots.get("birth_first"):
        first = date.fromisoformat(str(slots["birth_first"]))
        last = date.fromisoformat(str(slots["birth_last"]))
        birth = DateRange(first, last, str(slots.get("birth_kind", "exact")))
    state = turn.state.with_slots(citizen=citizen)
    if birth is None:
        return goto(turn, "person_birth", state=state)
    ruleset = turn.content.rules
    try:
        e = rules.check_person_range(birth.first, birth.last, turn.today, ruleset)
    except rules.BadDate:
        return Miss("problem.date_future")
    if e is None:
        state = state.with_slots(need_exact={"kind": birth.kind})
        return goto(turn, "person_birth", state=state)
    youngest = rules.full_years(birth.last, turn.today)
    minor = youngest < turn.content.ward.privacy.minimum_age_to_store and not slots.get(RELATIVE)
    before = _note(turn, birth, e)
    if e.reason == rules.ELIGIBLE_YOUTH:
        if citizen is None:
            state = state.with_slots(
                birth_first=birth.first.isoformat(),
                birth_last=birth.last.isoformat(),
                birth_kind=birth.kind,
                need_exact=None,
            )
            return goto(turn, "person_citizen", state=state)
        if citizen is False:
            e = rules.check_person(birth.last, turn.today, ruleset, citizen=False)
    return verdict(turn.moved(state), e, minor=minor, before=before)


def _note(turn: Turn, birth: DateRange, e: Eligibility) -> list[Message]:
    """Where only an age or a year was given and a date in the verdict depends on the
    birthday, a line saying so."""
    if (
        birth.kind in ("age", "year", "month")
        and e.reason == rules.TOO_YOUNG
        and (e.eligible_from is None)
    ):
        return [turn.say("understanding.note_birthday", given={"kind": birth.kind})]
    return []


def _enterprise(turn: Turn, facts: Facts) -> Outcome | Miss:
    if facts.founded is None:
        return goto(turn, FIRST_STEP[ENTERPRISE], state=turn.state)
    try:
        e = rules.check_enterprise_range(
            facts.founded.first, facts.founded.last, turn.today, turn.content.rules
        )
    except rules.BadDate:
        return Miss("problem.date_future")
    if e is None:
        state = turn.state.with_slots(need_exact={"kind": facts.founded.kind})
        return goto(turn, FIRST_STEP[ENTERPRISE], state=state)
    return verdict(turn, e)
