"""A channel that is not up (bot.channels.supervisor: its platform unreachable at start) keeps
its notices pending and untried, while the other channels' notices go out; once it is up, they
go out (bot.outbox.Dispatcher's ``ready``)."""

from __future__ import annotations

from typing import Any

from bot.outbox import SENT, Delivery, Dispatcher
from db import outbox
from db.store import Store
from db.tables import outbox_t


class Recording:
    """A sender that records what it was asked to deliver."""

    def __init__(self, channel: str) -> None:
        self.channels = (channel,)
        self.delivered: list[str] = []

    async def deliver(self, row: dict[str, Any]) -> Delivery:
        self.delivered.append(row["recipient"])
        return SENT


def queued(store: Store) -> dict[str, tuple[str, int]]:
    with store.transaction() as tx:
        rows = tx.conn.execute(outbox_t.select()).mappings().all()
    return {r["recipient"]: (r["status"], r["attempts"]) for r in rows}


async def test_a_channel_not_up_keeps_its_notices_untried_until_it_is(
    sqlite_store: Store,
) -> None:
    with sqlite_store.transaction() as tx:
        outbox.enqueue(tx, "lead_created", "telegram", "group", {}, "t-1")
        outbox.enqueue(tx, "lead_created", "zalo", "oa-user", {}, "z-1")
    telegram, zalo = Recording("telegram"), Recording("zalo")
    up = {"telegram": False, "zalo": True}
    dispatcher = Dispatcher(sqlite_store, [telegram, zalo], ready=lambda ch: up[ch])

    assert await dispatcher.run_once() == 1  # zalo's notice went out: the positive signal
    assert zalo.delivered == ["oa-user"] and telegram.delivered == []
    assert queued(sqlite_store)["group"] == ("pending", 0)  # not tried, not counted
    assert await dispatcher.run_once() == 0

    up["telegram"] = True  # the supervisor brought it up
    assert await dispatcher.run_once() == 1
    assert telegram.delivered == ["group"]
    assert queued(sqlite_store) == {"group": ("sent", 1), "oa-user": ("sent", 1)}
