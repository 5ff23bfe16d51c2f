"""Applying what a turn decided (its :data:`~handlers.types.Effect` values) inside the
turn's transaction, next to the conversation's new state.

The engine (handlers/) decides; this module records: consents, leads (with their event
and the team's outbox row), anonymous verdict counts, news subscriptions, reminders, a
domain the resident says they registered, a seat at a training session (db.training_chat)
or giving it up, and a person's wish to see or erase their data.
What must be shown to the person comes back to the caller, which words it. Imports db's
query modules and handlers' types.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import date, datetime
from typing import Any, assert_never

from db import consents, erasure, leads, registrations, subscribers, training_chat
from db.conversations import LoadedConversation
from db.models import utcnow
from db.store import Tx
from handlers.types import (
    CancelTraining,
    CountVerdict,
    DeleteMyData,
    Effect,
    Inbound,
    Purpose,
    RecordConsent,
    RecordLead,
    RecordRegistration,
    Remind,
    ShowMyData,
    SignUpTraining,
    Subscribe,
    TrainingResult,
    Unsubscribe,
)


def apply(
    tx: Tx,
    inbound: Inbound,
    loaded: LoadedConversation,
    effects: Iterable[Effect],
    today: date,
    writes_first: Collection[str] = (),
    now: datetime | None = None,
) -> list[dict[str, Any] | TrainingResult]:
    """Record one turn's effects, in order. A recorded lead becomes the conversation's
    (``loaded.lead_id``). Returns what the person must be shown, for the caller to word:
    their data for each :class:`ShowMyData`, the outcome of each :class:`SignUpTraining`.
    ``writes_first``: the channels that may write to a person first (someone moved up a
    training's waiting list by this turn is told there). ``now``: the moment of the turn
    (a session started by then takes no sign-up)."""
    channel, user = inbound.channel, inbound.user_ref
    at = now or utcnow()
    shown: list[dict[str, Any] | TrainingResult] = []
    for effect in effects:
        match effect:
            case RecordConsent():
                consents.record(tx, channel, user, effect, inbound.external_id)
            case RecordLead():
                consent = consents.latest(tx, channel, user, Purpose.LEAD)
                loaded.lead_id, _ = leads.record(tx, channel, user, effect, consent)
            case CountVerdict():
                leads.count_verdict(
                    tx, today, channel, effect.applicant, effect.reason, effect.source
                )
            case ShowMyData():
                shown.append(erasure.my_data(tx, channel, user))
            case DeleteMyData():
                erasure.erase(tx, channel, user, writes_first)
            case Subscribe():
                consent = consents.latest(tx, channel, user, Purpose.NEWS)
                subscribers.subscribe(tx, channel, user, effect, consent)
            case Unsubscribe():
                subscribers.unsubscribe(tx, channel, user)
            case Remind():
                consent = consents.latest(tx, channel, user, Purpose.REMINDER)
                subscribers.add_reminder(tx, channel, user, effect, consent)
            case RecordRegistration():
                lead = leads.latest_of(tx, channel, user, loaded.lead_id)
                registrations.record(
                    tx,
                    effect.domain,
                    source=registrations.SELF_REPORTED,
                    registered_on=today,
                    recorded_by=registrations.RESIDENT,
                    lead_id=lead["id"] if lead else None,
                    business_id=lead["business_id"] if lead else None,
                )
            case SignUpTraining():
                shown.append(training_chat.sign_up(tx, channel, user, effect, at))
            case CancelTraining():
                training_chat.cancel(tx, channel, user, effect.session_id, at, writes_first)
            case _:
                assert_never(effect)
    return shown
