"""Training sessions as the chat needs them, in the chat's own types (handlers.types): what a
turn about training knows (:func:`for_chat`: the upcoming sessions that fit, the person's own
sign-ups still to come, the name and phone this chat gave before) and a sign-up's outcome
(:func:`sign_up`, for the confirmation). The seats, the waiting list and the codes are
db.training's; this module only reads and translates. Imports db (consents, leads, store,
tables, training) and handlers (types).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import select

from db import consents, leads, training
from db.store import Tx
from db.tables import lead_t
from handlers.types import (
    MyTrainingSignup,
    Purpose,
    SignUpTraining,
    TrainingResult,
    TrainingView,
    UpcomingSession,
)


def session_of(row: dict[str, Any], seats_left: int | None = None) -> UpcomingSession:
    """A session row (db.training.get/upcoming, or a sign-up joined with its session)."""
    left = row.get("seats_left", 0) if seats_left is None else seats_left
    return UpcomingSession(
        id=int(row.get("session_id") or row["id"]),
        title=row["title"],
        starts_at=row["starts_at"],
        place=row["place"],
        map_url=row.get("map_url"),
        seats_left=int(left or 0),
    )


def _contact(tx: Tx, channel: str, user_ref: str, theirs: list[dict[str, Any]]) -> Any:
    """The name and phone this chat gave last: on a sign-up, else on a lead."""
    given = [s for s in theirs if s.get("phone") and s.get("name")]
    if given:
        newest = max(given, key=lambda s: (s["queued_at"], s["id"]))
        return (newest["name"], newest["phone"])
    lead = tx.conn.execute(
        select(lead_t.c.name, lead_t.c.phone)
        .where(leads.belonging_to(channel, user_ref))
        .order_by(lead_t.c.id.desc())
        .limit(1)
    ).first()
    return (lead.name, lead.phone) if lead is not None else None


def for_chat(
    tx: Tx, channel: str, user_ref: str, audience: str | None, now: datetime
) -> TrainingView:
    """What a turn about training knows: the sessions not started that fit ``audience``
    (None: every session for residents), the person's sign-ups (a seat or a waiting place)
    to sessions not started nor called off, and the contact they gave before."""
    sessions = tuple(session_of(row) for row in training.upcoming(tx, now, audience))
    theirs = training.mine(tx, channel, user_ref)
    mine = tuple(
        MyTrainingSignup(session_of(s), s["status"], s["code"])
        for s in theirs
        if s["status"] in training.ACTIVE
        and s["session_cancelled_at"] is None
        and s["starts_at"] > now
    )
    return TrainingView(sessions, mine, _contact(tx, channel, user_ref, theirs))


def sign_up(
    tx: Tx,
    channel: str,
    user_ref: str,
    effect: SignUpTraining,
    now: datetime,
) -> TrainingResult:
    """Sign the person up under their training consent; the outcome for the confirmation
    (with their place on the waiting list when they wait)."""
    consent = consents.latest(tx, channel, user_ref, Purpose.TRAINING)
    try:
        done = training.sign_up(
            tx,
            effect.session_id,
            channel=channel,
            user_ref=user_ref,
            lang=effect.lang,
            name=effect.name,
            phone=effect.phone,
            consent_id=consent,
            now=now,
        )
    except training.TrainingError:  # the chat checked name and phone: a session gone bad
        return TrainingResult("closed", None)
    if done.session is None or done.outcome in ("closed", "missing") or done.signup is None:
        return TrainingResult("closed", None)
    row = training.get(tx, effect.session_id) or done.session
    session = session_of(row)
    signup = done.signup
    waiting = signup["status"] == training.WAITING
    position = training.waiting_position(tx, signup["id"]) if waiting else None
    return TrainingResult(done.outcome, session, signup["code"], position, waiting)


def cancel(
    tx: Tx,
    channel: str,
    user_ref: str,
    session_id: int,
    now: datetime,
    writes_first: Collection[str],
) -> int:
    """Cancel the person's sign-up to the session (the first waiting person moves up and is
    told, on a channel of ``writes_first``); how many were cancelled (0: none was active)."""
    done = training.cancel_signup(
        tx, channel, user_ref, session_id, now=now, writes_first=writes_first
    )
    return len(done.cancelled)
