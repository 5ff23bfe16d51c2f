"""A person's own data: showing what is kept about them, and deleting it after a
confirmation.

Imports only ``handlers`` (turn, types, steps.moves).
"""

from __future__ import annotations

from handlers.steps.moves import goto, reask
from handlers.turn import Miss, Outcome, Turn
from handlers.types import DeleteMyData, Message, ShowMyData


def show_my_data(turn: Turn) -> Outcome:
    out = reask(turn, [], misses=turn.state.misses)
    out.effects.append(ShowMyData())
    return out


def ask_delete(turn: Turn) -> list[Message]:
    return [
        turn.say(
            "privacy.delete_confirm",
            turn.button("delete_yes", "yes"),
            turn.button("delete_no", "no"),
        )
    ]


def answer_delete(turn: Turn, payload: str | None) -> Outcome | Miss:
    if payload == "yes":
        return Outcome(None, [turn.say("privacy.deleted")], [DeleteMyData()])
    if payload == "no":
        return goto(turn, "idle", [turn.say("privacy.delete_cancelled")])
    return Miss("problem.yes_no")
