"""The one process that runs the scheduler, among several on one PostgreSQL database: the
leader holds an advisory lock (db.locks) on a connection of its own, kept in autocommit so
it is never left "idle in transaction".

Holding the lock once is not enough: the connection can be dropped (a restart of the
server, a network cut, ``pg_terminate_backend``), the lock then goes with it and another
process is elected while this one would carry on. So the leader

* checks the lock on its connection every few seconds (:meth:`Leadership.check`); lost, it
  steps down;
* asks, in the very transaction that claims each delivery or reminder, whether its lock's
  server process still holds the lock (:meth:`Leadership.holds`): the moment the lock is
  gone it sends nothing more, whether or not the periodic check has run.

On SQLite one process is the documented limit: it always leads.

May import: db.
"""

from __future__ import annotations

import contextlib
import logging
import threading

from sqlalchemy import Connection

from db import locks
from db.store import Store, Tx

log = logging.getLogger(__name__)


class Leadership:
    """This process's standing in the election of ``key`` on ``store``'s database. Its
    methods touching the database are synchronous: run them on the store's threads, one at
    a time (:meth:`holds` excepted: it may run in any transaction, concurrently)."""

    def __init__(self, store: Store, key: int) -> None:
        self.store = store
        self.key = key
        self._conn: Connection | None = None
        self._pid: int | None = None  # the lock connection's server process, while leading
        self._guard = threading.Lock()

    @property
    def leading(self) -> bool:
        return not self.store.postgres or self._pid is not None

    def elect(self) -> bool:
        """Take the lock if it is free (leading already: True)."""
        if self.leading:
            return True
        conn = self.store.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            pid = locks.try_lock(conn, self.key)
        except Exception:
            _close(conn)
            raise
        if pid is None:  # another process leads; its lock never goes back to the pool
            _close(conn)
            return False
        with self._guard:
            self._conn, self._pid = conn, pid
        return True

    def check(self) -> bool:
        """Whether the lock connection is alive and still holds the lock; if not, what is
        left of it is let go (:meth:`release`) and this process no longer leads."""
        if not self.store.postgres:
            return True
        conn = self._conn
        if conn is None:
            return False
        try:
            held = locks.mine(conn, self.key)
        except Exception as exc:  # the connection is gone
            log.warning("scheduler: lock connection lost (%s)", type(exc).__name__)
            held = False
        if not held:
            self.release()
        return held

    def holds(self, tx: Tx) -> bool:
        """In ``tx`` (any of this process's transactions): whether this process still
        leads — its lock connection's server process still holds the lock."""
        if not tx.postgres:
            return True
        pid = self._pid
        return pid is not None and locks.held_by(tx.conn, self.key, pid)

    def release(self) -> None:
        """Let the lock go (unlocked if the connection still works) and close the
        connection: this process no longer leads."""
        with self._guard:
            conn, self._conn, self._pid = self._conn, None, None
        if conn is None:
            return
        with contextlib.suppress(Exception):
            locks.unlock(conn, self.key)
        _close(conn)


def _close(conn: Connection) -> None:
    with contextlib.suppress(Exception):  # a dropped connection is invalidated, not pooled
        conn.close()
