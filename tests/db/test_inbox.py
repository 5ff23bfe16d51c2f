"""The inbox's rows (db.inbox), on SQLite and PostgreSQL: an update stored once per id, a
lease that keeps a row with the process handling it, rows left by a dead process taken
again, given up after too many attempts, bodies dropped once handled, and pruning."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from db import inbox
from db.models import InboxUpdate
from db.store import Store
from tests.support.records import rows

NOW = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)
LEASE = timedelta(seconds=60)
BODY = {"update_id": 5, "message": {"text": "Nguyễn \ud800 An", "chat": {"id": 42}}}


def add(store: Store, external_id: str = "5", at: datetime = NOW) -> inbox.Row | None:
    with store.transaction() as tx:
        return inbox.add(tx, "telegram", external_id, "42", BODY, at, LEASE)


def take(store: Store, at: datetime, every: bool = False) -> tuple[list[inbox.Row], int]:
    with store.transaction() as tx:
        return inbox.take(tx, ["telegram"], at, LEASE, every=every)


def test_an_update_is_stored_once_per_id_with_its_body(store: Store) -> None:
    row = add(store)
    assert row is not None and row.body == BODY and row.chat == "42"
    assert add(store) is None  # delivered again
    assert add(store, "6") is not None
    [first, _] = sorted(rows(store, InboxUpdate), key=lambda r: r["id"])
    assert (first["status"], first["attempts"], first["external_id"]) == ("pending", 1, "5")


def test_a_leased_row_is_left_alone_until_its_lease_runs_out(store: Store) -> None:
    add(store)
    assert take(store, NOW + LEASE / 2) == ([], 0)  # its process is handling it
    assert [r.attempts for r in take(store, NOW, every=True)[0]] == [2]  # a start on SQLite
    [again], given_up = take(store, NOW + 2 * LEASE + timedelta(seconds=1))  # its process died
    assert (again.body, again.attempts, given_up) == (BODY, 3, 0)
    with store.transaction() as tx:  # the process handling it renews its lease
        inbox.renew(tx, [again.id], NOW + 10 * LEASE)
    assert take(store, NOW + 9 * LEASE) == ([], 0)


def test_a_row_taken_too_often_is_given_up_and_its_body_dropped(store: Store) -> None:
    add(store)
    at = NOW
    for _ in range(inbox.MAX_ATTEMPTS - 1):
        at += 2 * LEASE
        assert len(take(store, at)[0]) == 1
    assert take(store, at + 2 * LEASE) == ([], 1)
    [row] = rows(store, InboxUpdate)
    assert (row["status"], row["body"]) == ("failed", None)


def test_a_handled_row_keeps_no_body_and_is_not_taken_then_pruned(store: Store) -> None:
    row = add(store)
    assert row is not None
    with store.transaction() as tx:
        inbox.finish(tx, [row.id], NOW)
    [kept] = rows(store, InboxUpdate)
    assert (kept["status"], kept["body"]) == ("done", None)
    assert take(store, NOW + 10 * LEASE, every=True) == ([], 0)
    assert add(store) is None  # still known: a late redelivery is not handled
    add(store, "7", NOW + timedelta(days=8))
    with store.transaction() as tx:
        assert inbox.prune(tx, NOW + timedelta(days=1)) == 1
    assert [r["external_id"] for r in rows(store, InboxUpdate)] == ["7"]


def test_rows_are_taken_oldest_first_and_only_for_the_channels_asked(store: Store) -> None:
    with store.transaction() as tx:
        for n in range(3):
            inbox.add(tx, "telegram", f"t{n}", "42", {"n": n}, NOW, LEASE)
        inbox.add(tx, "zalo", "z1", "u1", {"n": 9}, NOW, LEASE)
    taken, _ = take(store, NOW, every=True)
    assert [r.body["n"] for r in taken] == [0, 1, 2]
