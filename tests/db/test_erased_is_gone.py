"""Erased means gone (issue 14, D8): after a resident's /xoa, their name and phone are in no
byte of the SQLite files — the database, its -wal and its -shm — as typed, as stored
(E.164) or in UTF-8. secure_delete zeroes the deleted rows; the WAL is checkpointed
(TRUNCATE) after the erasing transaction commits. A real conversation on a real file."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text

from bot.turns import Conversations
from db import erasure
from db.models import Lead
from db.store import Store
from tests.support import TODAY
from tests.support.conversations import LEAD_DIALOGUE, talk
from tests.support.records import rows

NAME = "Quách Thị Nguyệt Ánh"
TYPED_PHONE = "0903 271 846"
E164 = "+84903271846"


def sqlite_files(store: Store) -> dict[str, bytes]:
    database = Path(store.engine.url.database or "")
    files = [database, Path(f"{database}-wal"), Path(f"{database}-shm")]
    return {f.name: f.read_bytes() for f in files if f.exists()}


def traces() -> list[bytes]:
    return [
        NAME.encode(),
        NAME.encode("utf-16-le"),
        "Nguyệt Ánh".encode(),
        E164.encode(),
        E164[1:].encode(),
        TYPED_PHONE.replace(" ", "").encode(),
        TYPED_PHONE.encode(),
    ]


def found(store: Store) -> list[tuple[str, bytes]]:
    return [
        (name, trace)
        for name, data in sqlite_files(store).items()
        for trace in traces()
        if trace in data
    ]


def test_an_erased_name_and_phone_are_in_no_byte_of_the_sqlite_files(
    sqlite_store: Store, content
) -> None:
    conv = Conversations(sqlite_store, content, lambda: TODAY)
    dialogue = list(LEAD_DIALOGUE)
    dialogue[7], dialogue[8] = NAME, TYPED_PHONE
    talk(conv, "anh-browser", *dialogue)
    for i in range(30):  # other residents keep talking: pages are rewritten, split, reused
        talk(conv, f"other-{i}", "/start", "ca nhan", "15/03/2005")
    [lead] = rows(sqlite_store, Lead)
    assert (lead["name"], lead["phone"]) == (NAME, E164)
    assert found(sqlite_store), "the lead is written to the files before the erasure"

    talk(conv, "anh-browser", "/xoa", "có")

    assert rows(sqlite_store, Lead) == []
    assert found(sqlite_store) == []
    assert len(sqlite_files(sqlite_store).get("hiendien.db-wal", b"")) == 0
    # the next turns write to the WAL again, with none of the erased data
    talk(conv, "other-0", "xem dữ liệu")
    assert found(sqlite_store) == []


def test_connections_delete_securely(sqlite_store: Store) -> None:
    with sqlite_store.transaction() as tx:
        assert tx.conn.execute(text("PRAGMA secure_delete")).scalar() == 1


def test_the_retention_schedule_leaves_no_copy_either(sqlite_store: Store, content) -> None:
    conv = Conversations(sqlite_store, content, lambda: TODAY)
    dialogue = list(LEAD_DIALOGUE)
    dialogue[7], dialogue[8] = NAME, TYPED_PHONE
    talk(conv, "anh-browser", *dialogue)
    talk(conv, "quiet-one", "/start", "ca nhan")  # nothing kept from this one
    assert found(sqlite_store)
    now = datetime.now(UTC)
    with sqlite_store.transaction() as tx:  # the unconsented conversation, a month on
        assert erasure.purge_unconsented(tx, now + timedelta(days=31), now) == 1
    assert len(sqlite_files(sqlite_store).get("hiendien.db-wal", b"")) == 0
    last_day = TODAY
    with sqlite_store.transaction() as tx:  # and everything once the retention has ended
        erasure.purge(tx, now, last_day + timedelta(days=1), last_day)
    assert rows(sqlite_store, Lead) == []
    assert found(sqlite_store) == []
    assert len(sqlite_files(sqlite_store).get("hiendien.db-wal", b"")) == 0
