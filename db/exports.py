"""Reading leads out for the ward office (``hiendien leads export``): each lead with the
time its consent was given. Imports db.store and db.tables.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import select

from db.store import Tx
from db.tables import consent_t, lead_t


def leads_for_export(tx: Tx) -> Iterator[dict[str, Any]]:
    """Every lead in id order, streamed, with ``consent_at``."""
    c = lead_t.c
    consent_at = consent_t.c.at.label("consent_at")
    query = (
        select(lead_t, consent_at)
        .select_from(lead_t.outerjoin(consent_t, consent_t.c.id == c.consent_id))
        .order_by(c.id)
    )
    for row in tx.conn.execute(query).mappings():
        yield dict(row)
