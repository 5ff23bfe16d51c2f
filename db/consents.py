"""Consents: what a person agreed to (or declined), to which text version, and when they
withdrew it. A lead, a news subscription and a reminder each point at the consent that
allowed them. Imports db.models, db.store, db.tables and handlers' types.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import insert, select, update

from db.models import utcnow
from db.store import Tx
from db.tables import consent_t
from handlers.types import RecordConsent

_c = consent_t.c


def record(
    tx: Tx, channel: str, user_ref: str, consent: RecordConsent, external_id: str | None
) -> int:
    """Record a consent given or declined; its id."""
    consent_id: int = tx.conn.execute(
        insert(consent_t).returning(_c.id),
        {
            "channel": channel,
            "user_ref": user_ref,
            "purpose": consent.purpose,
            "version": consent.version,
            "text_hash": consent.text_hash,
            "granted": consent.granted,
            "at": utcnow(),
            "external_id": external_id,
        },
    ).scalar_one()
    return consent_id


def latest(tx: Tx, channel: str, user_ref: str, purpose: str) -> int | None:
    """The id of the person's newest granted, unwithdrawn consent for ``purpose``."""
    found: int | None = tx.conn.execute(
        select(_c.id)
        .where(_c.channel == channel, _c.user_ref == user_ref, _c.purpose == purpose)
        .where(_c.granted.is_(True), _c.withdrawn_at.is_(None))
        .order_by(_c.id.desc())
        .limit(1)
    ).scalar()
    return found


def withdraw(tx: Tx, channel: str, user_ref: str, purposes: Iterable[str], at: datetime) -> None:
    """Withdraw the person's standing consents for these purposes."""
    tx.conn.execute(
        update(consent_t)
        .where(_c.channel == channel, _c.user_ref == user_ref)
        .where(_c.purpose.in_(tuple(purposes)))
        .where(_c.granted.is_(True), _c.withdrawn_at.is_(None))
        .values(withdrawn_at=at)
    )
