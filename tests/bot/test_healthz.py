"""``/healthz`` tells the truth (issue 14, D10): it writes a heartbeat in a transaction, so a
database that answers reads but cannot write (a full disk, a read-only file) is found
failing — 503 naming the database — and it is 200 only when the database and every channel
are well.

A full disk is played by SQLite itself refusing every write while it still answers reads
(an authorizer denying INSERT, UPDATE and DELETE on every connection of the running app's
engine): a ``SELECT 1`` still succeeds, as it does on a full disk. A file made read-only after
the start would not do: the open connection keeps writing through its descriptor (and the
tests run as root).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import event, select

from bot.app import build_app
from db.models import Heartbeat
from db.store import Store
from handlers.content import Content
from tests.support import TODAY

Client = Any  # aiohttp's TestClient


def beats(store: Store) -> int:
    with store.transaction() as tx:
        row = tx.conn.execute(select(Heartbeat.__table__)).first()  # type: ignore[attr-defined]
    return 0 if row is None else int(row.beats)


async def test_each_check_writes_a_heartbeat(
    aiohttp_client: Callable[..., Awaitable[Client]], store: Store, content: Content
) -> None:
    client = await aiohttp_client(build_app(store, content, today=lambda: TODAY))
    for n in (1, 2):
        async with client.get("/healthz") as resp:
            assert resp.status == 200
            assert await resp.json() == {
                "status": "ok",
                "database": "ok",
                "channels": {"web": {"status": "ok"}},
            }
        assert beats(store) == n


async def test_a_database_that_cannot_write_is_failing_then_recovers(
    aiohttp_client: Callable[..., Awaitable[Client]],
    sqlite_store: Store,
    content: Content,
    caplog: pytest.LogCaptureFixture,
) -> None:
    client = await aiohttp_client(build_app(sqlite_store, content, today=lambda: TODAY))
    async with client.get("/healthz") as resp:
        assert resp.status == 200

    def read_only(dbapi_conn: Any, _record: Any) -> None:
        def refuse_writes(action: int, *_args: Any) -> int:
            writes = (sqlite3.SQLITE_INSERT, sqlite3.SQLITE_UPDATE, sqlite3.SQLITE_DELETE)
            return sqlite3.SQLITE_DENY if action in writes else sqlite3.SQLITE_OK

        dbapi_conn.set_authorizer(refuse_writes)

    engine = sqlite_store.engine
    event.listen(engine, "connect", read_only)
    engine.dispose()  # every connection from now on refuses writes
    try:
        assert sqlite_store.ping()  # it still answers
        async with client.get("/healthz") as resp:
            assert resp.status == 503
            report = await resp.json()
        assert report["status"] == "failing"
        assert report["database"] == "failing: DatabaseError"  # the kind, not the words
        assert "not authorized" in caplog.text  # the words are in the log
        assert report["channels"] == {"web": {"status": "ok"}}
    finally:
        event.remove(engine, "connect", read_only)
        engine.dispose()
    async with client.get("/healthz") as resp:
        assert resp.status == 200
