"""The ward's colleges and vocational schools (table ``school``) with the outreach activities
held at each (``outreach``: when, what, how many attended), and the numbers only the ward can
give (``ward_figure``) — above all ``youths_18_23``, the youths aged 18–23 living in the ward,
the id.vn target's denominator, set by staff with its source and date. No list of youths'
personal data is ever imported or kept: only that number.

A school's name is unique without regard to case and diacritics (``name_key``); a school is
archived, never deleted, so its activities still count. A figure is append-only: setting it
adds a row, and :func:`figure` gives the latest one dated on or before a day (the progress
numbers call it). Every change is written to the audit log in the caller's transaction.
Input that cannot be taken raises :class:`SchoolError` (words: ``schools.error.<key>``).

Imports db (audit, models, store, tables, training) and handlers.text.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from db import audit, training
from db.models import utcnow
from db.store import Tx
from db.tables import outreach_t, school_t, ward_figure_t
from handlers.text import fold, nfc

COLLEGE, VOCATIONAL = "college", "vocational"
KINDS = (COLLEGE, VOCATIONAL)
YOUTHS = "youths_18_23"
FIGURES = (YOUTHS,)
NAME_MAX = 200
ADDRESS_MAX = 300
ACTIVITY_MAX = 300
SOURCE_MAX = 300
ATTENDED_MAX = 100_000
FIGURE_MAX = 10_000_000


class SchoolError(ValueError):
    """Input that cannot be taken: ``schools.error.<key>`` with ``params``."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(f"{key} {params}" if params else key)
        self.key = key
        self.params = params


def _clean(text: str | None) -> str:
    return " ".join(nfc(text or "").split())


def _name(name: str) -> tuple[str, str]:
    cleaned = _clean(name)
    if not cleaned:
        raise SchoolError("name_empty")
    if len(cleaned) > NAME_MAX:
        raise SchoolError("name_too_long", limit=NAME_MAX)
    return cleaned, fold(cleaned)


def _kind(kind: str) -> str:
    if kind not in KINDS:
        raise SchoolError("bad_kind")
    return kind


def _address(address: str | None) -> str | None:
    cleaned = _clean(address)
    if len(cleaned) > ADDRESS_MAX:
        raise SchoolError("address_too_long", limit=ADDRESS_MAX)
    return cleaned or None


def _taken(tx: Tx, key: str, other_than: int | None = None) -> str | None:
    query = select(school_t.c.name).where(school_t.c.name_key == key)
    if other_than is not None:
        query = query.where(school_t.c.id != other_than)
    found: str | None = tx.conn.execute(query).scalar()
    return found


def get(tx: Tx, school_id: int) -> dict[str, Any] | None:
    row = tx.conn.execute(select(school_t).where(school_t.c.id == school_id)).mappings().first()
    return dict(row) if row else None


def by_name(tx: Tx, name: str) -> dict[str, Any] | None:
    """The school of this name, without regard to case, diacritics and spaces."""
    key = fold(_clean(name))
    row = tx.conn.execute(select(school_t).where(school_t.c.name_key == key)).mappings().first()
    return dict(row) if row else None


def add(
    tx: Tx,
    name: str,
    kind: str,
    address: str | None = None,
    *,
    actor: str,
    actor_user_id: int | None = None,
    ip: str | None = None,
) -> dict[str, Any]:
    """A new school; its row. SchoolError: name_empty, name_too_long, bad_kind,
    address_too_long, taken."""
    cleaned, key = _name(name)
    values = {"name": cleaned, "name_key": key, "kind": _kind(kind), "address": _address(address)}
    existing = _taken(tx, key)
    if existing is not None:
        raise SchoolError("taken", existing=existing)
    try:
        with tx.conn.begin_nested():
            school_id = tx.conn.execute(
                insert(school_t).returning(school_t.c.id), {**values, "created_at": utcnow()}
            ).scalar_one()
    except IntegrityError as exc:  # added by someone else at the same moment
        raise SchoolError("taken", existing=cleaned) from exc
    audit.record(
        tx,
        "school_changed",
        actor,
        actor_user_id=actor_user_id,
        target=cleaned,
        detail={"change": "added"},
        ip=ip,
    )
    return get(tx, int(school_id)) or {}


def change(
    tx: Tx,
    school_id: int,
    name: str,
    kind: str,
    address: str | None = None,
    *,
    actor: str,
    actor_user_id: int | None = None,
    ip: str | None = None,
) -> dict[str, Any]:
    """Rename a school or change its kind or address; its row. SchoolError as :func:`add`,
    and missing."""
    before = get(tx, school_id)
    if before is None:
        raise SchoolError("missing")
    cleaned, key = _name(name)
    values = {"name": cleaned, "name_key": key, "kind": _kind(kind), "address": _address(address)}
    existing = _taken(tx, key, other_than=school_id)
    if existing is not None:
        raise SchoolError("taken", existing=existing)
    if any(before[k] != v for k, v in values.items()):
        try:
            with tx.conn.begin_nested():
                tx.conn.execute(update(school_t).where(school_t.c.id == school_id).values(values))
        except IntegrityError as exc:
            raise SchoolError("taken", existing=cleaned) from exc
        audit.record(
            tx,
            "school_changed",
            actor,
            actor_user_id=actor_user_id,
            target=cleaned,
            detail={"change": "changed", "before": before["name"]},
            ip=ip,
        )
    return get(tx, school_id) or {}


def set_archived(
    tx: Tx,
    school_id: int,
    archived: bool,
    *,
    actor: str,
    actor_user_id: int | None = None,
    ip: str | None = None,
) -> bool:
    """Archive a school (or bring it back); whether anything changed. SchoolError: missing."""
    before = get(tx, school_id)
    if before is None:
        raise SchoolError("missing")
    if (before["archived_at"] is not None) == archived:
        return False
    tx.conn.execute(
        update(school_t)
        .where(school_t.c.id == school_id)
        .values(archived_at=utcnow() if archived else None)
    )
    audit.record(
        tx,
        "school_changed",
        actor,
        actor_user_id=actor_user_id,
        target=before["name"],
        detail={"change": "archived" if archived else "unarchived"},
        ip=ip,
    )
    return True


def record_outreach(
    tx: Tx,
    school_id: int,
    held_on: date,
    activity: str,
    attended: int | None,
    *,
    today: date,
    actor: str,
    actor_user_id: int | None = None,
    ip: str | None = None,
) -> int:
    """An activity held at a school; its id. SchoolError: missing, future_day,
    activity_empty, activity_too_long, bad_attended."""
    school = get(tx, school_id)
    if school is None:
        raise SchoolError("missing")
    if held_on > today:
        raise SchoolError("future_day")
    what = _clean(activity)
    if not what:
        raise SchoolError("activity_empty")
    if len(what) > ACTIVITY_MAX:
        raise SchoolError("activity_too_long", limit=ACTIVITY_MAX)
    if attended is not None and not 0 <= attended <= ATTENDED_MAX:
        raise SchoolError("bad_attended", limit=ATTENDED_MAX)
    outreach_id = tx.conn.execute(
        insert(outreach_t).returning(outreach_t.c.id),
        {
            "school_id": school_id,
            "held_on": held_on,
            "activity": what,
            "attended": attended,
            "recorded_by": actor[:254],
            "created_at": utcnow(),
        },
    ).scalar_one()
    audit.record(
        tx,
        "outreach_recorded",
        actor,
        actor_user_id=actor_user_id,
        target=school["name"],
        detail={"held_on": held_on.isoformat(), "attended": attended},
        ip=ip,
    )
    return int(outreach_id)


def listing(tx: Tx, on: date, archived: bool = False) -> list[dict[str, Any]]:
    """The schools (archived ones too when asked) by name, each with its ``activities``
    held on or before ``on`` (newest first) — training sessions held there among them
    (db.training.at_schools: with a ``session_id``) —, ``reached`` (at least one) and
    ``attended`` (their total)."""
    query = select(school_t)
    if not archived:
        query = query.where(school_t.c.archived_at.is_(None))
    schools = [dict(r) for r in tx.conn.execute(query).mappings()]
    held: dict[int, list[dict[str, Any]]] = {}
    activities = select(outreach_t).where(outreach_t.c.held_on <= on)
    for row in tx.conn.execute(
        activities.order_by(outreach_t.c.held_on.desc(), outreach_t.c.id.desc())
    ).mappings():
        held.setdefault(int(row["school_id"]), []).append(dict(row))
    for session in training.at_schools(tx, on):  # a training held there is an activity too
        held.setdefault(int(session["school_id"]), []).append(session)
    for school in schools:
        school["activities"] = sorted(
            held.get(int(school["id"]), []), key=lambda a: a["held_on"], reverse=True
        )
        school["reached"] = bool(school["activities"])
        school["attended"] = sum(a["attended"] or 0 for a in school["activities"])
    schools.sort(key=lambda s: (s["archived_at"] is not None, s["name_key"]))
    return schools


# --- the ward's figures ---------------------------------------------------------------------


def set_figure(
    tx: Tx,
    key: str,
    value: int,
    source: str,
    as_of: date,
    *,
    today: date,
    actor: str,
    actor_user_id: int | None = None,
    ip: str | None = None,
) -> dict[str, Any]:
    """A new value of a figure (the earlier ones stay, as its history); the row.
    SchoolError: unknown_figure, bad_value, source_empty, source_too_long, future_day."""
    if key not in FIGURES:
        raise SchoolError("unknown_figure")
    if not 0 <= value <= FIGURE_MAX:
        raise SchoolError("bad_value", limit=FIGURE_MAX)
    where = _clean(source)
    if not where:
        raise SchoolError("source_empty")
    if len(where) > SOURCE_MAX:
        raise SchoolError("source_too_long", limit=SOURCE_MAX)
    if as_of > today:
        raise SchoolError("future_day")
    figure_id = tx.conn.execute(
        insert(ward_figure_t).returning(ward_figure_t.c.id),
        {
            "key": key,
            "value": value,
            "source": where,
            "as_of": as_of,
            "set_by": actor[:254],
            "set_at": utcnow(),
        },
    ).scalar_one()
    audit.record(
        tx,
        "figure_set",
        actor,
        actor_user_id=actor_user_id,
        target=key,
        detail={"value": value, "as_of": as_of.isoformat()},
        ip=ip,
    )
    row = tx.conn.execute(select(ward_figure_t).where(ward_figure_t.c.id == figure_id))
    return dict(row.mappings().one())


def figure(tx: Tx, key: str, on: date) -> dict[str, Any] | None:
    """The figure of ``on``: the latest value dated on or before it (of two with the same
    date, the one set last), or None."""
    c = ward_figure_t.c
    query = (
        select(ward_figure_t)
        .where(c.key == key, c.as_of <= on)
        .order_by(c.as_of.desc(), c.id.desc())
        .limit(1)
    )
    row = tx.conn.execute(query).mappings().first()
    return dict(row) if row else None


def history(tx: Tx, key: str) -> list[dict[str, Any]]:
    """Every value a figure was given, the latest date first."""
    c = ward_figure_t.c
    query = select(ward_figure_t).where(c.key == key).order_by(c.as_of.desc(), c.id.desc())
    return [dict(r) for r in tx.conn.execute(query).mappings()]
