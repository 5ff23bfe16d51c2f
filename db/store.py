"""The database handle (:class:`Store`) and one open transaction (:class:`Tx`).

Every query in db/ is a function taking the :class:`Tx` it runs in (``conversations.load(tx,
…)``, ``outbox.enqueue(tx, …)``), so a caller composes any of them into one transaction and
either all of it is recorded or none. SQLite work runs on one writer thread; PostgreSQL on
a small pool. Imports db.engine only.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, Table, text
from sqlalchemy.dialects import postgresql, sqlite

from db.engine import checkpoint, is_sqlite, make_engine

T = TypeVar("T")


def insert_ignore(table: Table, postgres: bool) -> Any:
    """An INSERT that skips rows clashing with a unique key, in the database's dialect."""
    dialect = postgresql if postgres else sqlite
    return dialect.insert(table).on_conflict_do_nothing()


class Tx:
    """One open transaction: its connection, which database it is, whether it wrote a
    notification to the outbox (the dispatcher is then woken after the commit) and whether
    it erased a person's data (the SQLite WAL is then checkpointed after the commit)."""

    __slots__ = ("conn", "enqueued", "erased", "postgres")

    def __init__(self, conn: Connection, postgres: bool) -> None:
        self.conn = conn
        self.postgres = postgres
        self.enqueued = False
        self.erased = False

    def insert_ignore(self, table: Table) -> Any:
        """An INSERT that skips rows clashing with a unique key (:func:`insert_ignore`)."""
        return insert_ignore(table, self.postgres)


class Store:
    """The database: an engine plus the thread its (synchronous) work runs on."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine: Engine = make_engine(url)
        self.postgres = not is_sqlite(url)
        # SQLite has one writer: one thread serialises every transaction of this process.
        workers = 8 if self.postgres else 1
        self.executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="db")

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """Run synchronous database work on the store's thread."""
        return await asyncio.get_running_loop().run_in_executor(self.executor, fn, *args)

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        with self.engine.begin() as conn:
            tx = Tx(conn, self.postgres)
            yield tx
        if tx.erased:  # committed: no copy of the erased rows may stay in the WAL file
            checkpoint(self.engine)

    @contextmanager
    def rehearsal(self) -> Iterator[Tx]:
        """A transaction that is always rolled back: a dry run sees what it would write."""
        with self.engine.connect() as conn:
            outer = conn.begin()
            try:
                yield Tx(conn, self.postgres)
            finally:
                outer.rollback()

    def ping(self) -> bool:
        with self.engine.connect() as conn:
            return bool(conn.execute(text("SELECT 1")).scalar() == 1)

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.executor.shutdown(wait=True)
        self.engine.dispose()
