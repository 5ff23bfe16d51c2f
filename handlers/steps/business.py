"""Business: an enterprise's founding date (a day, a month or a year), or whether a
household business holds its registration certificate — or, at either question, its tax
code, checked against the ward's business registry.

A tax code the registry holds (the turn runner puts its business on
:attr:`~handlers.types.Inbound.business`) answers the question from the registry: the
founding day of an enterprise, the certificate of a household business; the registry's kind
wins over what the resident chose, and the conversation keeps the business's id so the lead
is recorded as verified. A tax code the registry does not hold leads to the usual question,
and one that is not a tax code is said so; neither is kept.

Imports only the standard library and ``handlers`` (dates, rules, taxcodes, turn, types,
steps.moves, steps.verdict).
"""

from __future__ import annotations

from handlers import rules
from handlers.dates import DateProblem, parse_founding
from handlers.steps.moves import goto, reask
from handlers.steps.verdict import verdict
from handlers.taxcodes import TaxCodeProblem, shown, typed
from handlers.turn import Miss, Outcome, Turn
from handlers.types import Message, RegistryBusiness

ENTERPRISE = "enterprise"
HOUSEHOLD = "household"
STEP_OF = {ENTERPRISE: "enterprise_founded", HOUSEHOLD: "household_certificate"}


def _offers_tax_code(turn: Turn) -> bool:
    """The question mentions the tax code until one was given (and did not settle it)."""
    return not turn.state.slots.get("tax_code_tried")


def ask_founded(turn: Turn) -> list[Message]:
    need = turn.state.slots.get("need_exact")
    if need:
        return [turn.say("enterprise.need_exact", given=need)]
    return [turn.say("enterprise.ask_founded", tax_code=_offers_tax_code(turn))]


def answer_founded(turn: Turn, payload: str | None) -> Outcome | Miss:
    if not turn.text:
        return Miss("problem.choice")
    by_code = tax_code_given(turn)
    if by_code is not None:
        return by_code
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
            tax_code=_offers_tax_code(turn),
        )
    ]


def answer_certificate(turn: Turn, payload: str | None) -> Outcome | Miss:
    if payload is None and turn.text:
        by_code = tax_code_given(turn)
        if by_code is not None:
            return by_code
    if payload not in ("yes", "no"):
        return Miss("problem.yes_no")
    return verdict(turn, rules.check_household(payload == "yes", turn.today, turn.content.rules))


def tax_code_given(turn: Turn) -> Outcome | None:
    """The answer when the message gives a tax code; None when it gives none."""
    code = typed(turn.text)
    if code is None:
        return None
    if code is TaxCodeProblem.INVALID:  # the step is kept, and so is what was answered
        return reask(turn, [turn.say("tax_code.invalid")], misses=turn.state.misses)
    found = turn.inbound.business
    if found is None or found.tax_code != code:  # the usual questions, without the offer
        unknown = turn.moved(turn.state.with_slots(tax_code_tried=True))
        return reask(unknown, [turn.say("tax_code.unknown")])
    return verified(turn, found)


def verified(turn: Turn, found: RegistryBusiness) -> Outcome:
    """The registry answers for the business: its kind, its day, then the verdict."""
    kind = found.kind if found.kind in STEP_OF else str(turn.state.slots.get("applicant"))
    said: list[Message] = []
    if kind != turn.state.slots.get("applicant"):
        said.append(turn.say("tax_code.kind_differs", name=found.name, kind=kind))
    state = turn.state.with_slots(
        applicant=kind, business_id=found.id, need_exact=None, tax_code_tried=True
    )
    moved = turn.moved(state)
    code = shown(found.tax_code)
    ruleset = turn.content.rules
    if kind == HOUSEHOLD:
        said.append(turn.say("tax_code.household", name=found.name, code=code, on=found.started_on))
        e = rules.check_household(True, turn.today, ruleset)
        return verdict(moved, e, before=said)
    if found.started_on is not None:
        try:
            e = rules.check_enterprise(found.started_on, turn.today, ruleset)
        except rules.BadDate:  # a day the list got wrong: the resident gives it
            pass
        else:
            on = found.started_on
            said.append(turn.say("tax_code.enterprise", name=found.name, code=code, on=on))
            return verdict(moved, e, before=said)
    said.append(turn.say("tax_code.enterprise_no_date", name=found.name, code=code))
    return goto(moved, STEP_OF[ENTERPRISE], said, state=state)
