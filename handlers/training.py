"""Training sessions (tập huấn) as the chat words them: which sessions fit a resident (the
kind of applicant the conversation knows → a session's audience), a session's day and hour
in Vietnam, the confirmation of a sign-up, and its reminders. (The notices staff's changes
cause — a seat freed, a session changed or called off — are the store's: db.training.)

The conversation's steps are :mod:`handlers.steps.training`; the store fills
:class:`~handlers.types.TrainingView` and answers a sign-up with a
:class:`~handlers.types.TrainingResult`. Imports only the standard library and ``handlers``
(content, privacy, types).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from handlers.content import Content
from handlers.privacy import VIETNAM
from handlers.types import Button, Message, TrainingResult, UpcomingSession

# The applicant kinds of the conversation (handlers.steps.start) → a session's audience.
# A resident whose kind is not known yet is shown every session for residents.
AUDIENCES = {"person": "youth", "enterprise": "business", "household": "household"}
RESIDENT_AUDIENCES = ("youth", "business", "household", "all")  # "team": staff only
MAX_SHOWN = 8  # sessions listed at once (the soonest)

REMINDER_KIND = "training_reminder"  # the outbox's reminder: payload signup_id, which
DAY, SOON = "day", "soon"  # the reminder the day before at 09:00; the one two hours before


def audience_of(slots: Mapping[str, Any]) -> str | None:
    """The audience of sessions that fit this resident; None: not known (every session
    for residents)."""
    return AUDIENCES.get(str(slots.get("applicant")))


def shown(session: UpcomingSession) -> dict[str, Any]:
    """A session as the templates use it: its day (``|vndate``) and hour in Vietnam."""
    local = session.starts_at.astimezone(VIETNAM)
    return {
        "id": session.id,
        "title": session.title,
        "date": local.date(),
        "time": local.strftime("%H:%M"),
        "place": session.place,
        "map_url": session.map_url,
        "seats_left": max(0, session.seats_left),
    }


def choice_title(session: UpcomingSession) -> str:
    """A session's button: its day and title (a chat's buttons are short)."""
    local = session.starts_at.astimezone(VIETNAM)
    title = f"{local:%d/%m} · {session.title}"
    return title if len(title) <= 60 else title[:59] + "…"


def _is_link(url: str | None) -> bool:
    return bool(url) and str(url).startswith(("https://", "http://", "/"))


def links(
    content: Content, lang: str, session: UpcomingSession, qr_url: str | None
) -> tuple[Button, ...]:
    """The map (when the session has one) and the check-in QR code (when there is a link
    to it), as link buttons."""
    out = []
    if session.map_url and session.map_url.startswith(("https://", "http://")):
        out.append(Button(content.render(lang, "buttons.training_map"), url=session.map_url))
    if qr_url and _is_link(qr_url):
        out.append(Button(content.render(lang, "buttons.training_qr"), url=qr_url))
    return tuple(out)


def confirmation(
    content: Content,
    lang: str,
    result: TrainingResult,
    push: bool,
    qr_url: str | None,
    window_hours: int | None = None,
) -> Message:
    """What the resident reads once the store has decided their sign-up: the seat (or their
    place on the waiting list) with day, hour, place, the check-in code and its QR code, and
    — where the channel cannot write first — that no reminder will come (where it may write
    only within ``window_hours`` of the person's last message, that too)."""
    if result.session is None or result.status == "closed":
        return Message(content.render(lang, "training_chat.closed"))
    s = shown(result.session)
    waiting = result.status == "waiting" or (result.status == "already" and result.waiting)
    text = content.render(
        lang,
        "training_chat.signed_up",
        s=s,
        status=result.status,
        waiting=waiting,
        position=result.position,
        code=result.code,
        push=push,
        window_hours=window_hours,
    )
    return Message(text, links(content, lang, result.session, qr_url))


def reminder(
    content: Content, lang: str, session: UpcomingSession, code: str | None, which: str
) -> Message:
    """A reminder of a sign-up: ``which`` is "day" (09:00 the day before) or "soon" (two
    hours before, or at the end of quiet hours), in the resident's language."""
    key = "training_chat.remind_day" if which == DAY else "training_chat.remind_soon"
    return Message(
        content.render(lang, key, s=shown(session), code=code), links(content, lang, session, None)
    )
