"""PostgreSQL session advisory locks of one hiendien database: a key of the service
(``key``) paired with the hash of the connection's schema, so two hiendien databases that
share one PostgreSQL database in schemas of their own (the test suite's per-test schemas, a
staging copy) never take each other's lock. A session lock is held by its connection (its
server process, ``pid``) until it is released or that connection ends — whether closed,
dropped or ended by ``pg_terminate_backend``. ``pg_locks`` tells, from any connection,
whether a given server process still holds it: the fence a leader asks before it acts.

Imports nothing of hiendien.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

# The lock of ``key`` for this connection's schema, as pg_locks shows a two-key lock:
# classid the first key, objid the second (an oid: the hash read unsigned), objsubid 2.
_HOLDERS = """SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted
    AND classid = :key AND objsubid = 2
    AND objid::bigint = (hashtext(current_schema())::bigint & 4294967295)"""
_TRY = text("SELECT pg_try_advisory_lock(:key, hashtext(current_schema())), pg_backend_pid()")
_UNLOCK = text("SELECT pg_advisory_unlock(:key, hashtext(current_schema()))")
_HOLDER = text(_HOLDERS)
_HELD_BY = text(f"SELECT EXISTS ({_HOLDERS} AND pid = :pid)")
_MINE = text(f"SELECT EXISTS ({_HOLDERS} AND pid = pg_backend_pid())")


def try_lock(conn: Connection, key: int) -> int | None:
    """Take the lock on ``conn`` if nobody holds it: the server process now holding it (the
    connection's ``pg_backend_pid()``), or None when another connection has it."""
    got, pid = conn.execute(_TRY, {"key": key}).one()
    return int(pid) if got else None


def unlock(conn: Connection, key: int) -> None:
    conn.execute(_UNLOCK, {"key": key})


def mine(conn: Connection, key: int) -> bool:
    """Whether ``conn`` itself still holds the lock."""
    return bool(conn.execute(_MINE, {"key": key}).scalar())


def held_by(conn: Connection, key: int, pid: int) -> bool:
    """Whether the server process ``pid`` (another connection's) still holds the lock."""
    return bool(conn.execute(_HELD_BY, {"key": key, "pid": pid}).scalar())


def holder(conn: Connection, key: int) -> int | None:
    """The server process holding the lock, if any (for an operator, or a test ending it)."""
    found = conn.execute(_HOLDER, {"key": key}).scalar()
    return None if found is None else int(found)
