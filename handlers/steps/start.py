"""Start and menu: the greeting, "who are you?", starting over, the menu, switching
language, and the idle prompt after a flow ends.

Imports only the standard library and ``handlers`` (turn, types, steps.moves,
steps.training).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from handlers.steps.moves import faq_answer, goto, reask
from handlers.steps.training import button as training_button
from handlers.turn import Miss, Outcome, Turn
from handlers.types import ConversationState, Message

# Slots that outlive a trip to the menu or a /start: the greeting was said, consent was
# given (for a lead, for training), news subscribed, and a person known to be under 16 stays
# protected until a new verdict says otherwise.
KEPT = ("greeted", "consented", "minor", "subscribed", "training_consented")

# The first step for each answer to "who are you?".
FIRST_STEP = {
    "person": "person_birth",
    "enterprise": "enterprise_founded",
    "household": "household_certificate",
}


def _greeted(out: Outcome) -> Outcome:
    if out.state is not None:
        out.state = out.state.with_slots(greeted=True)
    return out


def restart(turn: Turn, source: str | None) -> Outcome:
    """ "/start" (with a campaign source, maybe): the menu afresh, keeping :data:`KEPT`."""
    s = turn.state
    kept = {k: v for k, v in s.slots.items() if k in KEPT and k != "greeted"}
    fresh = ConversationState(lang=s.lang, source=source or s.source, slots=kept)
    return _greeted(goto(turn, "start", state=fresh))


def ask_start(turn: Turn) -> list[Message]:
    out = []
    if not turn.state.slots.get("greeted"):
        out.append(turn.say("greeting"))
    out.append(
        turn.say(
            "start.who",
            turn.button("person", "kind:person"),
            turn.button("enterprise", "kind:enterprise"),
            turn.button("household", "kind:household"),
            turn.button("ask", "ask"),
        )
    )
    return out


def answer_start(turn: Turn, payload: str | None) -> Outcome | Miss:
    if not turn.state.slots.get("greeted"):  # any first message gets the greeting
        match = turn.content.faq.match(turn.text) if turn.text else None
        return _greeted(faq_answer(turn, match) if match else goto(turn, "start"))
    return Miss("problem.choice")


def ask_idle(turn: Turn) -> list[Message]:
    buttons = [turn.button("menu", "menu"), turn.button("ask", "ask")]
    if not turn.state.slots.get("minor"):
        buttons.append(turn.button("help", "help"))
        if not turn.state.slots.get("subscribed") and turn.inbound.push:
            buttons.append(turn.button("subscribe", "subscribe"))
    buttons.extend(training_button(turn))
    return [turn.say("idle.prompt", *buttons)]


def answer_idle(turn: Turn, payload: str | None) -> Outcome | Miss:
    return Miss("problem.choice")


def choose_kind(kind: str) -> Callable[[Turn], Outcome]:
    """The command for one answer to "who are you?": a fresh start of that flow."""
    first = FIRST_STEP[kind]

    def go(turn: Turn) -> Outcome:
        slots = {k: v for k, v in turn.state.slots.items() if k in KEPT}
        state = replace(turn.state, slots={**slots, "greeted": True, "applicant": kind})
        return goto(turn, first, state=state)

    return go


def to_menu(turn: Turn) -> Outcome:
    """The menu; with the greeting first if this is the person's first message."""
    slots = {k: v for k, v in turn.state.slots.items() if k in KEPT}
    return _greeted(goto(turn, "start", state=replace(turn.state, slots=slots)))


def switch_language(lang: str) -> Callable[[Turn], Outcome]:
    def go(turn: Turn) -> Outcome:
        moved = turn.moved(replace(turn.state, lang=lang))
        return reask(moved, [moved.say("lang.switched")])

    return go
