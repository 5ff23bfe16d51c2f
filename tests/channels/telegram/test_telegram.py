"""Telegram end to end: a real python-telegram-bot Application built by hiendien's own
code (inside the real aiohttp app, on loopback) against the Bot API stand-in."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from sqlalchemy import insert, update

from bot.app import build_app
from bot.channels.telegram.settings import TelegramSettings
from bot.maintenance import Writers, follow_up_once
from bot.settings import Settings
from bot.turns import Conversations
from db import followup, team
from db.models import Lead, Outbox, Registration, utcnow
from db.store import Store
from db.tables import lead_t
from handlers.content import Content
from handlers.types import Inbound
from tests.support import TODAY
from tests.support.conversations import LEAD_DIALOGUE
from tests.support.followup import a_member, a_team, member_actor
from tests.support.records import invite, rows
from tests.support.serving import free_port, serve
from tests.support.telegram_chat import GROUP, say, tap
from tests.support.telegram_standin import BotApiStandIn

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::UserWarning")

SECRET = "s3cret_token-for-tests-0123456789abcdef"


@pytest.fixture
async def api() -> AsyncIterator[BotApiStandIn]:
    async with BotApiStandIn(token="123:ABC") as stand_in:
        yield stand_in


@asynccontextmanager
async def running(
    api: BotApiStandIn, store: Store, content: Content, **settings: Any
) -> AsyncIterator[str]:
    """hiendien's app with Telegram, started as ``hiendien run`` would; yields its URL.
    ``settings``: more of Telegram's settings block."""
    public = settings.pop("hiendien_public_url", None)
    config = Settings(hiendien_public_url=public).given(
        TelegramSettings(
            bot_token=api.token, base_url=api.base_url, leads_chat_id=str(GROUP), **settings
        )
    )
    app = build_app(
        store,
        content,
        lambda: TODAY,
        settings=config,
        options={"telegram": {"private_per_second": 1000}},
    )
    async with serve(app) as url:
        yield url


async def test_a_resident_from_a_deep_link_reaches_a_verdict_and_leaves_a_lead(
    api: BotApiStandIn, sqlite_store: Store, content: Content
) -> None:
    async with running(api, sqlite_store, content):
        await api.wait_call("setMyCommands")
        assert [c["command"] for c in api.commands] == [
            "start",
            "menu",
            "hoi",
            "nhantin",
            "stop",
            "dulieu",
            "xoa",
            "english",
        ]
        text = await say(api, 42, "/start hoiphunu")
        assert "Xin chào" in text
        await tap(api, 42, "Cá nhân")
        assert api.calls_to("answerCallbackQuery")
        assert api.calls_to("editMessageReplyMarkup")  # the tapped keyboard is gone
        await say(api, 42, "15/03/2005")
        text = await tap(api, 42, "Có")
        assert "rất có thể đủ điều kiện" in text
        _, url = api.button(42, "hiendienonline")
        assert url == "https://hiendienonline.tenmien.vn"
        await say(api, 42, "Nguyễn Văn An")
        await tap(api, 42, "nhờ cán bộ")
        await tap(api, 42, "Đồng ý")
        await say(api, 42, "Nguyễn Văn An")
        keyboard = api.sent(42)[-1]["reply_markup"]
        assert keyboard["keyboard"][0][0]["request_contact"] is True
        before = len(api.sent(42))
        api.push(api.contact(42, "+84912345678"))
        await api.wait_sent(before + 2, chat_id=42)  # "number noted" + the tổ dân phố question
        assert api.sent(42)[before]["reply_markup"] == {"remove_keyboard": True}
        await say(api, 42, "Tổ dân phố 5")  # typed: the ward lists no tổ dân phố yet
        text = await tap(api, 42, "Lúc nào")
        assert "0912 345 678" in text
    [lead] = rows(sqlite_store, Lead)
    assert (lead["channel"], lead["user_ref"], lead["source"]) == ("telegram", "42", "hoiphunu")
    assert lead["phone"] == "+84912345678"


async def test_someone_elses_contact_is_refused(
    api: BotApiStandIn, sqlite_store: Store, content: Content
) -> None:
    async with running(api, sqlite_store, content):
        await say(api, 43, "/start")
        before = len(api.sent(43))
        api.push(api.contact(43, "+84987654321", contact_user_id=999))
        await api.wait_sent(before + 1, chat_id=43)
        assert "chính bạn" in api.sent(43)[-1]["text"]


async def test_in_a_group_the_bot_does_not_talk_to_residents(
    api: BotApiStandIn, sqlite_store: Store, content: Content
) -> None:
    async with running(api, sqlite_store, content):
        api.push(api.message(44, "xin chào", chat_id=GROUP))
        api.push(api.message(44, "/start"))
        await api.wait_sent(1, chat_id=44)
        assert api.sent(GROUP) == []


async def test_the_team_claims_a_lead_one_winner_details_in_private(
    api: BotApiStandIn, sqlite_store: Store, content: Content
) -> None:
    async with running(api, sqlite_store, content):
        await say(api, 501, f"/staff {invite(sqlite_store)}")
        assert "Đã liên kết" in api.sent(501)[-1]["text"]
        await say(api, 502, f"/start staff-{invite(sqlite_store)}")
        assert "Đã liên kết" in api.sent(502)[-1]["text"]
        conversations = Conversations(sqlite_store, content, lambda: TODAY)
        for text in LEAD_DIALOGUE:
            await conversations.handle(Inbound("web", "resident", text=text))
        [card] = await api.wait_sent(1, chat_id=GROUP)
        assert "Trần V. B." in card["text"] and "091****678" in card["text"]
        assert "Trần Văn Bình" not in card["text"] and "0912" not in card["text"]
        assert "tdp5" in card["text"] and "Tổ dân phố 5" in card["text"]
        message, data = api.button(GROUP, "Nhận hỗ trợ")
        assert data.startswith("lc:")
        api.push(api.callback(501, data, message, chat_id=GROUP))
        api.push(api.callback(502, data, message, chat_id=GROUP))
        api.push(api.callback(777, data, message, chat_id=GROUP))  # not a member
        await api.wait_call("answerCallbackQuery", 3)
        answers = sorted(c.params.get("text", "") for c in api.calls_to("answerCallbackQuery"))
        assert sum("Bạn đã nhận" in a for a in answers) == 1
        assert sum("người khác nhận" in a for a in answers) == 1
        assert sum("Chỉ thành viên" in a for a in answers) == 1
        [lead] = rows(sqlite_store, Lead)
        holder = 501 if lead["assignee_member_id"] == 1 else 502
        details = (await api.wait_sent(2, chat_id=holder))[-1]  # after "linked"
        assert "Trần Văn Bình" in details["text"] and "0912 345 678" in details["text"]
        await api.wait_for(lambda: "Đang hỗ trợ" in api.last_message(GROUP)["text"])
        message, data = api.button(GROUP, "Đã liên hệ")
        api.push(api.callback(holder, data, message, chat_id=GROUP))
        await api.wait_for(lambda: "Trạng thái: Đã liên hệ" in api.last_message(GROUP)["text"])
        assert len(api.sent(GROUP)) == 1  # one card, edited in place
    [lead] = rows(sqlite_store, Lead)
    assert lead["status"] == "contacted"


async def test_the_team_moves_a_lead_through_its_statuses_only_its_own_team(
    api: BotApiStandIn, sqlite_store: Store, content: Content
) -> None:
    from db.tables import team_area_t

    with sqlite_store.transaction() as tx:
        other = team.create_invite(tx, "Tổ công nghệ số 2")
    async with running(api, sqlite_store, content):
        await say(api, 601, f"/staff {invite(sqlite_store)}")  # Tổ công nghệ số 1
        await say(api, 602, f"/staff {other}")
        with sqlite_store.transaction() as tx:  # Tổ 1 serves the resident's tổ dân phố
            first = team.member_for(tx, "telegram", "601")
            assert first is not None
            tx.conn.execute(
                insert(team_area_t), {"area": "Tổ dân phố 5", "team_id": first["team_id"]}
            )
        conversations = Conversations(sqlite_store, content, lambda: TODAY)
        for text in LEAD_DIALOGUE:
            await conversations.handle(Inbound("web", "resident", text=text))
        [card] = await api.wait_sent(1, chat_id=GROUP)
        assert "Tổ dân phố 5 (Tổ công nghệ số 1)" in card["text"]
        message, data = api.button(GROUP, "Nhận hỗ trợ")
        api.push(api.callback(602, data, message, chat_id=GROUP))  # another team's member
        [refused] = await api.wait_call("answerCallbackQuery", 1)
        assert "tổ khác" in refused.params["text"] and refused.params["show_alert"]
        api.push(api.callback(601, data, message, chat_id=GROUP))
        await api.wait_for(lambda: "Đang hỗ trợ" in api.last_message(GROUP)["text"])
        titles = [b["text"] for row in api.last_keyboard(GROUP) for b in row]
        assert titles == [
            "📞 Đã liên hệ",
            "📝 Đang đăng ký",
            "✅ Đã đăng ký xong",
            "📵 Không liên lạc được",
            "🚫 Từ chối",
        ]
        message, data = api.button(GROUP, "Đang đăng ký")
        api.push(api.callback(601, data, message, chat_id=GROUP))
        await api.wait_for(lambda: "Trạng thái: Đang đăng ký" in api.last_message(GROUP)["text"])
        # "registered" needs the domain: the tap asks the member to type it
        message, data = api.button(GROUP, "Đã đăng ký")
        api.push(api.callback(601, data, message, chat_id=GROUP))
        asked = (await api.wait_call("answerCallbackQuery", 4))[-1]
        lead_id = rows(sqlite_store, Lead)[0]["id"]
        assert f"/dangky {lead_id} " in asked.params["text"] and asked.params["show_alert"]
        assert rows(sqlite_store, Lead)[0]["status"] == "registering"
        api.push(api.message(601, f"/dangky {lead_id} binh.com.vn", chat_id=GROUP))
        await api.wait_for(lambda: "không thuộc chương trình" in api.sent_texts(GROUP)[-1])
        assert rows(sqlite_store, Lead)[0]["status"] == "registering"
        api.push(api.message(601, f"/dangky {lead_id} TranVanBinh.ID.VN", chat_id=GROUP))
        await api.wait_for(lambda: "tên miền tranvanbinh.id.vn" in api.sent_texts(GROUP)[-1])
        await api.wait_for(  # the card, edited in place
            lambda: (
                "Trạng thái: Đã đăng ký xong" in api.calls_to("editMessageText")[-1].params["text"]
            )
        )
    [lead] = rows(sqlite_store, Lead)
    assert (lead["status"], lead["domain"]) == ("registered", "tranvanbinh.id.vn")
    [registration] = rows(sqlite_store, Registration)
    assert (registration["domain"], registration["source"]) == ("tranvanbinh.id.vn", "staff")
    assert registration["lead_id"] == lead["id"]


def outbox_of(store: Store) -> dict[str, Any]:
    """The lead's announcement in the outbox."""
    [note] = [r for r in rows(store, Outbox) if r["kind"] == "lead_created"]
    return note


async def test_429_then_success_is_delivered_once_after_the_wait(
    api: BotApiStandIn, sqlite_store: Store, content: Content
) -> None:
    api.fail_next("sendMessage", 429, retry_after=1)
    conversations = Conversations(sqlite_store, content, lambda: TODAY)
    for text in LEAD_DIALOGUE:  # the lead is committed while Telegram is not running
        await conversations.handle(Inbound("web", "resident", text=text))
    async with running(api, sqlite_store, content):
        started = time.monotonic()
        await api.wait_sent(1, chat_id=GROUP, timeout=10)
        assert time.monotonic() - started >= 0.9
        # the outbox drained: the row is sent, after two attempts, and nothing else went out
        await api.wait_for(lambda: outbox_of(sqlite_store)["status"] == "sent")
        assert len(api.sent(GROUP)) == 1
        [refused] = [c for c in api.calls_to("sendMessage") if c.status == 429]
        assert refused.params["chat_id"] == GROUP
    assert outbox_of(sqlite_store)["attempts"] == 2


async def test_a_second_start_does_not_send_a_delivered_notification_again(
    api: BotApiStandIn, sqlite_store: Store, content: Content
) -> None:
    """A clean stop and start (crashes, SIGKILL, are in test_telegram_restart.py)."""
    conversations = Conversations(sqlite_store, content, lambda: TODAY)
    for text in LEAD_DIALOGUE:
        await conversations.handle(Inbound("web", "resident", text=text))
    async with running(api, sqlite_store, content):
        await api.wait_sent(1, chat_id=GROUP)
    async with running(api, sqlite_store, content):  # a second start sends nothing again
        # a later lead's announcement arrives, and the first was not sent a second time
        for text in LEAD_DIALOGUE:
            await conversations.handle(Inbound("web", "other", text=text))
        await api.wait_sent(2, chat_id=GROUP)
    assert len(api.sent(GROUP)) == 2


async def test_a_blocked_recipient_is_not_retried(
    api: BotApiStandIn, sqlite_store: Store, content: Content
) -> None:
    api.fail_next("sendMessage", 403)
    conversations = Conversations(sqlite_store, content, lambda: TODAY)
    for text in LEAD_DIALOGUE:
        await conversations.handle(Inbound("web", "resident", text=text))
    async with running(api, sqlite_store, content):
        await api.wait_call("sendMessage")
        await api.wait_for(lambda: outbox_of(sqlite_store)["status"] == "dead")
    note = outbox_of(sqlite_store)
    assert "forbidden" in note["last_error"]
    assert len(api.calls_to("sendMessage")) == 1


async def test_webhook_mode_checks_the_secret_and_answers_each_update_once(
    api: BotApiStandIn, sqlite_store: Store, content: Content
) -> None:
    public = "https://hiendien.example.vn"
    async with running(
        api, sqlite_store, content, hiendien_public_url=public, webhook_secret=SECRET
    ) as url:
        await api.wait_call("setWebhook")
        assert api.webhook["url"] == public + "/webhooks/telegram"
        assert api.webhook["secret_token"] == SECRET
        hook = url + "/webhooks/telegram"
        update = api.message(61, "/start")
        assert await api.post_webhook(update, url=hook, secret_token="wrong") == 401
        assert await api.post_webhook(update, url=hook, secret_token="") == 401
        assert await api.post_webhook(update, url=hook, secret_token=SECRET) == 200
        assert await api.post_webhook(update, url=hook, secret_token=SECRET) == 200
        later = api.message(61, "/hoi")
        assert await api.post_webhook(later, url=hook, secret_token=SECRET) == 200
        # the later update was answered (the greeting, then the question prompt): the refused
        # ones and the redelivered one were not answered
        await api.wait_for(lambda: any("hỏi" in t.lower() for t in api.sent_texts(61)[1:]))
        assert "Xin chào" in api.sent_texts(61)[0]
        assert sum("Xin chào" in t for t in api.sent_texts(61)) == 1
        async with aiohttp.ClientSession() as http:
            headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
            async with http.post(hook, data=b"not json", headers=headers) as r:
                assert r.status == 400
            async with http.post(hook, data=b"x" * (256 * 1024 + 1), headers=headers) as r:
                assert r.status == 413  # HIENDIEN_WEBHOOK_MAX_BYTES
                assert "262144" in (await r.json())["error"]
    assert not api.calls_to("getUpdates")


def test_webhook_mode_without_a_secret_stops_the_start(
    sqlite_store: Store, content: Content
) -> None:
    from bot.channels.base import ConfigError

    config = Settings(hiendien_public_url="https://x.example").given(
        TelegramSettings(bot_token="1:X", webhook_secret=None)
    )
    with pytest.raises(ConfigError, match="TELEGRAM_WEBHOOK_SECRET"):
        build_app(sqlite_store, content, lambda: TODAY, settings=config)


async def test_a_resident_on_telegram_hears_when_the_team_takes_the_request(
    api: BotApiStandIn, sqlite_store: Store, content: Content
) -> None:
    async with running(api, sqlite_store, content):
        await say(api, 601, f"/staff {invite(sqlite_store)}")
        conversations = Conversations(sqlite_store, content, lambda: TODAY)
        for text in LEAD_DIALOGUE:
            await conversations.handle(Inbound("telegram", "42", text=text))
        await api.wait_sent(1, chat_id=GROUP)
        message, data = api.button(GROUP, "Nhận hỗ trợ")
        api.push(api.callback(601, data, message, chat_id=GROUP))
        await api.wait_for(lambda: any("đã nhận hỗ trợ" in t for t in api.sent_texts(42)))
        notice = next(t for t in api.sent_texts(42) if "đã nhận hỗ trợ" in t)
        assert "An" in notice  # the member's name as Telegram gave it


async def test_the_aiohttp_transport_maps_answers_and_errors_as_ptb_expects() -> None:
    from telegram.error import Forbidden, NetworkError, TimedOut

    from bot.channels.telegram.request import AiohttpRequest

    async with BotApiStandIn() as api, AiohttpRequest(read_timeout=0.3) as request:
        url = f"{api.base_url}{api.token}"
        me = await request.post(f"{url}/getMe")
        assert isinstance(me, dict) and me["username"] == "hiendien_test_bot"
        api.fail_next("getMe", 403)
        with pytest.raises(Forbidden):
            await request.post(f"{url}/getMe")
        api.hold("getMe")
        with pytest.raises(TimedOut):
            await request.post(f"{url}/getMe")
        api.release()
        with pytest.raises(NetworkError) as refused:  # nobody listens there
            await request.post(f"http://127.0.0.1:{free_port()}/bot{api.token}/getMe")
        assert not isinstance(refused.value, TimedOut)


async def test_a_week_after_contact_the_resident_is_asked_whether_they_registered(
    api: BotApiStandIn, sqlite_store: Store, content: Content
) -> None:
    resident = 71
    conversations = Conversations(sqlite_store, content, lambda: TODAY)
    for text in LEAD_DIALOGUE:
        await conversations.handle(Inbound("telegram", str(resident), text=text))
    [lead] = rows(sqlite_store, Lead)
    team_id = a_team(sqlite_store, "Tổ 1")
    holder = member_actor(sqlite_store, a_member(sqlite_store, "9", team_id, "Chị Hoa", "admin"))
    with sqlite_store.transaction() as tx:
        assert followup.claim_lead(tx, lead["id"], holder) == "won"
        assert followup.set_status(tx, lead["id"], holder, "contacted") == "ok"
        tx.conn.execute(
            update(lead_t)
            .where(lead_t.c.id == lead["id"])
            .values(updated_at=utcnow() - timedelta(days=8))
        )
    telegram_only = Writers(frozenset({"telegram"}), lambda _name, _last: True)
    async with running(api, sqlite_store, content):  # its hourly tick asks, on start
        await api.wait_for(
            lambda: any("đã đăng ký được tên miền" in t for t in api.sent_texts(resident))
        )
        # asked once: neither a second tick nor another process asks again
        assert await sqlite_store.run(follow_up_once, sqlite_store, telegram_only, utcnow()) == 0
        asked_rows = [r for r in rows(sqlite_store, Outbox) if r["kind"] == "registration_offer"]
        assert len(asked_rows) == 1
        titles = [b["text"] for row in api.last_keyboard(resident) for b in row]
        assert titles == ["Đã đăng ký", "Chưa"]
        asked = await tap(api, resident, "Đã đăng ký")
        assert "gõ giúp mình tên miền" in asked
        thanks = await say(api, resident, "Tôi đăng ký tên tranbinh.id.vn")
        assert "Chúc mừng bạn đã có tên miền tranbinh.id.vn" in thanks
    [registration] = rows(sqlite_store, Registration)
    assert (registration["source"], registration["lead_id"]) == ("self_reported", lead["id"])
