"""Campaign sources: where residents came from. A source is a code carried in links and QR
codes (``/?source=CODE`` on the web chat, Telegram's ``/start CODE``) with a name and the
organisation that hands it out; and its funnel — conversations → verdicts → eligible →
leads → registered.

A code follows Telegram's rule for a ``/start`` parameter (A–Z a–z 0–9 _ -, 1 to 64
characters) and is kept in lower case: the engine lower-cases the code it reads
(:func:`handlers.understand.start_command`), so what ``conversation.source``,
``lead.source`` and ``verdict_count.source`` hold is lower case, and two codes that differ
only in case would be one source anyway. A code may not start with ``staff-`` (Telegram's
deep link for a team member's invite, ``?start=staff-CODE``).

Bad input raises :class:`SourceError`, whose ``key`` names the message under
``sources.error.*`` in content/<lang>/ (the command line and the office show it in words).
Every change goes to the audit log (``source_changed``) in the same transaction, as done by
``actor`` (the office: the staff member's e-mail, ``actor_user_id`` and ``ip``).

The funnel counts what is kept: conversations (``conversation.source``; a conversation is
deleted when its owner erases their data or after 90 idle days, so this first step can
shrink), verdicts reached (``verdict_count``, anonymous; a resident checking twice counts
twice), the eligible ones (reason ``eligible_…``), leads (``lead`` plus ``erased_lead``: a
resident deleting their data does not take their request out of the ward's figures), the
contacted ones among those leads (the team got through: a status change to contacted,
registering, registered or declined — :data:`db.followup.REACHED` — or a registration) and
the registered ones (a registration linked to the lead, or a status change to
registered; an erased lead counts by the status it had). A period counts what was created
in it: conversations and leads by their creation time, verdicts by their day, erased leads
by the day the lead was made; days are Vietnam's. A lead's later steps count as they stood
at the end of the period (a status change or registration after ``until`` does not count).

The same funnel grouped by team (``by="team"``, the lead's team) or narrowed to one team
(``team_id``) counts only leads: conversations and verdicts belong to no team.

Imports db.audit, db.followup (statuses), db.models, db.store, db.tables, handlers.privacy
(the Vietnam time zone) and handlers.text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal

from sqlalchemy import case, exists, func, or_, select, update
from sqlalchemy.sql.elements import ColumnElement

from db import audit
from db.followup import REACHED
from db.models import utcnow
from db.store import Tx
from db.tables import (
    conversation_t,
    erased_t,
    event_t,
    lead_t,
    registration_t,
    source_t,
    verdict_t,
)
from handlers.privacy import VIETNAM
from handlers.text import nfc

CODE_MAX = 64
NAME_MAX = 100  # source.name and source.organisation
CODE = re.compile(r"^[a-z0-9_-]{1,64}$")  # after lower-casing: Telegram's /start parameter
RESERVED = ("staff-",)  # Telegram's ?start=staff-CODE links a team member's account


class SourceError(ValueError):
    """Input a source cannot take. ``key`` is the message's key under ``sources.error.``
    and ``params`` its parameters: ``content.render(lang, "sources.error." + key, **params)``.
    """

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(f"{key} {params}" if params else key)
        self.key = key
        self.params = params


@dataclass(frozen=True)
class Funnel:
    """How far the residents of one source (or of several) got."""

    conversations: int = 0
    verdicts: int = 0
    eligible: int = 0
    leads: int = 0
    contacted: int = 0
    registered: int = 0

    def __add__(self, other: Funnel) -> Funnel:
        return Funnel(**{k: v + getattr(other, k) for k, v in asdict(self).items()})

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


STEPS = tuple(Funnel.__dataclass_fields__)  # in the funnel's order
LEAD_STEPS = ("leads", "contacted", "registered")  # what a team's funnel counts


# --- checking what people type ------------------------------------------------------------


def normalise_code(code: str) -> str:
    """The code as stored (lower case), or :class:`SourceError` saying what is wrong."""
    given = code.strip()
    lowered = given.lower()
    if not CODE.match(lowered):
        raise SourceError("code_invalid", code=given, max=CODE_MAX)
    if lowered.startswith(RESERVED):
        raise SourceError("code_reserved", code=given)
    return lowered


def _text(value: str, what: str) -> str:
    """A name or organisation: in NFC, spaces trimmed and runs of spaces made one."""
    cleaned = " ".join(nfc(value).split())
    if not cleaned:
        raise SourceError(f"{what}_empty")
    if len(cleaned) > NAME_MAX:
        raise SourceError(f"{what}_too_long", max=NAME_MAX, length=len(cleaned))
    return cleaned


def _record(
    tx: Tx, code: str, actor: str, actor_user_id: int | None, ip: str | None, **detail: Any
) -> None:
    audit.record(
        tx,
        "source_changed",
        actor,
        actor_user_id=actor_user_id,
        target=f"source:{code}",
        detail={"code": code, **detail},
        ip=ip,
    )


# --- sources -----------------------------------------------------------------------------


def add(
    tx: Tx,
    code: str,
    name: str,
    organisation: str,
    *,
    actor: str,
    actor_user_id: int | None = None,
    ip: str | None = None,
) -> dict[str, Any]:
    """A new source; :class:`SourceError` for a bad or taken code (an archived source keeps
    its code: unarchive it instead)."""
    stored, cleaned = normalise_code(code), _text(name, "name")
    org = _text(organisation, "organisation")
    values = {"code": stored, "name": cleaned, "organisation": org, "created_at": utcnow()}
    added = tx.conn.execute(tx.insert_ignore(source_t).returning(source_t.c.code), values)
    if added.scalar() is None:  # the code is taken (PostgreSQL gives no rowcount here)
        raise SourceError("code_taken", code=stored)
    _record(tx, stored, actor, actor_user_id, ip, change="added", name=cleaned, organisation=org)
    return {**values, "archived_at": None}


def get(tx: Tx, code: str) -> dict[str, Any] | None:
    """The source with this code (any case), or None."""
    row = (
        tx.conn.execute(select(source_t).where(source_t.c.code == code.strip().lower()))
        .mappings()
        .first()
    )
    return dict(row) if row else None


def _existing(tx: Tx, code: str) -> dict[str, Any]:
    found = get(tx, code)
    if found is None:
        raise SourceError("unknown", code=code.strip())
    return found


def change(
    tx: Tx,
    code: str,
    *,
    name: str | None = None,
    organisation: str | None = None,
    actor: str,
    actor_user_id: int | None = None,
    ip: str | None = None,
) -> dict[str, Any]:
    """Rename a source or change its organisation (the code never changes: it is printed on
    flyers); the source as it is now."""
    source = _existing(tx, code)
    values: dict[str, str] = {}
    if name is not None:
        values["name"] = _text(name, "name")
    if organisation is not None:
        values["organisation"] = _text(organisation, "organisation")
    values = {k: v for k, v in values.items() if v != source[k]}
    if values:
        tx.conn.execute(update(source_t).where(source_t.c.code == source["code"]), values)
        before = {f"old_{k}": source[k] for k in values}
        _record(tx, source["code"], actor, actor_user_id, ip, change="changed", **values, **before)
    return {**source, **values}


def _set_archived(
    tx: Tx, code: str, archived: bool, actor: str, actor_user_id: int | None, ip: str | None
) -> bool:
    source = _existing(tx, code)
    c = source_t.c
    done = tx.conn.execute(
        update(source_t)
        .where(
            c.code == source["code"],
            c.archived_at.is_(None) if archived else c.archived_at.isnot(None),
        )
        .values(archived_at=utcnow() if archived else None)
    )
    if done.rowcount != 1:
        return False
    change = "archived" if archived else "unarchived"
    _record(tx, source["code"], actor, actor_user_id, ip, change=change)
    return True


def archive(
    tx: Tx, code: str, *, actor: str, actor_user_id: int | None = None, ip: str | None = None
) -> bool:
    """Hide a source from the lists (its links keep working and its residents keep being
    counted); False if it was archived already."""
    return _set_archived(tx, code, True, actor, actor_user_id, ip)


def unarchive(
    tx: Tx, code: str, *, actor: str, actor_user_id: int | None = None, ip: str | None = None
) -> bool:
    """Show an archived source again; False if it was not archived."""
    return _set_archived(tx, code, False, actor, actor_user_id, ip)


def listing(
    tx: Tx,
    *,
    archived: bool = False,
    since: date | None = None,
    until: date | None = None,
) -> list[dict[str, Any]]:
    """The sources (with the archived ones too if ``archived``), by organisation then name,
    each with its ``funnel`` over the period."""
    query = select(source_t).order_by(source_t.c.organisation, source_t.c.name, source_t.c.code)
    if not archived:
        query = query.where(source_t.c.archived_at.is_(None))
    rows = [dict(r) for r in tx.conn.execute(query).mappings()]
    counts = funnels(tx, since=since, until=until, codes=[r["code"] for r in rows])
    for row in rows:
        row["funnel"] = counts.get(row["code"], Funnel())
    return rows


def unlisted(
    tx: Tx, *, since: date | None = None, until: date | None = None
) -> dict[str | None, Funnel]:
    """The funnels of residents whose code is no source here (a code typed by hand, a
    source never added) and, under None, of those who came with no code at all."""
    known = set(tx.conn.execute(select(source_t.c.code)).scalars())
    return {
        code: f
        for code, f in funnels(tx, since=since, until=until).items()
        if code is None or code not in known
    }


# --- the funnel ----------------------------------------------------------------------------


def _bounds(since: date | None, until: date | None) -> tuple[datetime | None, datetime | None]:
    """Vietnam's days ``since``..``until`` (both included) as UTC instants [start, end)."""

    def midnight(day: date) -> datetime:
        return datetime.combine(day, time(), VIETNAM).astimezone(UTC)

    return (
        midnight(since) if since else None,
        midnight(until + timedelta(days=1)) if until else None,
    )


def _within(column: Any, start: Any, end: Any) -> list[ColumnElement[bool]]:
    out: list[ColumnElement[bool]] = []
    if start is not None:
        out.append(column >= start)
    if end is not None:
        out.append(column < end)
    return out


def _count_if(condition: ColumnElement[bool]) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def reached(until: date | None = None) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    """The conditions on a ``lead`` row that it was contacted, and that it registered, by the
    end of Vietnam's day ``until`` (None: by now) — the funnel's two last steps."""
    _start, end = _bounds(None, until)
    e, r = event_t.c, registration_t.c
    registration = exists().where(
        r.lead_id == lead_t.c.id,
        *_within(r.registered_on, None, until + timedelta(days=1) if until else None),
    )

    def status_in(statuses: Iterable[str]) -> ColumnElement[bool]:
        return exists().where(
            e.lead_id == lead_t.c.id, e.status.in_(list(statuses)), *_within(e.at, None, end)
        )

    return or_(registration, status_in(REACHED)), or_(registration, status_in(["registered"]))


def funnels(
    tx: Tx,
    *,
    since: date | None = None,
    until: date | None = None,
    codes: Iterable[str] | None = None,
    by: Literal["source", "team"] = "source",
    team_id: int | None = None,
) -> dict[Any, Funnel]:
    """Each source code's funnel (None: residents who came with no code), over Vietnam's
    days ``since``..``until`` (both included; None: no bound); only ``codes`` if given.
    A code nobody came with is absent. ``by="team"``: each team's (by its id; None: leads
    no team serves); ``team_id``: only that team's leads. Both count leads only."""
    start, end = _bounds(since, until)
    wanted = None if codes is None else sorted({c.lower() for c in codes})
    out: dict[Any, dict[str, int]] = {}
    leads_only = by == "team" or team_id is not None

    def gather(table: Any, when: list[ColumnElement[bool]], **columns: Any) -> None:
        key = table.c.team_id if by == "team" else table.c.source
        query = select(key.label("key"), *(v.label(k) for k, v in columns.items())).group_by(key)
        conditions = list(when)
        if wanted is not None:
            conditions.append(table.c.source.in_(wanted))
        if conditions:
            query = query.where(*conditions)
        for row in tx.conn.execute(query).mappings():
            counts = out.setdefault(row["key"], dict.fromkeys(STEPS, 0))
            for k in columns:
                counts[k] += int(row[k])

    c, v, le, er = conversation_t.c, verdict_t.c, lead_t.c, erased_t.c
    day_end = until + timedelta(days=1) if until else None
    if not leads_only:
        gather(conversation_t, _within(c.created_at, start, end), conversations=func.count())
        gather(
            verdict_t,
            _within(v.day, since, day_end),
            verdicts=func.count(),
            eligible=_count_if(v.reason.startswith("eligible_", autoescape=True)),
        )
    contacted, registered = reached(until)
    lead_when = _within(le.created_at, start, end)
    if team_id is not None:
        lead_when.append(le.team_id == team_id)
    gather(
        lead_t,
        lead_when,
        leads=func.count(),
        contacted=_count_if(contacted),
        registered=_count_if(registered),
    )
    if not leads_only:
        gather(
            erased_t,
            _within(er.created_on, since, day_end),
            leads=func.count(),
            contacted=_count_if(er.status.in_(REACHED)),
            registered=_count_if(er.status == "registered"),
        )
    return {key: Funnel(**counts) for key, counts in out.items()}


def funnel(
    tx: Tx, code: str | None, *, since: date | None = None, until: date | None = None
) -> Funnel:
    """One source's funnel (``code`` in any case), or the whole ward's (``code`` None: every
    resident, with a code or without)."""
    found: Mapping[str | None, Funnel] = funnels(
        tx, since=since, until=until, codes=None if code is None else [code]
    )
    total = Funnel()
    for each in found.values():
        total += each
    return total
