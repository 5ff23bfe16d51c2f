"""The inbox (bot.inbox) on a real SQLite file: one chat's updates in the order they came,
other chats meanwhile; a handler that fails does not hold its chat up; updates a stopped
process left are handled at the next start; a stop gives back what it could not finish."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import bot.inbox
from bot.inbox import Inbox
from db.models import InboxUpdate
from db.store import Store
from tests.support.records import rows
from tests.support.waiting import wait_until


def statuses(store: Store) -> list[str]:
    return [r["status"] for r in sorted(rows(store, InboxUpdate), key=lambda r: r["id"])]


async def until(predicate: Any, seen: Any) -> None:
    await wait_until(predicate, 10, lambda: repr(seen()), "state")


async def test_one_chat_in_order_and_others_meanwhile(sqlite_store: Store) -> None:
    inbox, gate, handled = Inbox(sqlite_store), asyncio.Event(), []

    async def handle(body: dict[str, Any]) -> None:
        if body["n"] == 0:
            await gate.wait()
        handled.append(body["n"])

    inbox.register("telegram", handle)
    await inbox.start()
    try:
        assert await inbox.accept("telegram", "0", "a", {"n": 0})  # held up
        assert await inbox.accept("telegram", "1", "a", {"n": 1})  # waits for it
        assert await inbox.accept("telegram", "2", "b", {"n": 2})  # another chat
        assert not await inbox.accept("telegram", "1", "a", {"n": 1})  # delivered again
        await until(lambda: handled == [2], lambda: handled)
        gate.set()
        await until(lambda: statuses(sqlite_store) == ["done"] * 3, lambda: statuses(sqlite_store))
        assert handled == [2, 0, 1]
    finally:
        await inbox.stop()


async def test_a_failing_handler_does_not_hold_its_chat_up(sqlite_store: Store) -> None:
    inbox, handled = Inbox(sqlite_store), []

    async def handle(body: dict[str, Any]) -> None:
        if body["n"] == 0:
            raise ValueError("a bug")
        handled.append(body["n"])

    inbox.register("zalo", handle)
    await inbox.start()
    try:
        await inbox.accept("zalo", "m0", "u", {"n": 0})
        await inbox.accept("zalo", "m1", "u", {"n": 1})
        await until(lambda: statuses(sqlite_store) == ["done"] * 2, lambda: statuses(sqlite_store))
        assert handled == [1]
    finally:
        await inbox.stop()


async def test_what_a_stopped_process_left_is_handled_at_the_next_start(
    sqlite_store: Store,
) -> None:
    dead = Inbox(sqlite_store)  # stored, then the process died before handling
    dead.register("telegram", lambda body: asyncio.sleep(0))
    for n in range(3):
        await dead.accept("telegram", str(n), "a", {"n": n})
    assert statuses(sqlite_store) == ["pending"] * 3

    inbox, handled = Inbox(sqlite_store), []

    async def handle(body: dict[str, Any]) -> None:
        handled.append(body["n"])

    inbox.register("telegram", handle)
    await inbox.start()
    try:
        await inbox.accept("telegram", "3", "a", {"n": 3})  # after the start: after them
        await until(lambda: statuses(sqlite_store) == ["done"] * 4, lambda: statuses(sqlite_store))
        assert handled == [0, 1, 2, 3]
    finally:
        await inbox.stop()


async def test_a_stop_gives_back_what_it_could_not_finish(
    sqlite_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bot.inbox, "STOP_SECONDS", 0.05)
    inbox, started = Inbox(sqlite_store), asyncio.Event()

    async def stuck(_body: dict[str, Any]) -> None:
        started.set()
        await asyncio.Event().wait()

    inbox.register("telegram", stuck)
    await inbox.start()
    await inbox.accept("telegram", "1", "a", {"n": 1})
    await asyncio.wait_for(started.wait(), 10)
    await inbox.stop()
    [row] = rows(sqlite_store, InboxUpdate)
    assert row["status"] == "pending" and row["body"] is not None
    assert row["taken_until"] <= row["received_at"] + bot.inbox.LEASE / 2  # given back
