"""The audit log (db/audit.py): appended in the caller's transaction, read newest first with
filters, and append-only — the database itself refuses to change or delete a row."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete, update
from sqlalchemy.exc import DBAPIError

from db import audit
from db.models import utcnow
from db.store import Store
from db.tables import audit_t


def test_events_are_read_newest_first_and_filtered(store: Store) -> None:
    now = utcnow()
    with store.transaction() as tx:
        audit.record(tx, "login", "lan@phuong.vn", ip="10.0.0.1", at=now - timedelta(days=2))
        audit.record(tx, "login_failed", "?", ip="10.0.0.2", at=now - timedelta(days=1))
        audit.record(tx, "export", "cli", detail={"rows": 3, "format": "csv"}, at=now)
    with store.transaction() as tx:
        assert [e["action"] for e in audit.events(tx)] == ["export", "login_failed", "login"]
        assert [e["actor"] for e in audit.events(tx, action="login")] == ["lan@phuong.vn"]
        recent = audit.events(tx, since=now - timedelta(hours=36))
        assert [e["action"] for e in recent] == ["export", "login_failed"]
        assert audit.events(tx, actor="cli")[0]["detail"] == {"rows": 3, "format": "csv"}
        assert [e["action"] for e in audit.events(tx, limit=1, offset=1)] == ["login_failed"]


def test_an_unknown_action_is_a_mistake_in_the_code(store: Store) -> None:
    with store.transaction() as tx, pytest.raises(ValueError, match="unknown audit action"):
        audit.record(tx, "tea_break", "lan@phuong.vn")


@pytest.mark.parametrize("statement", ["update", "delete"])
def test_the_database_refuses_to_rewrite_the_log(store: Store, statement: str) -> None:
    with store.transaction() as tx:
        event_id = audit.record(tx, "login", "lan@phuong.vn")
    change = (
        update(audit_t).values(actor="someone-else") if statement == "update" else delete(audit_t)
    )
    with pytest.raises(DBAPIError, match="append-only"), store.transaction() as tx:
        tx.conn.execute(change.where(audit_t.c.id == event_id))
    with store.transaction() as tx:
        assert [e["actor"] for e in audit.events(tx)] == ["lan@phuong.vn"]
