"""Team members on Zalo, end to end through the Zalo stand-in: "/staff CODE" links an account,
a new lead is offered only inside the free 48-hour window, a numbered reply claims it, and a
number from anyone else stays a resident's message."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import update

from bot.turns import Conversations
from db import team
from db.models import Conversation, Lead, Member, Outbox, utcnow
from db.store import Store
from handlers.content import Content
from handlers.types import Inbound
from tests.support import TODAY
from tests.support.conversations import LEAD_DIALOGUE
from tests.support.records import outbox_drained, rows
from tests.support.zalo_chat import running, say, settled
from tests.support.zalo_standin import ZaloStandIn

member_t = Member.__table__


@pytest.fixture
async def zalo() -> AsyncIterator[ZaloStandIn]:
    async with ZaloStandIn() as stand_in:
        yield stand_in


def linked(store: Store, user: str, name: str, *, role: str = "admin", quiet_for: float = 0) -> int:
    """A Zalo member (admins hear of leads that have no team) who last wrote ``quiet_for``
    hours ago."""
    with store.transaction() as tx:
        code = team.create_invite(tx, "Tổ công nghệ số 1", role)
        outcome, member = team.redeem_invite(tx, code, "zalo", user, name)
        assert outcome == "linked" and member is not None
        tx.conn.execute(
            update(member_t)
            .where(member_t.c.id == member["id"])
            .values(last_message_at=utcnow() - timedelta(hours=quiet_for))
        )
    return int(member["id"])


async def a_lead(store: Store, content: Content) -> int:
    """A resident on the web chat leaves their details (Trần Văn Bình, 0912 345 678)."""
    conversations = Conversations(store, content, lambda: TODAY)
    for line in LEAD_DIALOGUE:
        await conversations.handle(Inbound("web", "resident", text=line))
    [lead] = rows(store, Lead)
    return int(lead["id"])


async def test_staff_code_typed_to_the_oa_links_the_zalo_account(
    zalo: ZaloStandIn, sqlite_store: Store, content: Content
) -> None:
    hoa, nam, stranger = (
        zalo.add_user(display_name="Nguyễn Thị Hoa"),
        zalo.add_user(display_name="Lê Văn Nam"),
        zalo.add_user(),
    )
    with sqlite_store.transaction() as tx:
        first = team.create_invite(tx, "Tổ công nghệ số 1")
        second = team.create_invite(tx, "Tổ công nghệ số 1", "admin")
    async with running(zalo, sqlite_store, content, seed=zalo.seed_refresh_token()) as url:
        hook = url + "/webhooks/zalo"
        text = await say(zalo, hook, hoa, f"/staff {first}")
        assert "Đã liên kết tài khoản Zalo của bạn với Tổ công nghệ số 1" in text
        assert "trả lời số hồ sơ để nhận" in text
        text = await say(zalo, hook, nam, f"STAFF {second}")  # any case, no slash
        assert "Tổ công nghệ số 1 (quản trị)" in text
        assert "Mã mời này đã được dùng" in await say(zalo, hook, stranger, f"/staff {first}")
        assert "Mã mời không đúng" in await say(zalo, hook, stranger, "/Staff nope")
        assert "Gõ /staff kèm mã mời" in await say(zalo, hook, stranger, "/staff")
    members = {m["account"]: m for m in rows(sqlite_store, Member)}
    assert set(members) == {hoa, nam}
    assert members[hoa]["display_name"] == "Nguyễn Thị Hoa"  # as Zalo names her
    assert (members[nam]["role"], members[nam]["channel"]) == ("admin", "zalo")
    assert all(m["last_message_at"] is not None for m in members.values())
    assert rows(sqlite_store, Conversation) == []  # none of it was a resident's chat


async def test_a_new_lead_is_offered_on_zalo_only_inside_the_window(
    zalo: ZaloStandIn, sqlite_store: Store, content: Content
) -> None:
    recent, quiet = zalo.add_user(), zalo.add_user()
    linked(sqlite_store, recent, "Chị Hoa")
    linked(sqlite_store, quiet, "Anh Nam", quiet_for=49)
    lead_id = await a_lead(sqlite_store, content)
    async with running(zalo, sqlite_store, content, seed=zalo.seed_refresh_token()):
        [offer] = await zalo.wait_sent(1, user_id=recent)
        await zalo.wait_for(lambda: outbox_drained(sqlite_store, "zalo"))
    text = offer["text"]
    assert f"Hồ sơ mới #{lead_id}" in text and "Tổ dân phố 5" in text
    assert "Cá nhân (id.vn)" in text and "đủ điều kiện id.vn" in text
    assert f"Trả lời {lead_id} để nhận hồ sơ này" in text
    assert "0912" not in text and "345 678" not in text and "Bình" not in text
    assert zalo.sent_to(quiet) == []
    sent = {r["recipient"]: r for r in rows(sqlite_store, Outbox) if r["kind"] == "lead_offer"}
    assert sent[recent]["status"] == "sent"
    assert sent[quiet]["status"] == "dead" and "48-hour" in sent[quiet]["last_error"]


async def test_members_claim_by_replying_the_number(
    zalo: ZaloStandIn, sqlite_store: Store, content: Content
) -> None:
    hoa, nam = zalo.add_user(), zalo.add_user()
    hoa_id = linked(sqlite_store, hoa, "Chị Hoa")
    linked(sqlite_store, nam, "Anh Nam")
    lead_id = await a_lead(sqlite_store, content)
    async with running(zalo, sqlite_store, content, seed=zalo.seed_refresh_token()) as url:
        hook = url + "/webhooks/zalo"
        await zalo.wait_sent(1, user_id=hoa)
        await zalo.wait_sent(1, user_id=nam)
        details = await say(zalo, hook, hoa, str(lead_id))  # won: the details follow
        assert f"Bạn đã nhận hồ sơ #{lead_id}" in details
        assert "Trần Văn Bình" in details and "0912 345 678" in details
        taken = await say(zalo, hook, nam, f"Nhận {lead_id}")
        assert f"Hồ sơ #{lead_id} đã có người khác nhận" in taken and "0912" not in taken
        assert f"Bạn đang giữ hồ sơ #{lead_id}" in await say(zalo, hook, hoa, f"#{lead_id}")
        assert "Không có hồ sơ #999" in await say(zalo, hook, nam, "nhan 999")
    [lead] = rows(sqlite_store, Lead)
    assert (lead["status"], lead["assignee_member_id"], lead["assignee"]) == (
        "claimed",
        hoa_id,
        "Chị Hoa",
    )
    chats = [c for c in rows(sqlite_store, Conversation) if c["channel"] == "zalo"]
    assert chats == []  # the claims never reached the conversation


async def test_a_number_from_someone_not_offered_the_lead_is_a_resident_message(
    zalo: ZaloStandIn, sqlite_store: Store, content: Content
) -> None:
    resident = zalo.add_user()
    member = zalo.add_user()
    linked(sqlite_store, member, "Chị Hoa", role="member")  # not offered leads of no team
    lead_id = await a_lead(sqlite_store, content)
    assert lead_id == 1
    async with running(zalo, sqlite_store, content, seed=zalo.seed_refresh_token()) as url:
        hook = url + "/webhooks/zalo"
        for user in (resident, member):
            await say(zalo, hook, user, "/start", wait=2)
            assert "Bạn sinh ngày nào" in await say(zalo, hook, user, "1")  # "Cá nhân"
        text = await say(zalo, hook, resident, "nhận 1")  # not a member: a resident's words
        assert "hồ sơ" not in text.lower()
    [lead] = rows(sqlite_store, Lead)
    assert lead["status"] == "new"
    assert {c["user_ref"] for c in rows(sqlite_store, Conversation)} >= {resident, member}


async def test_a_member_who_chatted_since_the_offer_answers_the_chat_with_a_number(
    zalo: ZaloStandIn, sqlite_store: Store, content: Content
) -> None:
    member = zalo.add_user()
    linked(sqlite_store, member, "Chị Hoa")
    lead_id = await a_lead(sqlite_store, content)
    async with running(zalo, sqlite_store, content, seed=zalo.seed_refresh_token()) as url:
        hook = url + "/webhooks/zalo"
        await zalo.wait_sent(1, user_id=member)  # lead #1 offered
        await say(zalo, hook, member, "/start", wait=2)  # then she chats as a resident
        assert "Bạn sinh ngày nào" in await say(zalo, hook, member, str(lead_id))  # "Cá nhân"
    [lead] = rows(sqlite_store, Lead)
    assert lead["status"] == "new"


async def test_the_echo_of_an_offer_does_not_pause_the_members_chat(
    zalo: ZaloStandIn, sqlite_store: Store, content: Content
) -> None:
    member = zalo.add_user()
    linked(sqlite_store, member, "Chị Hoa")
    async with running(zalo, sqlite_store, content, seed=zalo.seed_refresh_token()) as url:
        hook = url + "/webhooks/zalo"
        await say(zalo, hook, member, "/start", wait=2)  # she chats as a resident too
        zalo.echo_webhook_url = hook
        await a_lead(sqlite_store, content)
        offer = (await zalo.wait_sent(3, user_id=member))[-1]
        assert "Hồ sơ mới" in offer["text"]
        # the echo of the offer was delivered, and handled: known as our own
        await zalo.wait_for(
            lambda: any(
                d.status == 200 and d.event["message"]["msg_id"] == offer["message_id"]
                for d in zalo.echoes
            )
        )
        await settled(hook)
        assert "Bạn sinh ngày nào" in await say(zalo, hook, member, "ca nhan")
    [chat] = [c for c in rows(sqlite_store, Conversation) if c["channel"] == "zalo"]
    assert chat["paused_until"] is None
