"""Zalo end to end: hiendien's real aiohttp app on loopback, signed webhooks from the
stand-in, replies and tokens through the stand-in's OA API and OAuth."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from bot.app import build_app
from db.models import Conversation, Lead
from db.store import Store
from handlers.content import Content
from tests.support import TODAY
from tests.support.records import outbox_drained, rows
from tests.support.serving import serve
from tests.support.zalo_chat import running, say, settled, tap, zalo_settings
from tests.support.zalo_standin import ZaloStandIn


@pytest.fixture
async def zalo() -> AsyncIterator[ZaloStandIn]:
    async with ZaloStandIn() as stand_in:
        yield stand_in


async def test_a_signed_dialogue_by_taps_and_typing_reaches_a_verdict_and_a_lead(
    zalo: ZaloStandIn, sqlite_store: Store, content: Content
) -> None:
    user = zalo.add_user(display_name="Trần Thị Bình")
    async with running(zalo, sqlite_store, content, seed=zalo.seed_refresh_token()) as url:
        hook = url + "/webhooks/zalo"
        assert "Xin chào" in await say(zalo, hook, user, "/start hoiphunu", wait=2)
        buttons = zalo.sent_to(user)[-1]["buttons"]
        assert buttons and all(b["payload"].startswith("#hd:") for b in buttons)
        await tap(zalo, hook, user, "Cá nhân")
        await say(zalo, hook, user, "15/03/2005")
        text = await say(zalo, hook, user, "co", wait=3)
        assert "rất có thể đủ điều kiện" in text
        await tap(zalo, hook, user, "Bỏ qua")
        await tap(zalo, hook, user, "nhờ cán bộ")
        await say(zalo, hook, user, "đồng ý", wait=2)
        # name and phone shared through Zalo's own card, after the consent in the chat
        before = len(zalo.sent_to(user))
        event = zalo.submit_info(user, "Trần Thị Bình", phone="84912345678")
        assert await zalo.post_webhook(hook, event) == 200
        await zalo.wait_sent(before + 2, user_id=user)
        assert "tổ dân phố" in zalo.sent_to(user)[-1]["text"].lower()
        await say(zalo, hook, user, "5")
        text = await say(zalo, hook, user, "buổi sáng", wait=2)
        assert "0912 345 678" in text and "Trần Thị Bình" in text
    [lead] = rows(sqlite_store, Lead)
    assert (lead["channel"], lead["source"], lead["phone"]) == ("zalo", "hoiphunu", "+84912345678")


async def test_shared_info_without_consent_in_the_chat_is_not_stored(
    zalo: ZaloStandIn, sqlite_store: Store, content: Content
) -> None:
    user = zalo.add_user()
    async with running(zalo, sqlite_store, content, seed=zalo.seed_refresh_token()) as url:
        hook = url + "/webhooks/zalo"
        await say(zalo, hook, user, "/start", wait=2)
        assert await zalo.post_webhook(hook, zalo.submit_info(user, "Lê Văn Cường")) == 200
        await settled(hook)
    assert rows(sqlite_store, Lead) == []
    assert "Cường" not in rows(sqlite_store, Conversation)[0]["state"]


async def test_refused_buttons_become_numbered_text_and_numbers_work(
    zalo: ZaloStandIn, sqlite_store: Store, content: Content
) -> None:
    zalo.buttons_supported = False
    user = zalo.add_user()
    async with running(zalo, sqlite_store, content, seed=zalo.seed_refresh_token()) as url:
        hook = url + "/webhooks/zalo"
        text = await say(zalo, hook, user, "/start", wait=2)
        assert "1. Cá nhân" in text and "3. Hộ kinh doanh" in text
        assert all(not m.get("buttons") for m in zalo.sent_to(user))
        text = await say(zalo, hook, user, "3")
        assert "Giấy chứng nhận đăng ký hộ kinh doanh" in text


@pytest.mark.parametrize("signature", ["missing", "bad", "stale_secret", "app_secret"])
async def test_a_wrong_signature_is_refused_and_nothing_is_answered(
    zalo: ZaloStandIn, sqlite_store: Store, content: Content, signature: str
) -> None:
    user = zalo.add_user()
    if signature == "stale_secret":
        zalo.rotate_oa_secret_key()  # the stand-in signs with the old key
    async with running(zalo, sqlite_store, content, seed=zalo.seed_refresh_token()) as url:
        status = await zalo.post_webhook(
            url + "/webhooks/zalo", zalo.user_text(user, "/start"), signature=signature
        )
        assert status == 401
        assert await zalo.post_probe(url + "/webhooks/zalo") == 200
        await settled(url + "/webhooks/zalo")
    assert zalo.sent_to(user) == [] and rows(sqlite_store, Conversation) == []


@pytest.mark.parametrize(
    ("make", "replies"),
    [
        (lambda zalo, user: zalo.user_text(user, "/start"), 2),  # a turn: greeting + menu
        (lambda zalo, user: zalo.user_image(user), 1),  # outside a turn: "please type"
    ],
    ids=["text", "image"],
)
async def test_a_redelivered_event_is_answered_once(
    zalo: ZaloStandIn, sqlite_store: Store, content: Content, make: Any, replies: int
) -> None:
    user = zalo.add_user()
    async with running(zalo, sqlite_store, content, seed=zalo.seed_refresh_token()) as url:
        hook = url + "/webhooks/zalo"
        event = make(zalo, user)
        assert await zalo.post_webhook(hook, event) == 200
        await zalo.wait_sent(replies, user_id=user)
        assert await zalo.redeliver(event, url=hook) == 200
        await settled(hook)
        assert len(zalo.sent_to(user)) == replies


async def test_staff_replying_in_the_oa_manager_pauses_the_bot(
    zalo: ZaloStandIn, sqlite_store: Store, content: Content
) -> None:
    user = zalo.add_user()
    async with running(zalo, sqlite_store, content, seed=zalo.seed_refresh_token()) as url:
        hook = url + "/webhooks/zalo"
        await say(zalo, hook, user, "/start", wait=2)
        own = zalo.sent_to(user)[-1]["message_id"]
        assert await zalo.post_webhook(hook, zalo.oa_echo(user, "(our own)", own)) == 200
        await settled(hook)
        await say(zalo, hook, user, "1")  # our own echo paused nothing
        sent = len(zalo.sent_to(user))
        assert (
            await zalo.post_webhook(hook, zalo.oa_echo(user, "Chào bạn, mình là cán bộ phường"))
            == 200
        )
        await settled(hook)
        assert await zalo.post_webhook(hook, zalo.user_text(user, "15/03/2005")) == 200
        await settled(hook)
        assert len(zalo.sent_to(user)) == sent  # the bot does not talk over a person
    [row] = rows(sqlite_store, Conversation)
    assert row["paused_until"] is not None


async def test_an_invalid_token_mid_conversation_refreshes_once_then_delivers(
    zalo: ZaloStandIn, sqlite_store: Store, content: Content
) -> None:
    user = zalo.add_user()
    async with running(zalo, sqlite_store, content, seed=zalo.seed_refresh_token()) as url:
        hook = url + "/webhooks/zalo"
        await say(zalo, hook, user, "/start", wait=2)
        assert len(zalo.refreshes) == 1
        zalo.fail_next("message/cs", -216)
        text = await say(zalo, hook, user, "1")
        assert "Bạn sinh ngày nào" in text
        assert len(zalo.refreshes) == 2


async def test_two_sends_racing_an_expired_token_refresh_once(
    zalo: ZaloStandIn, sqlite_store: Store, content: Content
) -> None:
    a, b = zalo.add_user(), zalo.add_user()
    async with running(zalo, sqlite_store, content, seed=zalo.seed_refresh_token()) as url:
        hook = url + "/webhooks/zalo"
        await say(zalo, hook, a, "/start", wait=2)
        await say(zalo, hook, b, "/start", wait=2)
        zalo.expire_access_tokens()
        zalo.refresh_delay = 0.2
        await asyncio.gather(
            zalo.post_webhook(hook, zalo.user_text(a, "1")),
            zalo.post_webhook(hook, zalo.user_text(b, "2")),
        )
        await zalo.wait_sent(3, user_id=a)
        await zalo.wait_sent(3, user_id=b)
    assert len(zalo.refreshes) == 2  # the seed, then one for both racing sends
    assert all(r.ok for r in zalo.refreshes)


async def test_after_a_restart_the_stored_pair_is_used_not_the_spent_seed(
    zalo: ZaloStandIn, sqlite_store: Store, content: Content
) -> None:
    user = zalo.add_user()
    seed = zalo.seed_refresh_token()
    async with running(zalo, sqlite_store, content, seed=seed) as url:
        await say(zalo, url + "/webhooks/zalo", user, "/start", wait=2)
    zalo.expire_access_tokens()
    async with running(zalo, sqlite_store, content, seed=seed) as url:  # same, spent seed
        text = await say(zalo, url + "/webhooks/zalo", user, "1")
        assert "Bạn sinh ngày nào" in text
    assert [r.token == seed for r in zalo.refreshes] == [True, False]
    assert all(r.ok for r in zalo.refreshes)


async def test_a_refused_refresh_token_is_reported_on_healthz(
    zalo: ZaloStandIn, sqlite_store: Store, content: Content
) -> None:
    user = zalo.add_user()
    async with running(zalo, sqlite_store, content, seed="not-a-real-token") as url:
        assert (
            await zalo.post_webhook(url + "/webhooks/zalo", zalo.user_text(user, "/start")) == 200
        )
        await settled(url + "/webhooks/zalo")
        async with aiohttp.ClientSession() as http, http.get(url + "/healthz") as r:
            health = await r.json()
            assert r.status == 503
    zalo_health = health["channels"]["zalo"]
    assert health["status"] == "degraded" and zalo_health["status"] == "degraded"
    assert "hiendien zalo set-token" in zalo_health["why"]


async def test_an_image_gets_a_friendly_please_type(
    zalo: ZaloStandIn, sqlite_store: Store, content: Content
) -> None:
    user = zalo.add_user()
    async with running(zalo, sqlite_store, content, seed=zalo.seed_refresh_token()) as url:
        assert await zalo.post_webhook(url + "/webhooks/zalo", zalo.user_image(user)) == 200
        await zalo.wait_sent(1, user_id=user)
        assert "gõ" in zalo.sent_to(user)[-1]["text"]


async def test_a_body_over_the_limit_is_refused_with_413(
    zalo: ZaloStandIn, sqlite_store: Store, content: Content
) -> None:
    async with (  # HIENDIEN_WEBHOOK_MAX_BYTES: 256 KiB
        running(zalo, sqlite_store, content, seed=zalo.seed_refresh_token()) as url,
        aiohttp.ClientSession() as http,
        http.post(url + "/webhooks/zalo", data=b"{" + b" " * (256 * 1024) + b"}") as r,
    ):
        assert r.status == 413
        assert r.headers["X-Frame-Options"] == "DENY"
        assert "262144" in (await r.json())["error"]


async def test_staff_hand_back_with_hash_bot(
    zalo: ZaloStandIn, sqlite_store: Store, content: Content
) -> None:
    user = zalo.add_user()
    async with running(zalo, sqlite_store, content, seed=zalo.seed_refresh_token()) as url:
        hook = url + "/webhooks/zalo"
        await say(zalo, hook, user, "/start", wait=2)
        assert await zalo.post_webhook(hook, zalo.oa_echo(user, "Để chị hỗ trợ em nhé")) == 200
        await settled(hook)
        assert await zalo.post_webhook(hook, zalo.oa_echo(user, "#bot")) == 200
        await settled(hook)
        assert "Bạn sinh ngày nào" in await say(zalo, hook, user, "1")


async def test_zalo_check_command(zalo: ZaloStandIn, tmp_path) -> None:
    import os
    import sys

    env = {
        **os.environ,
        "HIENDIEN_DATABASE_URL": f"sqlite:///{tmp_path / 'z.db'}",
        "ZALO_APP_ID": zalo.app_id,
        "ZALO_APP_SECRET": zalo.app_secret,
        "ZALO_REFRESH_TOKEN": zalo.seed_refresh_token(),
        "ZALO_API_BASE_URL": zalo.api_base_url,
        "ZALO_OAUTH_BASE_URL": zalo.oauth_base_url,
        "HIENDIEN_PUBLIC_URL": "https://hiendien.example.vn",
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "zalo",
        "check",
        env=env,
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, err.decode()
    text = out.decode()
    assert "Official Account: UBND phường Kiến An" in text
    assert "Access token dùng được đến " in text
    webhook = "Địa chỉ webhook cần đặt trong trang quản trị của Zalo: "
    assert webhook + "https://hiendien.example.vn/webhooks/zalo\n" in text
    spent = zalo.refreshes[0].token
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "zalo",
        "set-token",  # the token on standard input: it may start with "-"
        env=env,
        cwd=tmp_path,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(f"{spent}\n".encode()), 60)
    assert proc.returncode == 1 and "set-token" in err.decode()  # a spent token is refused


async def test_the_team_taking_a_request_is_told_to_the_resident_inside_48_hours(
    zalo: ZaloStandIn, sqlite_store: Store, content: Content
) -> None:
    from datetime import timedelta

    from bot.channels.registry import writing_first
    from bot.turns import Conversations
    from db import followup, team
    from db.models import Outbox, utcnow
    from handlers.types import Inbound
    from tests.support.conversations import LEAD_DIALOGUE

    recent, quiet = zalo.add_user(), zalo.add_user()
    conversations = Conversations(sqlite_store, content, lambda: TODAY)
    for user, phone in ((recent, "0912 345 678"), (quiet, "0987 654 321")):
        lines = list(LEAD_DIALOGUE)
        lines[8] = phone
        for line in lines:
            await conversations.handle(Inbound("zalo", user, text=line))
    with sqlite_store.transaction() as tx:
        tx.conn.execute(
            Conversation.__table__.update()
            .where(Conversation.__table__.c.user_ref == quiet)
            .values(updated_at=utcnow() - timedelta(hours=49))
        )
        code = team.create_invite(tx, "Tổ công nghệ số 1")
    ids = [lead["id"] for lead in rows(sqlite_store, Lead)]
    with sqlite_store.transaction() as tx:
        _, member = team.redeem_invite(tx, code, "telegram", "77", "Chị Hoa")
        assert member is not None
        actor = followup.actor_of_member(tx, member)
        for lead_id in ids:
            assert followup.claim_lead(tx, lead_id, actor, writes_first=writing_first()) == "won"
    async with running(zalo, sqlite_store, content, seed=zalo.seed_refresh_token()):
        [notice] = await zalo.wait_sent(1, user_id=recent)
        assert "Chị Hoa" in notice["text"] and "đã nhận hỗ trợ" in notice["text"]
        await zalo.wait_for(lambda: outbox_drained(sqlite_store, "zalo"))
    assert zalo.sent_to(quiet) == []
    notices = {
        r["recipient"]: r for r in rows(sqlite_store, Outbox) if r["kind"] == "resident_notice"
    }
    assert notices[recent]["status"] == "sent"
    assert notices[quiet]["status"] == "dead" and "48-hour" in notices[quiet]["last_error"]


async def test_unfollowing_the_oa_stops_the_news(
    zalo: ZaloStandIn, sqlite_store: Store, content: Content
) -> None:
    from db.models import Subscriber

    user = zalo.add_user()
    async with running(zalo, sqlite_store, content, seed=zalo.seed_refresh_token()) as url:
        hook = url + "/webhooks/zalo"
        await say(zalo, hook, user, "/start", wait=2)
        await say(zalo, hook, user, "/nhantin")
        await say(zalo, hook, user, "đồng ý", wait=2)
        assert rows(sqlite_store, Subscriber)[0]["unsubscribed_at"] is None
        assert await zalo.post_webhook(hook, zalo.unfollow(user)) == 200
        await zalo.wait_for(
            lambda: rows(sqlite_store, Subscriber)[0]["unsubscribed_at"] is not None
        )


async def test_a_broadcast_reaches_zalo_only_inside_the_free_window(
    zalo: ZaloStandIn, sqlite_store: Store, content: Content
) -> None:
    from datetime import timedelta

    from bot.app import SCHEDULER_KEY
    from bot.turns import Conversations
    from db import campaigns
    from db.models import utcnow
    from handlers.types import Inbound

    recent, quiet = zalo.add_user(), zalo.add_user()
    conversations = Conversations(sqlite_store, content, lambda: TODAY)
    for user in (recent, quiet):
        for text in ("/start", "/nhantin", "đồng ý"):
            await conversations.handle(Inbound("zalo", user, text=text))
    with sqlite_store.transaction() as tx:
        tx.conn.execute(
            Conversation.__table__.update()
            .where(Conversation.__table__.c.user_ref == quiet)
            .values(updated_at=utcnow() - timedelta(hours=50))
        )
        campaign_id = campaigns.create(
            tx, text="Tin chương trình", segment="all", status="scheduled", quiet_hours=False
        )
    config = zalo_settings(zalo, zalo.seed_refresh_token())
    app = build_app(sqlite_store, content, lambda: TODAY, settings=config)
    async with serve(app):
        await app[SCHEDULER_KEY].run(campaign_id)
    assert [m["text"] for m in zalo.sent_to(recent)] == ["Tin chương trình"]
    assert zalo.sent_to(quiet) == []
    with sqlite_store.transaction() as tx:
        figures = campaigns.figures(tx, campaign_id)
    assert (figures["sent"], figures["outside_window"]) == (1, 1)
