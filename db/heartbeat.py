"""The heartbeat ``/healthz`` writes: one row updated in a transaction, so a database that
answers reads but cannot write (a full disk, a read-only file) is found unhealthy.

Imports db.models and db.store only.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update

from db.models import Heartbeat
from db.store import Tx

ROW = 1


def beat(tx: Tx, at: datetime) -> int:
    """Record a beat at ``at``; how many beats the database has recorded."""
    table = Heartbeat.__table__  # type: ignore[attr-defined]
    tx.conn.execute(tx.insert_ignore(table).values(id=ROW, beat_at=at, beats=0))
    tx.conn.execute(
        update(table).where(table.c.id == ROW).values(beat_at=at, beats=table.c.beats + 1)
    )
    return int(tx.conn.execute(table.select().where(table.c.id == ROW)).one().beats)
