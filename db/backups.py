"""The record of backups made (``backup_run``): :func:`record` after ``hiendien backup``
wrote its file, :func:`latest` for ``hiendien doctor``. Imports db.models, db.store and
db.tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select

from db.models import utcnow
from db.store import Tx
from db.tables import backup_t

_c = backup_t.c


@dataclass(frozen=True)
class Backup:
    at: datetime
    engine: str
    target: str
    size_bytes: int


def record(tx: Tx, engine: str, target: str, size_bytes: int, at: datetime | None = None) -> None:
    tx.conn.execute(
        insert(backup_t).values(
            at=at or utcnow(), engine=engine, target=target[:1000], size_bytes=size_bytes
        )
    )


def latest(tx: Tx) -> Backup | None:
    row = tx.conn.execute(select(backup_t).order_by(_c.at.desc(), _c.id.desc()).limit(1)).first()
    if row is None:
        return None
    return Backup(row.at, row.engine, row.target, row.size_bytes)
