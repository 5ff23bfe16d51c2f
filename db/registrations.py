"""Registered domains (table ``registration``) — the outcome the plan's targets count:
recording one (:func:`record`, from staff, a resident or a registrar's list), the office's
list, the DNS check's result, and the follow-up question to residents whose request has
been in the team's hands for a while (:func:`queue_follow_ups`).

One row per domain. The same domain recorded again never makes a second row: what is
missing is filled in (the lead, the business, the tax code), nothing recorded is lost, and
a stronger source replaces a weaker one — a registrar's list confirms what a resident said
or staff recorded (registrar > staff > self_reported), its date then being the list's.

A name is a programme registration only directly under id.vn or biz.vn
(:func:`handlers.domains.programme_name`): its zone is the row's ``kind``.

Imports db (models, outbox, store, tables) and handlers (domains).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import String, and_, cast, delete, func, insert, literal, or_, select, update

from db import outbox
from db.models import utcnow
from db.store import Tx
from db.tables import (
    business_t,
    consent_t,
    conversation_t,
    lead_t,
    outbox_t,
    registration_t,
    team_t,
)
from handlers.domains import programme_name

STAFF = "staff"
SELF_REPORTED = "self_reported"
REGISTRAR = "registrar"
SOURCES = (SELF_REPORTED, STAFF, REGISTRAR)  # weakest first
KINDS = ("id.vn", "biz.vn")
RESIDENT = "resident"  # recorded_by of what a resident said in the chat
VERIFIED = "verified"
NOT_FOUND = "not_found"
DNS_STATUSES = (VERIFIED, NOT_FOUND)
FOLLOW_UP_STATUSES = ("contacted", "registering")  # a lead the team is still working on
FOLLOW_UP_KIND = "registration_offer"
_c = registration_t.c


@dataclass(frozen=True)
class Recorded:
    """What :func:`record` did: "added", "updated" (something missing was filled in, or a
    stronger source confirmed it), "same" (nothing new) — with the row's id; or a problem
    of the name ("invalid", "other_zone", "diacritics", see
    :class:`~handlers.domains.ProgrammeName`) and no id."""

    outcome: str
    id: int | None = None
    domain: str | None = None

    @property
    def ok(self) -> bool:
        return self.id is not None


def find(tx: Tx, domain: str) -> dict[str, Any] | None:
    """The registration of this name (as :func:`handlers.domains.registered_name` gives it)."""
    row = tx.conn.execute(select(registration_t).where(_c.domain == domain)).mappings().first()
    return dict(row) if row else None


def record(
    tx: Tx,
    domain: str,
    *,
    source: str,
    registered_on: date,
    recorded_by: str,
    lead_id: int | None = None,
    business_id: int | None = None,
    tax_code: str | None = None,
) -> Recorded:
    """Record that ``domain`` is registered (see the module's rules for a name seen before)."""
    if source not in SOURCES:
        raise ValueError(source)
    checked = programme_name(domain)
    if not checked.ok or checked.name is None or checked.kind is None:
        return Recorded(checked.problem or "invalid")
    name = checked.name
    given = {"lead_id": lead_id, "business_id": business_id, "tax_code": tax_code}
    found = find(tx, name)
    if found is None:
        values = {
            "domain": name,
            "kind": checked.kind,
            "registered_on": registered_on,
            "source": source,
            "recorded_by": recorded_by[:254],
            "created_at": utcnow(),
            **given,
        }
        inserted = tx.conn.execute(insert(registration_t).values(**values).returning(_c.id))
        return Recorded("added", int(inserted.scalar_one()), name)
    changes: dict[str, Any] = {k: v for k, v in given.items() if v is not None and found[k] is None}
    if SOURCES.index(source) > SOURCES.index(found["source"]):
        changes |= {"source": source, "registered_on": registered_on}
    if not changes:
        return Recorded("same", found["id"], name)
    tx.conn.execute(update(registration_t).where(_c.id == found["id"]).values(**changes))
    return Recorded("updated", found["id"], name)


def withdraw_staff_record(tx: Tx, lead_id: int, domain: str) -> bool:
    """Staff corrected a lead's name: the registration they recorded under the old one (and
    only theirs — a registrar's list or the resident's own word stays) is removed, so one
    person is never counted twice. Whether a row went."""
    gone = tx.conn.execute(
        delete(registration_t).where(_c.domain == domain, _c.lead_id == lead_id, _c.source == STAFF)
    )
    return bool(gone.rowcount)


def for_lead(tx: Tx, lead_id: int) -> list[dict[str, Any]]:
    query = select(registration_t).where(_c.lead_id == lead_id).order_by(_c.id)
    return [dict(r) for r in tx.conn.execute(query).mappings()]


# --- the office's list --------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """What the list is narrowed to: ``dns`` is "verified", "not_found" or "unchecked"."""

    source: str | None = None
    kind: str | None = None
    dns: str | None = None
    team_id: int | None = None
    q: str | None = None  # a part of the domain


def listing(tx: Tx, filters: Filters, limit: int = 500) -> list[dict[str, Any]]:
    """Registrations newest first, with the lead's team and the business's name. A leader's
    list is their team's (``filters.team_id``): the registrations of their team's leads."""
    query = (
        select(
            registration_t,
            lead_t.c.team_id,
            team_t.c.name.label("team"),
            business_t.c.name.label("business"),
        )
        .select_from(
            registration_t.outerjoin(lead_t, lead_t.c.id == _c.lead_id)
            .outerjoin(team_t, team_t.c.id == lead_t.c.team_id)
            .outerjoin(business_t, business_t.c.id == _c.business_id)
        )
        .order_by(_c.registered_on.desc(), _c.id.desc())
        .limit(limit)
    )
    if filters.source:
        query = query.where(_c.source == filters.source)
    if filters.kind:
        query = query.where(_c.kind == filters.kind)
    if filters.dns == "unchecked":
        query = query.where(_c.dns_status.is_(None))
    elif filters.dns:
        query = query.where(_c.dns_status == filters.dns)
    if filters.team_id is not None:
        query = query.where(lead_t.c.team_id == filters.team_id)
    if filters.q:
        query = query.where(_c.domain.contains(filters.q.strip().lower(), autoescape=True))
    return [dict(r) for r in tx.conn.execute(query).mappings()]


# --- the DNS check --------------------------------------------------------------------------


def due_for_check(tx: Tx, now: datetime, older_than: timedelta | None) -> list[dict[str, Any]]:
    """The registrations to check: never checked, or last checked before ``now -
    older_than`` (None: all of them)."""
    query = select(_c.id, _c.domain, _c.dns_status).order_by(_c.id)
    if older_than is not None:
        query = query.where(or_(_c.dns_checked_at.is_(None), _c.dns_checked_at < now - older_than))
    return [dict(r) for r in tx.conn.execute(query).mappings()]


def set_dns(tx: Tx, registration_id: int, status: str, at: datetime) -> None:
    if status not in DNS_STATUSES:
        raise ValueError(status)
    tx.conn.execute(
        update(registration_t)
        .where(_c.id == registration_id)
        .values(dns_status=status, dns_checked_at=at)
    )


def counts(tx: Tx) -> dict[str, int]:
    """How many registrations by source."""
    query = select(_c.source, func.count()).group_by(_c.source)
    return {str(s): int(n) for s, n in tx.conn.execute(query).all()}


# --- asking residents whether they registered -----------------------------------------------


def queue_follow_ups(
    tx: Tx,
    now: datetime,
    after: timedelta,
    channels: Collection[str],
    may_write: Callable[[str, datetime | None], bool],
) -> int:
    """Ask each resident whose request has stood in "contacted" or "registering" for
    ``after`` (since its last change) whether they registered: once per lead (the outbox's
    dedupe key), only on ``channels`` (those that may write first) and only while
    ``may_write(channel, their last message)`` (a channel's window: a resident outside it
    is asked once they write again), only for a lead given with the consent to be
    contacted, not withdrawn, and not when a registration of the lead is known already.
    How many were queued."""
    c = lead_t.c
    known = select(_c.id).where(_c.lead_id == c.id).exists()
    key = literal("lead:") + cast(c.id, String) + literal(f":{FOLLOW_UP_KIND}")
    asked = select(outbox_t.c.id).where(outbox_t.c.dedupe_key == key).exists()
    chat = conversation_t.c
    query = (
        select(c.id, c.channel, c.user_ref, chat.updated_at.label("last_message"))
        .select_from(
            lead_t.join(consent_t, consent_t.c.id == c.consent_id).outerjoin(
                conversation_t,
                and_(chat.channel == c.channel, chat.user_ref == c.user_ref),
            )
        )
        .where(
            c.status.in_(FOLLOW_UP_STATUSES),
            c.updated_at <= now - after,
            c.channel.in_(list(channels)),
            consent_t.c.granted.is_(True),
            consent_t.c.withdrawn_at.is_(None),
            ~known,
            ~asked,
        )
        .order_by(c.id)
    )
    rows = [r for r in tx.conn.execute(query).all() if may_write(r.channel, r.last_message)]
    for row in rows:
        outbox.enqueue(
            tx, FOLLOW_UP_KIND, row.channel, row.user_ref, {"lead_id": row.id}, _asked(row.id)
        )
    return len(rows)


def _asked(lead_id: int) -> str:
    """The outbox's dedupe key of the question (under "lead:ID:", erased with the lead)."""
    return f"lead:{lead_id}:{FOLLOW_UP_KIND}"
