"""The statements a turn runs on the driver's connection (db.prepared) send exactly what
SQLAlchemy would send, read rows back exactly as SQLAlchemy would, and fail with
SQLAlchemy's exceptions — on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError

from db import conversations, leads
from db.prepared import Prepared
from db.store import Store, Tx

AT = datetime(2026, 11, 25, 3, 4, 5, 678901, tzinfo=UTC)
ROW = {
    "channel": "web",
    "user_ref": "u1",
    "created_at": AT,
    "state": '{"step": "start", "lang": "vi", "slots": {"tên": "Bình"}}',
    "lang": "vi",
    "source": "tdp5",
    "lead_id": None,
    "updated_at": AT + timedelta(seconds=1),
    "version": 1,
}


def _sent_by_sqlalchemy(tx: Tx, prepared: Prepared, params: dict[str, Any]) -> tuple[str, Any]:
    """What SQLAlchemy hands the driver for the same statement and values."""
    seen: list[tuple[str, Any]] = []

    def capture(_conn, _cursor, statement, parameters, _context, _many) -> None:
        seen.append((statement, parameters))

    event.listen(tx.conn, "before_cursor_execute", capture)
    try:
        tx.conn.execute(prepared._build(tx.postgres), params)
    finally:
        event.remove(tx.conn, "before_cursor_execute", capture)
    [sent] = seen
    return sent


def _compare(tx: Tx, prepared: Prepared, params: dict[str, Any]) -> None:
    compiled = prepared._for(tx)
    sql, arguments = _sent_by_sqlalchemy(tx, prepared, params)
    assert compiled.sql == sql
    assert compiled.arguments(params) == (tuple(arguments) if compiled.positional else arguments)


def test_the_driver_gets_what_sqlalchemy_would_send(store: Store) -> None:
    with store.transaction() as tx:
        _compare(tx, conversations._INSERT, ROW)
        update = {k: ROW[k] for k in conversations._SAVED} | {"cid": 1, "version": 2}
        _compare(tx, conversations._UPDATE, update)
        _compare(tx, conversations._LOAD, {"ch": "web", "ur": "u1"})
        seen = {"channel": "telegram", "external_id": "1001", "seen_at": AT}
        _compare(tx, conversations._SEEN, seen)
        verdict = {
            "day": date(2026, 11, 25),
            "channel": "web",
            "applicant": "person",
            "reason": "eligible_youth",
            "source": None,
        }
        _compare(tx, leads._COUNT, verdict)


def test_rows_read_back_as_sqlalchemy_reads_them(store: Store) -> None:
    with store.transaction() as tx:
        [created] = conversations._INSERT.first(tx, ROW) or ()
        conversations.pause(tx, "web", "u1", AT + timedelta(hours=12))
        by_sqlalchemy = tx.conn.execute(
            conversations._LOAD._build(tx.postgres), {"ch": "web", "ur": "u1"}
        ).first()
        by_driver = conversations._LOAD.first(tx, {"ch": "web", "ur": "u1"})
        assert conversations._LOAD.first(tx, {"ch": "web", "ur": "nobody"}) is None
    assert by_sqlalchemy is not None and by_driver == tuple(by_sqlalchemy)
    assert by_driver[0] == created and by_driver[4] == AT + timedelta(hours=12)
    assert by_driver[4].tzinfo is not None  # aware, as SQLAlchemy returns it


def test_a_clash_raises_sqlalchemys_integrity_error(store: Store) -> None:
    with store.transaction() as tx:
        conversations._INSERT.first(tx, ROW)
    with pytest.raises(IntegrityError), store.transaction() as tx:  # the same chat again
        conversations._INSERT.first(tx, ROW)
    with store.transaction() as tx:
        assert conversations.load(tx, "web", "u1").version == 1  # the first row stands
