"""Training sessions (tập huấn) and the people signed up for them — the one place both are
changed: sessions created, edited and cancelled by staff; residents signing up (a seat, or
the waiting list when it is full), cancelling, moving up; staff checking people in at the
door and adding walk-ins; the counts the office, the command line and the plan's tracker
show.

**Seats.** A session has ``capacity`` seats. A sign-up is "registered" while a seat is
free, else "waiting" (in ``queued_at`` order). Whoever changes the seats locks the session's
row first and counts inside the lock — ``SELECT … FOR UPDATE`` on PostgreSQL; on SQLite
every transaction begins with ``BEGIN IMMEDIATE`` (db.engine), so the writer holds the
database — so the last seat taken by two people at once gives one seat and one place on the
waiting list. A freed seat (a sign-up cancelled, a capacity raised) goes to the first
waiting person at once (``promoted_at``), and they are told.

**Codes.** Every sign-up has a personal check-in code: :data:`CODE_LENGTH` characters of
:data:`CODE_ALPHABET` (digits and capitals without 0/O and 1/I, which are misread when
typed), drawn with :mod:`secrets` — 32⁶ ≈ 10⁹ codes, unique in the table. The code is what
staff type at the door; its QR (bot.training_qr) is the check-in page's address with the
code in it, and carries nothing else.

**Telling people.** A change that concerns a resident queues an outbox row for them in the
same transaction (:data:`NOTICE_KINDS`; payload
``{"signup_id": …}``; dedupe key under ``training:signup:ID:`` so erasing the person erases
them too), but only on the channels in ``writes_first`` — those that may write to a person
first (the bot passes its channel registry's); the web page gets nothing. A channel's own
rules (Zalo's window, quiet hours) are kept by its sender at delivery.

**Audiences.** youth, business, household (the resident's kind), all (everyone) and team
(the community digital teams — never offered to residents).

Every staff change is written to the audit log (db.audit) in the caller's transaction.
Input that cannot be taken raises :class:`TrainingError` (words:
``training.error.<key>`` in content/<lang>/training.yaml).

Imports db (audit, models, outbox, store, tables) and handlers (phones, text, types).
"""

from __future__ import annotations

import secrets
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import case, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from db import audit, outbox
from db.store import Tx
from db.tables import outbox_t, school_t, training_session_t, training_signup_t
from handlers.phones import parse_phone
from handlers.privacy import VIETNAM
from handlers.text import nfc
from handlers.types import LANGUAGES

YOUTH, BUSINESS, HOUSEHOLD, TEAM, ALL = "youth", "business", "household", "team", "all"
AUDIENCES = (YOUTH, BUSINESS, HOUSEHOLD, TEAM, ALL)
RESIDENT_AUDIENCES = (YOUTH, BUSINESS, HOUSEHOLD)  # a resident's kind, for upcoming()
REGISTERED, WAITING, CANCELLED = "registered", "waiting", "cancelled"
STATUSES = (REGISTERED, WAITING, CANCELLED)
ACTIVE = (REGISTERED, WAITING)
PURPOSE = "training"  # the consent a resident's sign-up is made under

# outbox kinds to a resident (bot.channels.notices renders them)
KIND_PROMOTED = "training_promoted"  # moved up from the waiting list: they have a seat
KIND_CANCELLED = "training_cancelled"  # the session is called off
KIND_CHANGED = "training_changed"  # its time or place changed
NOTICE_KINDS = (KIND_PROMOTED, KIND_CANCELLED, KIND_CHANGED)

CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, no 1/I
CODE_LENGTH = 6
TITLE_MAX = 200
PLACE_MAX = 300
MAP_URL_MAX = 500
NAME_MAX = 80
REASON_MAX = 300
CAPACITY_MAX = 10_000

_s = training_session_t.c
_u = training_signup_t.c


class TrainingError(ValueError):
    """Input that cannot be taken: ``training.error.<key>`` with ``params``."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(f"{key} {params}" if params else key)
        self.key = key
        self.params = params


@dataclass(frozen=True)
class Counts:
    """A session's people: ``registered`` (a seat, walk-ins included), ``waiting`` and
    ``attended`` (checked in)."""

    registered: int = 0
    waiting: int = 0
    attended: int = 0


@dataclass(frozen=True)
class SignUp:
    """What :func:`sign_up` did: "registered", "waiting" (the session is full), "already"
    (this phone is on it: ``signup`` is their row), "closed" (cancelled or started) or
    "missing" (no such session)."""

    outcome: str
    signup: dict[str, Any] | None = None
    session: dict[str, Any] | None = None


@dataclass(frozen=True)
class Cancelled:
    """Sign-ups cancelled and the people moved up from the waiting list (told on a channel
    of ``writes_first``; the caller may tell them otherwise too)."""

    cancelled: list[dict[str, Any]] = field(default_factory=list)
    promoted: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class CheckIn:
    """What :func:`check_in` or :func:`add_walk_in` did: "checked_in", "already" (``at``:
    when), "unknown" (no such code), "wrong_session" (the code is another session's:
    ``session`` is that one), "waiting" (on the waiting list: staff may check them in
    anyway, which gives them a seat), "cancelled" (they cancelled: the same), "closed"
    (the session is cancelled) or "missing" (no such session)."""

    outcome: str
    signup: dict[str, Any] | None = None
    at: datetime | None = None
    session: dict[str, Any] | None = None


# --- input -----------------------------------------------------------------------------------


def _clean(text: str | None) -> str:
    return " ".join(nfc(text or "").split())


def _text(value: str, field: str, limit: int) -> str:
    """A required line of text (title, place, name), cleaned: TrainingError
    ``<field>_empty`` or ``<field>_too_long``."""
    cleaned = _clean(value)
    if not cleaned:
        raise TrainingError(f"{field}_empty")
    if len(cleaned) > limit:
        raise TrainingError(f"{field}_too_long", limit=limit)
    return cleaned


def _title(title: str) -> str:
    return _text(title, "title", TITLE_MAX)


def _place(place: str) -> str:
    return _text(place, "place", PLACE_MAX)


def _map_url(url: str | None) -> str | None:
    cleaned = (url or "").strip()
    if not cleaned:
        return None
    parts = urlsplit(cleaned)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or " " in cleaned:
        raise TrainingError("map_url_bad")
    if len(cleaned) > MAP_URL_MAX:
        raise TrainingError("map_url_too_long", limit=MAP_URL_MAX)
    return cleaned


def _capacity(capacity: int) -> int:
    if capacity < 1:
        raise TrainingError("capacity_low")
    if capacity > CAPACITY_MAX:
        raise TrainingError("capacity_high", limit=CAPACITY_MAX)
    return capacity


def _audience(audience: str) -> str:
    if audience not in AUDIENCES:
        raise TrainingError("audience_unknown", audiences=", ".join(AUDIENCES))
    return audience


def _starts_at(starts_at: datetime, now: datetime) -> datetime:
    if starts_at.tzinfo is None:
        raise ValueError("starts_at must be aware")
    if starts_at <= now:
        raise TrainingError("in_past")
    return starts_at


def _school(tx: Tx, school_id: int | None) -> int | None:
    if school_id is None:
        return None
    found = tx.conn.execute(
        select(school_t.c.archived_at).where(school_t.c.id == school_id)
    ).first()
    if found is None:
        raise TrainingError("school_missing")
    if found.archived_at is not None:
        raise TrainingError("school_archived")
    return school_id


def _name(name: str) -> str:
    return _text(name, "name", NAME_MAX)


def _phone(phone: str | None, required: bool) -> str | None:
    if not (phone or "").strip():
        if required:
            raise TrainingError("phone_bad")
        return None
    parsed = parse_phone(phone or "")
    if not isinstance(parsed, str):
        raise TrainingError("phone_bad")
    return parsed


def normal_code(typed: str) -> str:
    """A code as typed (any case, spaces or dashes) in its stored form."""
    return "".join(ch for ch in (typed or "").upper() if ch.isalnum())


def is_code(text: str) -> bool:
    """Whether ``text`` (in its stored form) is shaped like a check-in code."""
    return len(text) == CODE_LENGTH and all(ch in CODE_ALPHABET for ch in text)


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


# --- reading ---------------------------------------------------------------------------------


def counts(tx: Tx, session_ids: Iterable[int] | None = None) -> dict[int, Counts]:
    """The counts of these sessions (every session when None); a session with nobody is
    absent (read it with ``.get(id, Counts())``)."""
    query = select(
        _u.session_id,
        func.sum(case((_u.status == REGISTERED, 1), else_=0)),
        func.sum(case((_u.status == WAITING, 1), else_=0)),
        func.sum(case((_u.checked_in_at.is_not(None), 1), else_=0)),
    ).group_by(_u.session_id)
    if session_ids is not None:
        query = query.where(_u.session_id.in_(list(session_ids)))
    return {
        int(sid): Counts(int(r or 0), int(w or 0), int(a or 0))
        for sid, r, w, a in tx.conn.execute(query).all()
    }


def _with_counts(tx: Tx, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found = counts(tx, [r["id"] for r in rows]) if rows else {}
    for row in rows:
        c = found.get(row["id"], Counts())
        row.update(
            registered=c.registered,
            waiting=c.waiting,
            attended=c.attended,
            seats_left=max(0, row["capacity"] - c.registered),
        )
    return rows


def _sessions_query() -> Any:
    return select(training_session_t, school_t.c.name.label("school")).select_from(
        training_session_t.outerjoin(school_t, school_t.c.id == _s.school_id)
    )


def get(tx: Tx, session_id: int) -> dict[str, Any] | None:
    """A session with its school's name and its counts (``registered``, ``waiting``,
    ``attended``, ``seats_left``)."""
    row = tx.conn.execute(_sessions_query().where(_s.id == session_id)).mappings().first()
    return _with_counts(tx, [dict(row)])[0] if row else None


def fits(session_audience: str, audience: str | None) -> bool:
    """Whether a session for ``session_audience`` is offered to ``audience`` (None: a
    resident whose kind is not known — every session but the teams')."""
    if audience is None:
        return session_audience != TEAM
    return session_audience in (audience, ALL)


def upcoming(tx: Tx, now: datetime, audience: str | None = None) -> list[dict[str, Any]]:
    """The sessions not cancelled and not started, soonest first, that fit ``audience``
    (:func:`fits`: "youth", "business", "household", "team", or None for a resident of
    any kind), each with its counts."""
    query = _sessions_query().where(_s.cancelled_at.is_(None), _s.starts_at > now)
    if audience is None:
        query = query.where(_s.audience != TEAM)
    else:
        query = query.where(_s.audience.in_((audience, ALL)))
    rows = tx.conn.execute(query.order_by(_s.starts_at, _s.id)).mappings()
    return _with_counts(tx, [dict(r) for r in rows])


def listing(tx: Tx, now: datetime) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Every session for staff, with counts: (upcoming soonest first — cancelled ones
    among them —, past newest first)."""
    query = _sessions_query().order_by(_s.starts_at, _s.id)
    rows = _with_counts(tx, [dict(r) for r in tx.conn.execute(query).mappings()])
    ahead = [r for r in rows if r["starts_at"] > now]
    past = [r for r in rows if r["starts_at"] <= now]
    past.reverse()
    return ahead, past


def held(tx: Tx, since: datetime | None, until: datetime) -> list[dict[str, Any]]:
    """The sessions held — not cancelled, started at or after ``since`` (None: ever) and
    before ``until`` — oldest first, with their counts and school: what the plan counts."""
    query = _sessions_query().where(_s.cancelled_at.is_(None), _s.starts_at < until)
    if since is not None:
        query = query.where(_s.starts_at >= since)
    rows = tx.conn.execute(query.order_by(_s.starts_at, _s.id)).mappings()
    return _with_counts(tx, [dict(r) for r in rows])


def signups(tx: Tx, session_id: int) -> list[dict[str, Any]]:
    """A session's people for staff: registered (in the order they signed up), waiting
    (in queue order), cancelled."""
    order = case((_u.status == REGISTERED, 0), (_u.status == WAITING, 1), else_=2)
    query = (
        select(training_signup_t)
        .where(_u.session_id == session_id)
        .order_by(order, _u.queued_at, _u.id)
    )
    return [dict(r) for r in tx.conn.execute(query).mappings()]


def signup(tx: Tx, signup_id: int) -> dict[str, Any] | None:
    row = tx.conn.execute(select(training_signup_t).where(_u.id == signup_id)).mappings().first()
    return dict(row) if row else None


def by_code(tx: Tx, code: str) -> dict[str, Any] | None:
    """The sign-up of a code as typed (any case, spaces)."""
    wanted = normal_code(code)
    if not is_code(wanted):
        return None
    row = tx.conn.execute(select(training_signup_t).where(_u.code == wanted)).mappings().first()
    return dict(row) if row else None


def mine(tx: Tx, channel: str, user_ref: str) -> list[dict[str, Any]]:
    """A chat account's sign-ups (every status), soonest session first, each with its
    session as :func:`with_session` gives it — for the person's own list and their /dulieu."""
    query = (
        _signup_with_session()
        .where(_u.channel == channel, _u.user_ref == user_ref)
        .order_by(_s.starts_at, _u.id)
    )
    return [dict(r) for r in tx.conn.execute(query).mappings()]


def _signup_with_session() -> Any:
    return select(
        training_signup_t,
        _s.title,
        _s.starts_at,
        _s.place,
        _s.map_url,
        _s.cancelled_at.label("session_cancelled_at"),
    ).select_from(training_signup_t.join(training_session_t, _s.id == _u.session_id))


def with_session(tx: Tx, signup_id: int) -> dict[str, Any] | None:
    """A sign-up with its session's ``title``, ``starts_at``, ``place``, ``map_url`` and
    ``session_cancelled_at`` (what a message about it says); None: erased meanwhile."""
    row = tx.conn.execute(_signup_with_session().where(_u.id == signup_id)).mappings().first()
    return dict(row) if row else None


def waiting_position(tx: Tx, signup_id: int) -> int | None:
    """Where a waiting sign-up stands in its queue (1: next to move up); None when it is
    not waiting."""
    row = signup(tx, signup_id)
    if row is None or row["status"] != WAITING:
        return None
    ahead = tx.conn.execute(
        select(func.count()).where(
            _u.session_id == row["session_id"],
            _u.status == WAITING,
            (_u.queued_at < row["queued_at"])
            | ((_u.queued_at == row["queued_at"]) & (_u.id < row["id"])),
        )
    ).scalar_one()
    return int(ahead) + 1


# --- sessions --------------------------------------------------------------------------------


def _lock(tx: Tx, session_id: int) -> dict[str, Any] | None:
    """The session's row, locked until the transaction ends (on SQLite the transaction
    already holds the database: BEGIN IMMEDIATE)."""
    query = select(training_session_t).where(_s.id == session_id)
    if tx.postgres:
        query = query.with_for_update()
    row = tx.conn.execute(query).mappings().first()
    return dict(row) if row else None


def _registered(tx: Tx, session_id: int) -> int:
    return int(
        tx.conn.execute(
            select(func.count()).where(_u.session_id == session_id, _u.status == REGISTERED)
        ).scalar_one()
    )


def create(
    tx: Tx,
    *,
    title: str,
    starts_at: datetime,
    place: str,
    capacity: int,
    audience: str,
    now: datetime,
    actor: str,
    school_id: int | None = None,
    map_url: str | None = None,
    actor_user_id: int | None = None,
    ip: str | None = None,
) -> dict[str, Any]:
    """A new session; its row (as :func:`get`). TrainingError: title_empty,
    title_too_long, in_past, place_empty, place_too_long, capacity_low, capacity_high,
    audience_unknown, map_url_bad, map_url_too_long, school_missing, school_archived."""
    values = {
        "title": _title(title),
        "starts_at": _starts_at(starts_at, now),
        "place": _place(place),
        "map_url": _map_url(map_url),
        "capacity": _capacity(capacity),
        "audience": _audience(audience),
        "school_id": _school(tx, school_id),
        "created_by": actor[:254],
        "created_at": now,
        "updated_at": now,
    }
    session_id = int(
        tx.conn.execute(insert(training_session_t).returning(_s.id), values).scalar_one()
    )
    audit.record(
        tx,
        "training_changed",
        actor,
        actor_user_id=actor_user_id,
        target=f"#{session_id} {values['title']}",
        detail={"change": "created", "starts_at": starts_at.isoformat()},
        ip=ip,
    )
    return get(tx, session_id) or {}


@dataclass(frozen=True)
class Edited:
    """What :func:`edit` did: the session as it is now, and the waiting people moved up
    (a raised capacity)."""

    session: dict[str, Any]
    promoted: list[dict[str, Any]] = field(default_factory=list)


def edit(
    tx: Tx,
    session_id: int,
    *,
    title: str,
    starts_at: datetime,
    place: str,
    capacity: int,
    audience: str,
    now: datetime,
    actor: str,
    school_id: int | None = None,
    map_url: str | None = None,
    writes_first: Collection[str] = (),
    actor_user_id: int | None = None,
    ip: str | None = None,
) -> Edited | None:
    """Change a session not cancelled and not started (None: no such session). A new time
    or place is told to everyone registered or waiting (kind :data:`KIND_CHANGED`) and their
    reminders go again for the new time; a raised capacity moves waiting people up.
    TrainingError: those of :func:`create`, and cancelled, started, capacity_below
    (fewer seats than people registered)."""
    before = _lock(tx, session_id)
    if before is None:
        return None
    if before["cancelled_at"] is not None:
        raise TrainingError("cancelled")
    if before["starts_at"] <= now:
        raise TrainingError("started")
    seats = _capacity(capacity)
    values: dict[str, Any] = {
        "title": _title(title),
        "starts_at": _starts_at(starts_at, now),
        "place": _place(place),
        "map_url": _map_url(map_url),
        "capacity": seats,
        "audience": _audience(audience),
        # a school archived since stays the session's; a new one must be current
        "school_id": school_id if school_id == before["school_id"] else _school(tx, school_id),
    }
    taken = _registered(tx, session_id)
    if seats < taken:
        raise TrainingError("capacity_below", registered=taken)
    changed = [k for k, v in values.items() if before[k] != v]
    if not changed:
        return Edited(get(tx, session_id) or {})
    tx.conn.execute(
        update(training_session_t).where(_s.id == session_id).values(**values, updated_at=now)
    )
    moved = {"starts_at", "place", "map_url"} & set(changed)
    if "starts_at" in changed:  # the reminders are for the new time
        tx.conn.execute(
            update(training_signup_t)
            .where(_u.session_id == session_id)
            .values(reminded_day_at=None, reminded_soon_at=None)
        )
    if moved:
        for person in _active(tx, session_id):
            _tell(tx, KIND_CHANGED, person, writes_first, f"{session_id}:{now.isoformat()}")
    promoted = _fill(tx, session_id, seats, now, writes_first)
    audit.record(
        tx,
        "training_changed",
        actor,
        actor_user_id=actor_user_id,
        target=f"#{session_id} {values['title']}",
        detail={"change": "edited", "fields": sorted(changed)},
        ip=ip,
    )
    return Edited(get(tx, session_id) or {}, promoted)


def cancel(
    tx: Tx,
    session_id: int,
    *,
    now: datetime,
    actor: str,
    reason: str | None = None,
    writes_first: Collection[str] = (),
    actor_user_id: int | None = None,
    ip: str | None = None,
) -> list[dict[str, Any]] | None:
    """Call a session off: everyone registered or waiting is returned and, on a channel of
    ``writes_first``, told (kind :data:`KIND_CANCELLED`, with ``reason``). Their sign-ups keep
    their status (the record of who had signed up); a cancelled session is never upcoming.
    None: no such session. TrainingError: cancelled (already), started, reason_too_long."""
    session = _lock(tx, session_id)
    if session is None:
        return None
    if session["cancelled_at"] is not None:
        raise TrainingError("cancelled")
    if session["starts_at"] <= now:
        raise TrainingError("started")
    why = _clean(reason) or None
    if why and len(why) > REASON_MAX:
        raise TrainingError("reason_too_long", limit=REASON_MAX)
    tx.conn.execute(
        update(training_session_t)
        .where(_s.id == session_id)
        .values(cancelled_at=now, updated_at=now)
    )
    people = _active(tx, session_id)
    for person in people:
        _tell(tx, KIND_CANCELLED, person, writes_first, "", reason=why)
    audit.record(
        tx,
        "training_cancelled",
        actor,
        actor_user_id=actor_user_id,
        target=f"#{session_id} {session['title']}",
        detail={"reason": why, "told": len(people)},
        ip=ip,
    )
    return people


def set_campaign(tx: Tx, session_id: int, campaign_id: int) -> None:
    """The broadcast that announced the session."""
    tx.conn.execute(
        update(training_session_t).where(_s.id == session_id).values(campaign_id=campaign_id)
    )


# --- signing up, cancelling, moving up ---------------------------------------------------------


def _active(tx: Tx, session_id: int) -> list[dict[str, Any]]:
    query = (
        select(training_signup_t)
        .where(_u.session_id == session_id, _u.status.in_(ACTIVE))
        .order_by(_u.queued_at, _u.id)
    )
    return [dict(r) for r in tx.conn.execute(query).mappings()]


def _tell(
    tx: Tx,
    kind: str,
    person: dict[str, Any],
    writes_first: Collection[str],
    key: str,
    **extra: Any,
) -> None:
    """Queue a notice to the person if their channel may write first."""
    if person["channel"] is None or person["channel"] not in writes_first:
        return
    outbox.enqueue(
        tx,
        kind,
        person["channel"],
        person["user_ref"],
        {"signup_id": person["id"], **extra},
        f"{notice_key(person['id'])}{kind}:{key}",
    )


def notice_key(signup_id: int) -> str:
    """The start of the dedupe key of every outbox row about a sign-up (erased with it)."""
    return f"training:signup:{signup_id}:"


def _fill(
    tx: Tx, session_id: int, capacity: int, now: datetime, writes_first: Collection[str]
) -> list[dict[str, Any]]:
    """Give the free seats to the first waiting people (the session is locked); who moved
    up, told on a channel of ``writes_first``."""
    free = capacity - _registered(tx, session_id)
    if free <= 0:
        return []
    waiting = (
        select(training_signup_t)
        .where(_u.session_id == session_id, _u.status == WAITING)
        .order_by(_u.queued_at, _u.id)
        .limit(free)
    )
    moved = [dict(r) for r in tx.conn.execute(waiting).mappings()]
    for person in moved:
        tx.conn.execute(
            update(training_signup_t)
            .where(_u.id == person["id"])
            .values(status=REGISTERED, promoted_at=now)
        )
        person.update(status=REGISTERED, promoted_at=now)
        _tell(tx, KIND_PROMOTED, person, writes_first, now.isoformat())
    return moved


def _insert_signup(tx: Tx, values: dict[str, Any]) -> dict[str, Any] | None:
    """Insert a sign-up with a fresh code; None when the phone is on the session already
    (signed up at the same moment on PostgreSQL's other transaction)."""
    for _ in range(8):
        code = new_code()
        try:
            with tx.conn.begin_nested():
                signup_id = tx.conn.execute(
                    insert(training_signup_t).returning(_u.id), {**values, "code": code}
                ).scalar_one()
        except IntegrityError:
            if values.get("phone") and _on_session(tx, values["session_id"], values["phone"]):
                return None
            continue  # the code was taken: draw another
        return signup(tx, int(signup_id))
    raise RuntimeError("no free check-in code after 8 draws")


def _on_session(tx: Tx, session_id: int, phone: str) -> dict[str, Any] | None:
    row = (
        tx.conn.execute(
            select(training_signup_t).where(_u.session_id == session_id, _u.phone == phone)
        )
        .mappings()
        .first()
    )
    return dict(row) if row else None


def sign_up(
    tx: Tx,
    session_id: int,
    *,
    channel: str,
    user_ref: str,
    lang: str,
    name: str,
    phone: str,
    consent_id: int | None,
    now: datetime,
) -> SignUp:
    """Sign a resident up (see :class:`SignUp` for the outcomes). A phone that cancelled
    before signs up again on its old row (its code kept, at the back of the queue).
    TrainingError: name_empty, name_too_long, phone_bad, lang_unknown."""
    cleaned, number = _name(name), _phone(phone, required=True)
    if lang not in LANGUAGES:
        raise TrainingError("lang_unknown")
    session = _lock(tx, session_id)
    if session is None:
        return SignUp("missing")
    if session["cancelled_at"] is not None or session["starts_at"] <= now:
        return SignUp("closed", session=session)
    assert number is not None
    before = _on_session(tx, session_id, number)
    if before is not None and before["status"] in ACTIVE:
        return SignUp("already", before, session)
    status = REGISTERED if _registered(tx, session_id) < session["capacity"] else WAITING
    person = {
        "channel": channel,
        "user_ref": user_ref,
        "lang": lang,
        "name": cleaned,
        "consent_id": consent_id,
        "status": status,
        "queued_at": now,
        "cancelled_at": None,
        "promoted_at": None,
        "reminded_day_at": None,
        "reminded_soon_at": None,
    }
    if before is not None:  # cancelled earlier: the same row again
        tx.conn.execute(update(training_signup_t).where(_u.id == before["id"]).values(**person))
        return SignUp(status, signup(tx, before["id"]), session)
    row = _insert_signup(
        tx, {**person, "session_id": session_id, "phone": number, "created_at": now}
    )
    if row is None:
        return SignUp("already", _on_session(tx, session_id, number), session)
    return SignUp(status, row, session)


def _cancel_rows(
    tx: Tx, rows: list[dict[str, Any]], now: datetime, writes_first: Collection[str]
) -> Cancelled:
    done: list[dict[str, Any]] = []
    promoted: list[dict[str, Any]] = []
    for session_id in sorted({r["session_id"] for r in rows}):
        session = _lock(tx, session_id)
        if session is None or session["cancelled_at"] is not None:
            continue
        for row in rows:
            if row["session_id"] != session_id:
                continue
            gone = tx.conn.execute(
                update(training_signup_t)
                .where(_u.id == row["id"], _u.status.in_(ACTIVE))
                .values(status=CANCELLED, cancelled_at=now)
            ).rowcount
            if gone:
                done.append({**row, "status": CANCELLED, "cancelled_at": now})
        if session["starts_at"] > now:
            promoted += _fill(tx, session_id, session["capacity"], now, writes_first)
    return Cancelled(done, promoted)


def cancel_signup(
    tx: Tx,
    channel: str,
    user_ref: str,
    session_id: int | None = None,
    *,
    now: datetime,
    writes_first: Collection[str] = (),
) -> Cancelled:
    """A resident cancels their sign-up to ``session_id`` (None: to every session not yet
    started). The freed seats go to the first waiting people (see :class:`Cancelled`)."""
    query = (
        select(training_signup_t)
        .join(training_session_t, _s.id == _u.session_id)
        .where(_u.channel == channel, _u.user_ref == user_ref, _u.status.in_(ACTIVE))
        .where(_s.starts_at > now, _s.cancelled_at.is_(None))
    )
    if session_id is not None:
        query = query.where(_u.session_id == session_id)
    rows = [dict(r) for r in tx.conn.execute(query).mappings()]
    return _cancel_rows(tx, rows, now, writes_first)


def cancel_by_staff(
    tx: Tx,
    signup_id: int,
    *,
    now: datetime,
    actor: str,
    writes_first: Collection[str] = (),
    actor_user_id: int | None = None,
    ip: str | None = None,
) -> Cancelled | None:
    """Staff cancel a sign-up (the person asked them to); None: no such sign-up. Whoever
    moves up is told as when the person cancels themselves."""
    row = signup(tx, signup_id)
    if row is None:
        return None
    result = _cancel_rows(tx, [row], now, writes_first)
    if result.cancelled:
        audit.record(
            tx,
            "training_signup_cancelled",
            actor,
            actor_user_id=actor_user_id,
            target=f"#{row['session_id']}",
            detail={"signup_id": signup_id, "promoted": len(result.promoted)},
            ip=ip,
        )
    return result


# --- at the door ---------------------------------------------------------------------------------


def _mark_in(tx: Tx, signup_id: int, by: str, now: datetime, **also: Any) -> bool:
    """Check the sign-up in unless it is already (the UPDATE decides: race-safe)."""
    done = tx.conn.execute(
        update(training_signup_t)
        .where(_u.id == signup_id, _u.checked_in_at.is_(None))
        .values(checked_in_at=now, checked_in_by=by[:254], **also)
    ).rowcount
    return bool(done)


def check_in(
    tx: Tx,
    session_id: int,
    code: str,
    by: str,
    now: datetime,
    *,
    anyway: bool = False,
) -> CheckIn:
    """Check in the person with this code (as typed) at this session, once (see
    :class:`CheckIn`). ``anyway``: staff check in someone waiting or cancelled, who then
    has a seat."""
    session = _lock(tx, session_id)
    if session is None:
        return CheckIn("missing")
    if session["cancelled_at"] is not None:
        return CheckIn("closed", session=session)
    person = by_code(tx, code)
    if person is None:
        return CheckIn("unknown", session=session)
    if person["session_id"] != session_id:
        return CheckIn("wrong_session", person, session=get(tx, person["session_id"]))
    if person["checked_in_at"] is not None:
        return CheckIn("already", person, person["checked_in_at"], session)
    also: dict[str, Any] = {}
    if person["status"] != REGISTERED:
        if not anyway:
            return CheckIn(person["status"], person, session=session)
        also = {"status": REGISTERED, "promoted_at": now, "cancelled_at": None}
    if not _mark_in(tx, person["id"], by, now, **also):
        again = signup(tx, person["id"]) or person
        return CheckIn("already", again, again["checked_in_at"], session)
    return CheckIn("checked_in", signup(tx, person["id"]), now, session)


def add_walk_in(
    tx: Tx, session_id: int, name: str, phone: str | None, by: str, now: datetime
) -> CheckIn:
    """Someone who came without signing up, typed in by staff at the door: checked in at
    once ("checked_in"; "already" when this phone is on the session and checked in —
    someone signed up is checked in on their own row, seat given if they were waiting).

    Privacy: only the name and, if they give it, the phone are kept, with no consent of
    their own — the record's one purpose is the attendance the ward reports (the plan's
    I.1), the person is in front of the staff member who types it, and no message is ever
    sent to a walk-in (no chat account is recorded). It is kept and erased with the
    session's other records. TrainingError: name_empty, name_too_long, phone_bad."""
    cleaned, number = _name(name), _phone(phone, required=False)
    session = _lock(tx, session_id)
    if session is None:
        return CheckIn("missing")
    if session["cancelled_at"] is not None:
        return CheckIn("closed", session=session)
    if number is not None:
        before = _on_session(tx, session_id, number)
        if before is not None:
            if before["checked_in_at"] is not None:
                return CheckIn("already", before, before["checked_in_at"], session)
            return check_in(tx, session_id, before["code"], by, now, anyway=True)
    row = _insert_signup(
        tx,
        {
            "session_id": session_id,
            "channel": None,
            "user_ref": None,
            "lang": LANGUAGES[0],
            "name": cleaned,
            "phone": number,
            "consent_id": None,
            "status": REGISTERED,
            "queued_at": now,
            "walk_in": True,
            "checked_in_at": now,
            "checked_in_by": by[:254],
            "created_at": now,
        },
    )
    if row is None:  # the same phone added at the same moment
        again = _on_session(tx, session_id, number or "")
        return CheckIn("already", again, again["checked_in_at"] if again else None, session)
    audit.record(
        tx, "training_walk_in", by, target=f"#{session_id}", detail={"signup_id": row["id"]}
    )
    return CheckIn("checked_in", row, now, session)


# --- the person's own data -------------------------------------------------------------------


def forget(
    tx: Tx, channel: str, user_ref: str, now: datetime, writes_first: Collection[str] = ()
) -> int:
    """Erase a chat account's sign-ups (their /xoa) and the notices queued about them; a
    seat they held in a session not yet started goes to the first waiting person. How many
    sign-ups went."""
    rows = [
        dict(r)
        for r in tx.conn.execute(
            select(training_signup_t).where(_u.channel == channel, _u.user_ref == user_ref)
        ).mappings()
    ]
    if not rows:
        return 0
    _cancel_rows(tx, [r for r in rows if r["status"] in ACTIVE], now, writes_first)
    ids = [r["id"] for r in rows]
    for signup_id in ids:
        tx.conn.execute(
            delete(outbox_t).where(outbox_t.c.dedupe_key.like(f"{notice_key(signup_id)}%"))
        )
    tx.conn.execute(delete(training_signup_t).where(_u.id.in_(ids)))
    return len(ids)


def forget_everyone(tx: Tx) -> int:
    """The retention period is over: every sign-up loses what names a person (name, phone,
    chat account, consent) and keeps its session, status and check-in — the attendance the
    ward reported. How many rows."""
    return int(
        tx.conn.execute(
            update(training_signup_t)
            .where(_u.name != "")
            .values(name="", phone=None, channel=None, user_ref=None, consent_id=None)
        ).rowcount
    )


# --- what the plan counts ---------------------------------------------------------------------


def end_of(day: date) -> datetime:
    """The first instant after Vietnam's day ``day`` (a session "held by the day" started
    before it)."""
    return datetime.combine(day + timedelta(days=1), time(0), VIETNAM).astimezone(UTC)


def held_at_schools(until: datetime) -> Any:
    """The sessions held at a school before ``until`` (not cancelled): a SELECT of
    ``school_id`` that db.progress and db.schools count as an activity at the school (the
    plan's I.5) — the one place that says so."""
    return select(_s.school_id).where(
        _s.school_id.is_not(None), _s.cancelled_at.is_(None), _s.starts_at < until
    )


def at_schools(tx: Tx, on: date) -> list[dict[str, Any]]:
    """The sessions held at schools by the end of ``on``, as activities of their school:
    ``school_id``, ``held_on`` (Vietnam's day), ``activity`` (the title), ``attended``
    (checked in), ``session_id``."""
    return [
        {
            "school_id": s["school_id"],
            "held_on": s["starts_at"].astimezone(VIETNAM).date(),
            "activity": s["title"],
            "attended": s["attended"],
            "session_id": s["id"],
        }
        for s in held(tx, None, end_of(on))
        if s["school_id"] is not None
    ]


@dataclass(frozen=True)
class Held:
    """Sessions held and the people who came (checked in, walk-ins included)."""

    sessions: int = 0
    attended: int = 0


def held_between(tx: Tx, first: date | None, last: date) -> Held:
    """The sessions held from Vietnam's day ``first`` (None: ever) through ``last``."""
    since = end_of(first - timedelta(days=1)) if first is not None else None
    found = held(tx, since, end_of(last))
    return Held(len(found), sum(s["attended"] for s in found))
