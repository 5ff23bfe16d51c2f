"""Programme news and the 18th-birthday reminder: each a consent of its own, never bundled
with the lead's; and stopping the news at once.

Only on channels that may write first (``Inbound.push``), and never for someone under the
ward's minimum age to store. Imports only the standard library and ``handlers`` (turn,
types, steps.moves).
"""

from __future__ import annotations

from datetime import date

from handlers.steps.moves import goto, reask
from handlers.turn import Outcome, Turn
from handlers.types import RecordConsent, Remind, Subscribe, Unsubscribe


def ask_subscribe(turn: Turn) -> Outcome:
    """The "subscribe" command: the news consent, where news can reach the person."""
    if not turn.inbound.push:
        return reask(turn, [turn.say("news.not_here")])
    if turn.state.slots.get("minor"):
        return reask(turn, [turn.say("news.minor")])
    if turn.state.slots.get("subscribed"):
        return reask(turn, [turn.say("news.already")])
    return goto(turn, "news_consent")


def news_answered(turn: Turn, record: RecordConsent) -> Outcome:
    if not record.granted:
        return goto(turn, "idle", [turn.say("news.declined")], [record])
    slots = turn.state.slots
    subscribe = Subscribe(
        applicant=slots.get("applicant"),
        reason=slots.get("reason"),
        source=turn.state.source,
        lang=turn.state.lang,
    )
    state = turn.state.with_slots(subscribed=True)
    return goto(turn, "idle", [turn.say("news.thanks")], [record, subscribe], state=state)


def ask_remind(turn: Turn) -> Outcome:
    """The "remind18" button under a too-young verdict: the reminder's consent; never for a
    birthday after the programme's end date."""
    due = turn.state.slots.get("remind_on")
    if (
        not due
        or turn.state.slots.get("minor")
        or date.fromisoformat(due) > turn.content.rules.end_date
    ):
        return reask(turn, [turn.say("problem.choice")], misses=turn.state.misses)
    return goto(turn, "reminder_consent")


def reminder_details(turn: Turn) -> dict[str, date]:
    """The reminder's wording says on which day it comes."""
    return {"on": date.fromisoformat(turn.state.slots["remind_on"])}


def reminder_answered(turn: Turn, record: RecordConsent) -> Outcome:
    due = date.fromisoformat(turn.state.slots["remind_on"])
    state = turn.state.with_slots(remind_on=None)
    if not record.granted:
        return goto(turn, "idle", [turn.say("news.declined")], [record], state=state)
    remind = Remind("birthday_18", due, turn.state.lang)
    thanks = turn.say("reminder.thanks", on=due)
    return goto(turn, "idle", [thanks], [record, remind], state=state)


def unsubscribe(turn: Turn) -> Outcome:
    """ "/stop", "hủy đăng ký", "ngừng nhận tin": at once, and confirmed."""
    state = turn.state.with_slots(subscribed=False)
    out = reask(turn.moved(state), [turn.say("news.stopped")], misses=turn.state.misses)
    out.effects.append(Unsubscribe())
    return out
