"""The store under real conversations, on SQLite and on PostgreSQL (the same tests).

A turn's state and everything it produced are committed together; redelivered messages
are not handled twice; a chat giving its phone again updates its own lead, never another's;
a person can see and erase what is stored about them, leaving only anonymous counts."""

from __future__ import annotations

import json
from functools import partial

from sqlalchemy import func, select

from bot.turns import Conversations
from db.models import (
    Consent,
    Conversation,
    ErasedLead,
    Lead,
    LeadEvent,
    Outbox,
    VerdictCount,
)
from db.store import Store
from handlers.types import Inbound
from tests.support import TODAY
from tests.support.conversations import LEAD_DIALOGUE, talk
from tests.support.records import rows


def count(store: Store, model: type) -> int:
    with store.transaction() as tx:
        return tx.conn.execute(select(func.count()).select_from(model.__table__)).scalar_one()


def test_state_survives_a_restart(store: Store, content) -> None:
    talk(Conversations(store, content, lambda: TODAY), "u1", "/start", "ca nhan")
    again = Conversations(Store(store.url), content, lambda: TODAY)  # a new process
    text = talk(again, "u1", "15/03/2005")
    assert "công dân Việt Nam" in text
    [row] = rows(store, Conversation)
    assert json.loads(row["state"])["step"] == "person_citizen" and row["version"] == 3


def test_a_redelivered_message_is_handled_once(store: Store, content) -> None:
    conv = Conversations(store, content, lambda: TODAY)
    first = conv.handle_sync(Inbound("telegram", "42", text="/start", external_id="1001"))
    again = conv.handle_sync(Inbound("telegram", "42", text="/start", external_id="1001"))
    assert first is not None and again is None
    [row] = rows(store, Conversation)
    assert row["version"] == 1
    other_channel = conv.handle_sync(Inbound("zalo", "42", text="/start", external_id="1001"))
    assert other_channel is not None


def test_a_lead_is_recorded_with_its_consent_event_and_outbox_row(
    store: Store,
    content,
) -> None:
    conv = Conversations(store, content, lambda: TODAY)
    text = talk(conv, "u1", *LEAD_DIALOGUE)
    assert "Trần Văn Bình" in text
    [lead] = rows(store, Lead)
    [consent] = rows(store, Consent)
    assert lead["phone"] == "+84912345678" and lead["source"] == "tdp5"
    assert lead["area"] == "Tổ dân phố 5" and lead["status"] == "new"
    assert lead["consent_id"] == consent["id"] and consent["granted"] is True
    assert consent["purpose"] == "lead_contact" and len(consent["text_hash"]) == 64
    [event] = rows(store, LeadEvent)
    assert event["kind"] == "created" and event["lead_id"] == lead["id"]
    [note] = rows(store, Outbox)
    assert note["kind"] == "lead_created" and json.loads(note["payload"]) == {"lead_id": lead["id"]}
    [verdict] = rows(store, VerdictCount)
    assert verdict["reason"] == "eligible_youth" and verdict["source"] == "tdp5"
    [c] = rows(store, Conversation)
    assert c["lead_id"] == lead["id"]
    assert "Trần" not in c["state"] and "912" not in c["state"]  # no personal data in state


def test_the_same_chat_giving_its_phone_again_updates_its_lead(store: Store, content) -> None:
    conv = Conversations(store, content, lambda: TODAY)
    talk(conv, "u1", *LEAD_DIALOGUE)
    again = list(LEAD_DIALOGUE)
    again[7], again[8] = "Trần Văn Bính", "+84 912 345 678"
    del again[6]  # the consent is not asked twice
    talk(conv, "u1", *again)
    [lead] = rows(store, Lead)
    assert lead["name"] == "Trần Văn Bính" and lead["user_ref"] == "u1"
    assert [e["kind"] for e in rows(store, LeadEvent)] == ["created", "updated"]
    assert count(store, Outbox) == 2


def test_another_chat_giving_the_same_phone_has_a_lead_of_its_own(store: Store, content) -> None:
    conv = Conversations(store, content, lambda: TODAY)
    talk(conv, "u1", *LEAD_DIALOGUE)
    again = list(LEAD_DIALOGUE)
    again[7], again[8] = "Trần Văn Bính", "+84 912 345 678"
    talk(conv, "u2", *again, channel="terminal")
    first, second = rows(store, Lead)
    assert (first["name"], first["channel"], first["user_ref"]) == ("Trần Văn Bình", "web", "u1")
    assert (second["name"], second["channel"]) == ("Trần Văn Bính", "terminal")
    assert first["phone"] == second["phone"] == "+84912345678"
    assert [e["kind"] for e in rows(store, LeadEvent)] == ["created", "created"]


def test_my_data_shows_what_is_stored(store: Store, content) -> None:
    conv = Conversations(store, content, lambda: TODAY)
    talk(conv, "u1", *LEAD_DIALOGUE)
    text = talk(conv, "u1", "/dulieu")
    assert "Trần Văn Bình" in text and "0912 345 678" in text and "Tổ dân phố 5" in text
    assert "lead-2026-11-v1" in text and "tdp5" in text
    assert "trạng thái: mới, đang chờ cán bộ nhận" in text  # the status as the resident reads it
    assert "Mình không lưu" in talk(conv, "stranger", "/dulieu")


def test_erasing_keeps_only_anonymous_counts(store: Store, content) -> None:
    conv = Conversations(store, content, lambda: TODAY)
    talk(conv, "u1", *LEAD_DIALOGUE)
    talk(conv, "u1", "xóa dữ liệu", "có")
    for model in (Lead, Consent, Conversation, LeadEvent, Outbox):
        assert count(store, model) == 0, model.__name__
    [erased] = rows(store, ErasedLead)
    assert erased["reason"] == "eligible_youth" and erased["source"] == "tdp5"
    assert count(store, VerdictCount) == 1
    assert "Xin chào" in talk(conv, "u1", "alo")  # a fresh start afterwards


def test_declined_consent_is_recorded_and_nothing_personal(
    store: Store,
    content,
) -> None:
    conv = Conversations(store, content, lambda: TODAY)
    talk(conv, "u1", *LEAD_DIALOGUE[:6], "khong dong y")
    [consent] = rows(store, Consent)
    assert consent["granted"] is False and count(store, Lead) == 0


def test_retention_purge(store: Store, content) -> None:
    from datetime import date, timedelta

    from bot.maintenance import purge_once
    from db.models import InboundSeen, utcnow

    conv = Conversations(store, content, lambda: TODAY)
    talk(conv, "u1", *LEAD_DIALOGUE)
    conv.handle_sync(Inbound("web", "u2", text="/start", external_id="m-1"))
    with store.transaction() as tx:  # u2 went quiet 91 days ago; its delivery id is old too
        tx.conn.execute(
            Conversation.__table__.update()
            .where(Conversation.__table__.c.user_ref == "u2")
            .values(updated_at=utcnow() - timedelta(days=91))
        )
        tx.conn.execute(InboundSeen.__table__.update().values(seen_at=utcnow() - timedelta(days=8)))
    done = purge_once(store, content, TODAY)
    assert done == {
        "inbound_seen": 1,
        "unconsented_conversations": 1,  # u2 gave nothing to keep (tests/db/test_purge_…)
        "inbox": 0,
        "conversations": 0,
        "leads": 0,
        "consents": 0,
        "office_sessions": 0,
    }
    assert count(store, Lead) == 1
    after = content.retention_until + timedelta(days=1)
    assert purge_once(store, content, after)["leads"] == 1
    assert count(store, Lead) == 0 and count(store, Consent) == 0
    assert count(store, ErasedLead) == 1
    assert after > date(2027, 6, 30)


async def test_turns_waiting_together_share_a_commit_but_not_a_failure(
    sqlite_store: Store, content, monkeypatch
) -> None:
    """On SQLite the turns waiting at one moment are committed together; a turn that
    fails (here: a fault injected for one user) fails alone and the others are kept."""
    import asyncio

    import pytest

    from bot import turns

    real_step = turns.engine.step

    def faulty_step(state, inbound, today, content):
        if inbound.user_ref == "poison":
            raise RuntimeError("injected fault")
        return real_step(state, inbound, today, content)

    monkeypatch.setattr(turns.engine, "step", faulty_step)
    conv = Conversations(sqlite_store, content, lambda: TODAY)
    users = [f"u{i}" for i in range(30)] + ["poison"]
    results = await asyncio.gather(
        *(conv.handle(Inbound("web", u, text="/start")) for u in users), return_exceptions=True
    )
    assert isinstance(results[-1], RuntimeError)
    assert all(r is not None and r.messages for r in results[:-1])
    assert count(sqlite_store, Conversation) == 30
    with pytest.raises(RuntimeError):
        await conv.handle(Inbound("web", "poison", text="hi"))
    again = await asyncio.gather(*(conv.handle(Inbound("web", u, text="1")) for u in users[:30]))
    assert all("Bạn sinh ngày nào" in "\n".join(m.text for m in r.messages) for r in again)


def test_a_lead_belongs_to_whoever_gave_its_phone_last(store: Store, content) -> None:
    conv = Conversations(store, content, lambda: TODAY)
    talk(conv, "u1", *LEAD_DIALOGUE)
    again = list(LEAD_DIALOGUE)
    again[7] = "Người Khác"
    talk(conv, "u2", *again)
    assert "Người Khác" not in talk(conv, "u1", "/dulieu")
    assert "Người Khác" in talk(conv, "u2", "/dulieu")
    talk(conv, "u1", "/xoa", "có")  # u1 erases their own data, not u2's lead
    assert count(store, Lead) == 1


def test_a_subscriber_carries_its_segment_and_stops_at_once(store: Store, content) -> None:
    from db.models import Subscriber

    conv = Conversations(store, content, lambda: TODAY)
    tg = partial(talk, conv, "u1", channel="telegram")  # news reaches chats we can write to
    assert "Zalo hoặc Telegram" in talk(conv, "web-user", "/nhantin")  # not the web page
    tg(*LEAD_DIALOGUE)
    text = tg("/nhantin", "đồng ý")
    assert "Cảm ơn bạn" in text
    [sub] = rows(store, Subscriber)
    assert (sub["applicant"], sub["reason"], sub["source"], sub["area"], sub["lang"]) == (
        "person",
        "eligible_youth",
        "tdp5",
        "Tổ dân phố 5",
        "vi",
    )
    assert sub["unsubscribed_at"] is None and sub["consent_id"] is not None
    assert "đang nhận tin" in tg("/dulieu")
    tg("hủy đăng ký")
    [sub] = rows(store, Subscriber)
    assert sub["unsubscribed_at"] is not None
    consents = {c["purpose"]: c for c in rows(store, Consent)}
    assert consents["news"]["withdrawn_at"] is not None
    assert consents["lead_contact"]["withdrawn_at"] is None  # the lead's consent is its own
    tg("/nhantin", "đồng ý")  # and back again
    [sub] = rows(store, Subscriber)
    assert sub["unsubscribed_at"] is None
    tg("/xoa", "có")
    assert rows(store, Subscriber) == []


def test_a_blocked_chat_is_unsubscribed(store: Store, content) -> None:
    from db import subscribers
    from db.models import Subscriber

    conv = Conversations(store, content, lambda: TODAY)
    talk(conv, "42", "/start", "nhờ hỗ trợ", "menu", "/nhantin", "có", channel="telegram")
    with store.transaction() as tx:
        subscribers.block_chat(tx, "telegram", "42")
    [sub] = rows(store, Subscriber)
    assert sub["unsubscribed_at"] is not None


def test_the_migrations_build_exactly_the_models(db_url: str) -> None:
    """Alembic's head and the SQLModel tables agree (a column added to a model without a
    migration, or the other way round, shows here), on SQLite and PostgreSQL."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlalchemy import create_engine
    from sqlmodel import SQLModel

    import db.models  # noqa: F401  (the tables)
    from db.engine import normalise_url

    engine = create_engine(normalise_url(db_url))
    try:
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    finally:
        engine.dispose()
    assert diff == []
