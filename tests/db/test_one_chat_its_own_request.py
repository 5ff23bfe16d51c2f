"""One chat, its own request (issue 14, D1): a chat giving a phone number already on another
chat's lead never changes that lead — its owner, its name, its details — but leaves a
request of its own. Each chat sees (/dulieu) and erases (/xoa) only what it gave; staff see
the two leads side by side. Real conversations, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.turns import Conversations
from db import erasure, followup
from db.models import ErasedLead, Lead, LeadEvent, utcnow
from db.store import Store
from handlers.types import RecordLead
from tests.support import TODAY
from tests.support.conversations import LEAD_DIALOGUE, talk
from tests.support.followup import a_lead, a_team, a_user, user_actor
from tests.support.records import rows, stored_rows

FIRST, SECOND = ("web", "lan-browser"), ("telegram", "777")
NAMES = {FIRST: "Trần Văn Bình", SECOND: "Kẻ Mạo Danh"}


def give(
    conv: Conversations, chat: tuple[str, str], phone: str = "0912 345 678", again: bool = False
) -> str:
    dialogue = list(LEAD_DIALOGUE)
    dialogue[7], dialogue[8] = NAMES[chat], phone
    if again:
        del dialogue[6]  # the consent is not asked twice
    channel, user = chat
    return talk(conv, user, *dialogue, channel=channel)


def their_leads(store: Store, chat: tuple[str, str]) -> list[dict]:
    return [r for r in rows(store, Lead) if (r["channel"], r["user_ref"]) == chat]


def my_data(conv: Conversations, chat: tuple[str, str]) -> str:
    channel, user = chat
    return talk(conv, user, "/dulieu", channel=channel)


def erase(conv: Conversations, chat: tuple[str, str]) -> None:
    channel, user = chat
    talk(conv, user, "xóa dữ liệu", "có", channel=channel)


@pytest.mark.parametrize("order", [(FIRST, SECOND), (SECOND, FIRST)], ids=["web-first", "tg-first"])
def test_a_second_chat_with_the_same_phone_never_takes_the_first_lead(
    store: Store, content, order: tuple[tuple[str, str], tuple[str, str]]
) -> None:
    conv = Conversations(store, content, lambda: TODAY)
    earlier, later = order
    give(conv, earlier)
    [before] = rows(store, Lead)
    give(conv, later)

    [kept] = their_leads(store, earlier)
    assert kept == before  # owner, name, details, status: untouched
    [own] = their_leads(store, later)
    assert own["id"] != kept["id"] and own["name"] == NAMES[later]
    assert own["phone"] == kept["phone"] == "+84912345678"
    events = rows(store, LeadEvent)
    assert sorted((e["lead_id"], e["kind"]) for e in events) == sorted(
        [(kept["id"], "created"), (own["id"], "created")]
    )


@pytest.mark.parametrize("erases_first", [FIRST, SECOND], ids=["web-erases", "tg-erases"])
def test_each_chat_sees_and_erases_only_what_it_gave(
    store: Store, content, erases_first: tuple[str, str]
) -> None:
    conv = Conversations(store, content, lambda: TODAY)
    give(conv, FIRST)
    give(conv, SECOND)
    for chat in (FIRST, SECOND):
        other = SECOND if chat == FIRST else FIRST
        shown = my_data(conv, chat)
        assert NAMES[chat] in shown and "0912 345 678" in shown
        assert NAMES[other] not in shown

    stays = SECOND if erases_first == FIRST else FIRST
    erase(conv, erases_first)
    assert their_leads(store, erases_first) == []
    [left] = rows(store, Lead)
    assert (left["channel"], left["user_ref"], left["name"]) == (*stays, NAMES[stays])
    assert NAMES[stays] in my_data(conv, stays)
    assert "Mình không lưu" in my_data(conv, erases_first)

    erase(conv, stays)
    assert rows(store, Lead) == []
    assert len(rows(store, ErasedLead)) == 2  # both counted, anonymously


def test_the_same_chat_with_another_phone_has_a_second_lead(store: Store, content) -> None:
    conv = Conversations(store, content, lambda: TODAY)
    give(conv, FIRST)
    give(conv, FIRST, "0987 654 321", again=True)
    assert sorted(r["phone"] for r in their_leads(store, FIRST)) == [
        "+84912345678",
        "+84987654321",
    ]
    with store.transaction() as tx:
        mine = erasure.my_data(tx, *FIRST)
    assert [lead["name"] for lead in mine["leads"]] == [NAMES[FIRST]] * 2


def test_staff_see_the_leads_that_share_a_phone(store: Store) -> None:
    team = a_team(store, "Tổ 1", "Tổ dân phố 1")
    other = a_team(store, "Tổ 2", "Tổ dân phố 2")
    admin = user_actor(store, a_user(store, "admin@phuong.vn", "admin"))
    leader = user_actor(store, a_user(store, "nam@phuong.vn", "leader", team))
    first = a_lead(store, "0912345678", "Trần Văn Bình", user_ref="a")
    second = a_lead(store, "0912 345 678", "Kẻ Mạo Danh", user_ref="b")
    elsewhere = a_lead(store, "0912345678", "Người Khác", "Tổ dân phố 2", user_ref="c")
    alone = a_lead(store, "0987654321", user_ref="a")
    assert other
    with store.transaction() as tx:
        page = followup.lead_for(tx, admin, first)
        assert page is not None and page["same_phone"] == [second, elsewhere]
        board, _ = followup.board(tx, admin, followup.Filters())
        same = {r["id"]: r["same_phone"] for r in board}
        assert same == {
            first: [second, elsewhere],
            second: [first, elsewhere],
            elsewhere: [first, second],
            alone: [],
        }
        # a leader sees only the leads of their team: another team's lead is not named
        page = followup.lead_for(tx, leader, second)
        assert page is not None and page["same_phone"] == [first]


def test_recording_twice_from_one_chat_updates_without_touching_the_other(store: Store) -> None:
    from db import leads

    def lead(name: str) -> RecordLead:
        return RecordLead("person", "eligible_youth", name, "+84912345678", "Tổ 1", "sáng", None)

    with store.transaction() as tx:
        a, created_a = leads.record(tx, "web", "a", lead("An"), None)
        b, created_b = leads.record(tx, "web", "b", lead("Bình"), None)
        again, created_again = leads.record(tx, "web", "a", lead("An Nguyễn"), None)
    assert (created_a, created_b, created_again) == (True, True, False)
    assert again == a != b
    names = {r["user_ref"]: r["name"] for r in rows(store, Lead)}
    assert names == {"a": "An Nguyễn", "b": "Bình"}


def test_the_migration_keeps_every_lead_its_history_and_its_registration(tmp_path) -> None:
    """0016 on SQLite rebuilds the lead table: nothing pointing at a lead is lost (the
    foreign keys' ON DELETE actions must not run), and two chats may then share a phone."""
    from sqlalchemy import insert

    from db import leads, migrate
    from db.tables import registration_t

    url = f"sqlite:///{tmp_path / 'old.db'}"
    migrate.upgrade(url, "0015")
    with Store(url) as old:
        first = a_lead(old, "0912 345 678", user_ref="a")
        with old.transaction() as tx:
            tx.conn.execute(
                insert(registration_t),
                {
                    "domain": "binh.id.vn",
                    "kind": "id.vn",
                    "registered_on": TODAY,
                    "source": "staff",
                    "lead_id": first,
                    "recorded_by": "test",
                    "created_at": utcnow(),
                },
            )
        before = {name: stored_rows(old, name) for name in ("lead", "lead_event")}
    migrate.upgrade(url)
    with Store(url) as new:
        for name, kept in before.items():  # every row, every column it had, unchanged
            now = [{k: r[k] for k in kept[0]} for r in stored_rows(new, name)]
            assert now == kept
        with new.transaction() as tx:
            [registration] = tx.conn.execute(select(registration_t)).mappings().all()
            assert registration["lead_id"] == first
            lead = RecordLead("person", None, "Bình", "+84912345678", "Tổ 1", "sáng", None)
            _, created = leads.record(tx, "telegram", "b", lead, None)
        assert created and len(rows(new, Lead)) == 2
