"""What an operator asks the database (``hiendien doctor``, ``/metrics``): the schema's
revision against the migrations' head, the outbox's backlog, the scheduler's leader (who
holds its PostgreSQL advisory lock), a channel's stored token, campaign deliveries by status.
Read only. Imports db.migrate, db.store and db.tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import func, select, text

from db.migrate import alembic_config
from db.store import Tx
from db.tables import delivery_t, outbox_t, token_t


@dataclass(frozen=True)
class Revision:
    current: str | None  # None: an empty database
    heads: tuple[str, ...]

    @property
    def at_head(self) -> bool:
        return self.current in self.heads

    @property
    def known(self) -> bool:
        """The database's revision is one of these migrations (not a newer hiendien's)."""
        return self.current is None or self.current in self.every

    every: frozenset[str] = frozenset()  # the revisions these migrations know


def revision(tx: Tx, url: str) -> Revision:
    script = ScriptDirectory.from_config(alembic_config(url))
    current = MigrationContext.configure(tx.conn).get_current_revision()
    every = frozenset(s.revision for s in script.walk_revisions())
    return Revision(current, tuple(script.get_heads()), every)


@dataclass(frozen=True)
class Backlog:
    pending: int  # rows waiting to be delivered (due now or later, or being sent)
    due: int  # of those, due now
    oldest_due: timedelta | None  # how long the oldest due row has waited since it was written
    dead_recently: int  # rows given up on in the last day


def outbox_backlog(tx: Tx, now: datetime) -> Backlog:
    c = outbox_t.c
    waiting = c.status.in_(("pending", "sending"))
    pending = tx.conn.execute(
        select(func.count()).select_from(outbox_t).where(waiting)
    ).scalar_one()
    due, oldest = tx.conn.execute(
        select(func.count(), func.min(c.created_at)).where(waiting, c.next_attempt_at <= now)
    ).one()
    dead = tx.conn.execute(
        select(func.count())
        .select_from(outbox_t)
        .where(c.status == "dead", c.created_at >= now - timedelta(days=1))
    ).scalar_one()
    if oldest is not None and oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=now.tzinfo)
    return Backlog(int(pending), int(due), (now - oldest) if oldest else None, int(dead))


@dataclass(frozen=True)
class Holder:
    pid: int
    address: str | None  # the client's address (None: a local socket)
    application: str
    since: datetime | None


def advisory_holder(tx: Tx, key: int) -> Holder | None:
    """PostgreSQL: the session holding the advisory lock ``key`` of this database, with who
    it is. Either form is found: the one-key lock (a bigint split into classid, the high 32
    bits, and objid, the low; objsubid 1), or the two-key lock of ``key`` and the hash of
    the schema (``pg_advisory_lock(key, hashtext(current_schema()))``: classid the key,
    objid the hash read unsigned, objsubid 2), which keeps schemas sharing a database apart."""
    row = tx.conn.execute(
        text(
            "SELECT l.pid, host(a.client_addr) AS address, a.application_name, a.backend_start "
            "FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted AND l.database = "
            "(SELECT oid FROM pg_database WHERE datname = current_database()) AND ("
            "(l.objsubid = 1 AND l.classid::bigint = :hi AND l.objid::bigint = :lo) OR "
            "(l.objsubid = 2 AND l.classid::bigint = :key AND l.objid::bigint = "
            "(hashtext(current_schema())::bigint & 4294967295))) "
            "ORDER BY l.objsubid DESC LIMIT 1"
        ),
        {"hi": key >> 32, "lo": key & 0xFFFFFFFF, "key": key},
    ).first()
    if row is None:
        return None
    return Holder(int(row.pid), row.address, row.application_name or "", row.backend_start)


@dataclass(frozen=True)
class Token:
    expires_at: datetime
    updated_at: datetime
    failed_at: datetime | None
    last_error: str | None


def token(tx: Tx, channel: str) -> Token | None:
    c = token_t.c
    row = tx.conn.execute(
        select(c.expires_at, c.updated_at, c.failed_at, c.last_error).where(c.channel == channel)
    ).first()
    return Token(*row) if row is not None else None


def deliveries_by_status(tx: Tx) -> dict[str, int]:
    """Campaign deliveries (one per campaign and subscriber) by status."""
    c = delivery_t.c
    rows = tx.conn.execute(select(c.status, func.count()).group_by(c.status)).all()
    return {str(status): int(n) for status, n in rows}
