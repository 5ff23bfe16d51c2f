"""Campaign storage: broadcasts, their audience, and one delivery row per recipient and run.

Deliveries are created when a run starts (an INSERT … SELECT of the audience that ignores
rows already there), so a restarted run picks up exactly where it stopped; the sender streams
them in small batches, never the whole audience in memory. Imports db.models, db.store
and db.tables.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, func, insert, literal, select, update

from db.models import utcnow
from db.store import Tx
from db.tables import campaign_t, delivery_t, lead_t, subscriber_t

SEGMENTS = {
    "youth": "person",
    "business": "enterprise",
    "household": "household",
    "eligible": None,
    "all": None,
}
OPT_OUT_WINDOW = timedelta(hours=48)


def create(tx: Tx, **fields: Any) -> int:
    campaign_id: int = tx.conn.execute(
        insert(campaign_t).returning(campaign_t.c.id), {"created_at": utcnow(), **fields}
    ).scalar_one()
    return campaign_id


def get(tx: Tx, campaign_id: int) -> dict[str, Any] | None:
    row = tx.conn.execute(select(campaign_t).where(campaign_t.c.id == campaign_id)).mappings()
    found = row.first()
    return dict(found) if found else None


def all_campaigns(tx: Tx) -> list[dict[str, Any]]:
    rows = tx.conn.execute(select(campaign_t).order_by(campaign_t.c.id)).mappings()
    return [dict(r) for r in rows]


def set_status(tx: Tx, campaign_id: int, status: str, unless: tuple[str, ...] = ()) -> bool:
    query = update(campaign_t).where(campaign_t.c.id == campaign_id)
    if unless:
        query = query.where(campaign_t.c.status.notin_(unless))
    return tx.conn.execute(query.values(status=status)).rowcount == 1


def audience_filter(campaign: dict[str, Any]) -> Any:
    c = subscriber_t.c
    conditions: list[ColumnElement[bool]] = [c.unsubscribed_at.is_(None)]
    applicant = SEGMENTS.get(campaign["segment"])
    if applicant:
        conditions.append(c.applicant == applicant)
    if campaign["segment"] == "eligible":  # eligible, and not yet helped to register
        registered = (
            select(lead_t.c.id)
            .where(lead_t.c.channel == c.channel, lead_t.c.user_ref == c.user_ref)
            .where(lead_t.c.status == "registered")
        )
        conditions += [c.reason.like("eligible_%"), ~registered.exists()]
    if campaign.get("source"):
        conditions.append(c.source == campaign["source"])
    if campaign.get("area"):
        conditions.append(c.area == campaign["area"])
    return and_(*conditions)


def audience_size(tx: Tx, campaign: dict[str, Any]) -> int:
    query = select(func.count()).select_from(subscriber_t).where(audience_filter(campaign))
    return tx.conn.execute(query).scalar_one()


def materialise(tx: Tx, campaign: dict[str, Any], run_at: datetime) -> int:
    """One pending delivery per subscriber in the audience now; existing rows are kept."""
    source = select(
        literal(campaign["id"]),
        literal(run_at, type_=delivery_t.c.run_at.type),
        subscriber_t.c.id,
        literal("pending"),
    ).where(audience_filter(campaign))
    statement = tx.insert_ignore(delivery_t).from_select(
        ["campaign_id", "run_at", "subscriber_id", "status"], source
    )
    return tx.conn.execute(statement).rowcount


def pending(
    tx: Tx, campaign_id: int, run_at: datetime, limit: int, after: int = 0
) -> list[dict[str, Any]]:
    """The next deliveries to make (ids above ``after``, in order), with what the sender
    needs of each subscriber."""
    d, s = delivery_t.c, subscriber_t.c
    query = (
        select(d.id, s.channel, s.user_ref, s.lang, s.unsubscribed_at)
        .select_from(delivery_t.join(subscriber_t, s.id == d.subscriber_id))
        .where(d.campaign_id == campaign_id, d.run_at == run_at)
        .where(d.status == "pending", d.id > after)
        .order_by(d.id)
        .limit(limit)
    )
    return [dict(r) for r in tx.conn.execute(query).mappings()]


def interrupted(tx: Tx, campaign_id: int, run_at: datetime) -> int:
    """Deliveries a stopped process left in flight: maybe delivered, so never sent again
    (a resident must not get a campaign twice); counted apart as "unknown"."""
    d = delivery_t.c
    return tx.conn.execute(
        update(delivery_t)
        .where(d.campaign_id == campaign_id, d.run_at == run_at, d.status == "sending")
        .values(status="unknown")
    ).rowcount


# Prebuilt: a broadcast runs this once a delivery, where building it each time cost more
# than the database work (bench/broadcast.py).
_MARK = (
    update(delivery_t)
    .where(delivery_t.c.id == bindparam("did"))
    .values(status=bindparam("st"), error=bindparam("er"), sent_at=bindparam("at"))
)


def _marks(*marks: tuple[int, str, str | None]) -> list[dict[str, Any]]:
    now = utcnow()
    return [
        {"did": did, "st": status, "er": error, "at": now if status == "sent" else None}
        for did, status, error in marks
    ]


def mark(tx: Tx, delivery_id: int, status: str, error: str | None = None) -> None:
    tx.conn.execute(_MARK, _marks((delivery_id, status, error)))


_CLAIM = (
    update(delivery_t)
    .where(delivery_t.c.id == bindparam("did"), delivery_t.c.status == "pending")
    .values(status="sending")
)


def advance(tx: Tx, done: tuple[int, str, str | None] | None, sending: int | None) -> bool:
    """One step of a sender: the outcome of the delivery just made (id, status, error) and
    the next one marked "sending" (in flight), in one transaction. The next one is claimed
    only if still pending: False when another sender took it first (a process that led
    the scheduler before this one), so no delivery is ever sent by two."""
    if done is not None:
        tx.conn.execute(_MARK, _marks(done))
    return sending is not None and tx.conn.execute(_CLAIM, {"did": sending}).rowcount == 1


def figures(tx: Tx, campaign_id: int) -> dict[str, Any]:
    """Recipients, sent, failed by reason, blocked, outside window, opt-outs within 48 h."""
    d, s = delivery_t.c, subscriber_t.c
    by_status: dict[str, int] = dict(
        tx.conn.execute(
            select(d.status, func.count()).where(d.campaign_id == campaign_id).group_by(d.status)
        ).all()
    )
    failed: dict[str | None, int] = dict(
        tx.conn.execute(
            select(d.error, func.count())
            .where(d.campaign_id == campaign_id, d.status == "failed")
            .group_by(d.error)
        ).all()
    )
    sent = tx.conn.execute(
        select(d.sent_at, s.unsubscribed_at)
        .select_from(delivery_t.join(subscriber_t, s.id == d.subscriber_id))
        .where(d.campaign_id == campaign_id, d.status == "sent", s.unsubscribed_at.isnot(None))
    ).all()
    opt_outs = sum(
        1 for sent_at, out in sent if sent_at and sent_at <= out <= sent_at + OPT_OUT_WINDOW
    )
    return {
        "recipients": sum(by_status.values()),
        "sent": by_status.get("sent", 0),
        "pending": by_status.get("pending", 0) + by_status.get("sending", 0),
        "failed": failed,
        "blocked": by_status.get("blocked", 0),
        "outside_window": by_status.get("outside_window", 0),
        "unsubscribed": by_status.get("unsubscribed", 0),
        "unknown": by_status.get("unknown", 0),
        "opt_outs_48h": opt_outs,
    }


def ensure_kind(tx: Tx, kind: str, **fields: Any) -> int:
    """The one campaign of a kind (e.g. the programme-end reminder), created if missing."""
    found = tx.conn.execute(select(campaign_t.c.id).where(campaign_t.c.kind == kind)).scalar()
    return found if found is not None else create(tx, kind=kind, **fields)
