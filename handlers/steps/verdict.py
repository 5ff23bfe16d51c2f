"""The verdict: saying what :mod:`handlers.rules` decided and what comes next — domain-name
ideas when eligible (after the offer, in short messages); otherwise the next step for that
reason (and, for someone who is too young, the offer of a reminder on their 18th birthday —
only when that birthday comes before the programme's end date: a reminder never sends
anyone to a free offer the ward's plan no longer runs).

Imports only the standard library and ``handlers`` (rules, turn, types, steps.moves).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from handlers import rules
from handlers.steps.moves import goto
from handlers.turn import Outcome, Turn
from handlers.types import CountVerdict, Effect, Eligibility, Message

# What a verdict keeps of the slots: the greeting and the consents (a lead's, training's), and
# the registry business the resident proved to be by its tax code
# (:mod:`handlers.steps.business`), for the lead; and that the resident asked for a relative
# (the verdict is about them, the lead is the asker's).
KEPT = ("greeted", "consented", "business_id", "training_consented", "relative")


def verdict(
    turn: Turn, e: Eligibility, minor: bool = False, before: Sequence[Message] = ()
) -> Outcome:
    """Say ``before``, then the verdict ``e`` and what follows it."""
    relative = bool(turn.state.slots.get("relative"))
    e = replace(e, message=turn.t("verdict." + e.reason, e=e, relative=relative))
    applicant = str(turn.state.slots.get("applicant", "person"))
    keep = {k: v for k, v in turn.state.slots.items() if k in KEPT}  # a new verdict decides
    # "minor" afresh
    state = replace(
        turn.state,
        slots={**keep, "applicant": applicant, "reason": e.reason, "minor": minor},
    )
    effects: list[Effect] = [CountVerdict(applicant, e.reason, turn.state.source)]
    about = [turn.say("understanding.about_relative")] if relative else []
    said = [*about, *before, Message(e.message)]
    if e.eligible:
        site = turn.content.program.links["program"]
        said.extend(turn.bubbles("offer." + e.reason, turn.link("open_site", site), e=e))
        return goto(turn, "domain_name", said, effects, e, state=state)
    nudge = turn.say("next." + e.reason, e=e, minor=minor)
    if (
        e.reason == rules.TOO_YOUNG
        and e.eligible_from
        and e.eligible_from <= turn.content.rules.end_date
        and not minor
        and not relative
        and turn.inbound.push
    ):  # a reminder on the day; the date is kept only while they decide
        nudge = replace(nudge, buttons=(turn.button("remind18", "remind18"),))
        state = state.with_slots(remind_on=e.eligible_from.isoformat())
    said.append(nudge)
    return goto(turn, "idle", said, effects, e, state=state)
