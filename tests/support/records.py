"""The database read and seeded directly, beside the code under test: a table's rows, a
team invite, whether the outbox has drained.

May import: db.
"""

from __future__ import annotations

from sqlalchemy import select

from db import team
from db.store import Store


def rows(store: Store, model: type) -> list[dict]:
    """Every row of ``model``'s table, as dicts."""
    with store.transaction() as tx:
        return [dict(r) for r in tx.conn.execute(select(model.__table__)).mappings()]


def stored_rows(store: Store, table: str) -> list[dict]:
    """Every row of ``table`` with the columns the database has now (read from the database,
    not the models: a test of an old revision's rows)."""
    from sqlalchemy import MetaData, Table

    with store.transaction() as tx:
        reflected = Table(table, MetaData(), autoload_with=tx.conn)
        return [dict(r) for r in tx.conn.execute(select(reflected)).mappings()]


def outbox_drained(store: Store, channel: str | None = None) -> bool:
    """Nothing waits in the outbox (for ``channel``; every channel when None): every row
    sent, dead or otherwise settled (a positive signal after which an absence can be
    asserted)."""
    from db.models import Outbox

    waiting = [r for r in rows(store, Outbox) if r["status"] in {"pending", "sending"}]
    return not [r for r in waiting if channel is None or r["channel"] == channel]


def invite(store: Store, role: str = "member") -> str:
    """A fresh invite code for the team (``/staff CODE`` links whoever sends it)."""
    with store.transaction() as tx:
        return team.create_invite(tx, "Tổ công nghệ số 1", role)
