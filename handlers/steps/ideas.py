"""Domain-name ideas after an eligible verdict: a name typed as a label is checked against
the naming rules (and repaired when it can be), words become ideas
(:mod:`handlers.domains`); then the offer of the team's help.

Imports only ``handlers`` (domains, rules, turn, types, steps.moves, steps.training).
"""

from __future__ import annotations

from handlers import domains, rules
from handlers.steps.moves import goto
from handlers.steps.training import button as training_button
from handlers.turn import MAX_FREE_ANSWER, Miss, Outcome, Turn
from handlers.types import Message


def _suffix(turn: Turn) -> str:
    return rules.ID_VN if turn.state.slots.get("applicant") == "person" else rules.BIZ_VN


def ask_domain(turn: Turn) -> list[Message]:
    key = "domain.ask_person" if _suffix(turn) == rules.ID_VN else "domain.ask_business"
    return [turn.say(key, turn.button("skip", "skip"))]


def answer_domain(turn: Turn, payload: str | None) -> Outcome | Miss:
    if payload == "skip":
        return goto(turn, "offer_help")
    text = turn.text
    if not text or len(text) > MAX_FREE_ANSWER:
        return Miss("problem.name")
    suffix = _suffix(turn)
    if domains.looks_like_label(text):
        check = domains.check_label(text)
        if check.ok:
            said = turn.say("domain.label_ok", label=check.label, suffix=suffix)
        else:
            fixed = domains.repair(text)
            said = turn.say(
                "domain.label_problem",
                label=check.label,
                problem=check.problem,
                suggestion=fixed if domains.check_label(fixed).ok else None,
                suffix=suffix,
            )
        return goto(turn, "offer_help", [said])
    applicant = str(turn.state.slots.get("applicant", "person"))
    ideas = domains.ideas(text, applicant)
    if not ideas:
        return Miss("problem.name")
    return goto(turn, "offer_help", [turn.say("domain.ideas", ideas=ideas, suffix=suffix)])


def ask_offer_help(turn: Turn) -> list[Message]:
    return [
        turn.say(
            "help.offer",
            turn.button("help_yes", "callback"),
            turn.button("retry_name", "retry_name"),
            turn.button("no_thanks", "no"),
            *training_button(turn),
        )
    ]


def answer_offer_help(turn: Turn, payload: str | None) -> Outcome | Miss:
    if payload == "no":
        return goto(turn, "idle", [turn.say("help.declined")])
    if payload is None and turn.text:
        return answer_domain(turn, None)  # another name to try
    return Miss("problem.choice")
