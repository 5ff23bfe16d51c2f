"""Training on Telegram end to end (the real app on loopback, the Bot API stand-in, webhook
mode with a public address): a resident asks for the sessions, signs up by typing, gets the
confirmation with the day, the place, the check-in code and the buttons to the map and to
the code's QR image (which the server serves); then the reminders arrive at 09:00 the day
before and at 07:00 for an 08:00 session, once each, even when the check runs again after a
restart."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, time

import aiohttp
import pytest

from bot.app import build_app
from bot.channels.telegram.settings import TelegramSettings
from bot.clock import VIETNAM
from bot.scheduler import TrainingReminders
from bot.settings import Settings
from db import training
from db.models import TrainingSignup
from db.store import Store
from handlers.content import Content
from tests.support import TODAY
from tests.support.office import Clock
from tests.support.records import outbox_drained, rows
from tests.support.serving import serve
from tests.support.telegram_chat import GROUP, reply
from tests.support.telegram_standin import BotApiStandIn

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::UserWarning")

SECRET = "s3cret_token-for-tests-0123456789abcdef"
PUBLIC = "https://hiendien.example.vn"
D = date(2026, 12, 10)


def vn(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), VIETNAM).astimezone(UTC)


@pytest.fixture
async def api() -> AsyncIterator[BotApiStandIn]:
    async with BotApiStandIn(token="123:ABC") as stand_in:
        yield stand_in


@asynccontextmanager
async def running(
    api: BotApiStandIn, store: Store, content: Content, clock: Clock
) -> AsyncIterator[str]:
    config = Settings(hiendien_public_url=PUBLIC).given(
        TelegramSettings(
            bot_token=api.token,
            base_url=api.base_url,
            leads_chat_id=str(GROUP),
            webhook_secret=SECRET,
        )
    )
    app = build_app(
        store,
        content,
        lambda: TODAY,
        settings=config,
        clock=clock,
        options={"telegram": {"private_per_second": 1000}},
    )
    async with serve(app) as url:
        await api.wait_call("setWebhook")
        yield url


async def say(api: BotApiStandIn, hook: str, user: int, text: str) -> str:
    async def deliver(update: dict) -> None:
        assert await api.post_webhook(update, url=hook, secret_token=SECRET) == 200

    return await reply(api, user, api.message(user, text), deliver)


def a_session(store: Store, clock: Clock) -> int:
    with store.transaction() as tx:
        made = training.create(
            tx,
            title="Làm website cho hộ kinh doanh",
            starts_at=vn(D, 8),
            place="Hội trường UBND phường Kiến An",
            capacity=40,
            audience="household",
            map_url="https://maps.example.org/kien-an",
            now=clock(),
            actor="admin@phuong.vn",
        )
    return int(made["id"])


def url_buttons(message: dict) -> dict[str, str]:
    rows_ = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return {b["text"]: b["url"] for row in rows_ for b in row if "url" in b}


async def test_signing_up_on_telegram_then_the_reminders(
    api: BotApiStandIn, sqlite_store: Store, content: Content
) -> None:
    clock = Clock()
    session_id = a_session(sqlite_store, clock)
    async with running(api, sqlite_store, content, clock) as url:
        hook = url + "/webhooks/telegram"
        await say(api, hook, 42, "/start")
        text = await say(api, hook, 42, "lop tap huan")
        assert "Làm website cho hộ kinh doanh" in text and "08:00 ngày 10/12/2026" in text
        assert "Còn 40 chỗ" in text
        text = await say(api, hook, 42, "1")
        assert "training-2026-12-v1" not in text  # the version: in the consent record
        await say(api, hook, 42, "đồng ý")
        await say(api, hook, 42, "Nguyễn Thị Hoa")
        text = await say(api, hook, 42, "0912 345 678")
        [signup] = rows(sqlite_store, TrainingSignup)
        code = signup["code"]
        assert "✅ Bạn đã đăng ký lớp “Làm website cho hộ kinh doanh”" in text
        assert f"Mã điểm danh của bạn: {code}" in text
        assert "Hội trường UBND phường Kiến An" in text and "9 giờ sáng hôm trước" in text
        [confirmation] = [m for m in api.sent(42) if code in m["text"]]
        buttons = url_buttons(confirmation)
        qr = f"{PUBLIC}/training/qr/{session_id}/{code}.png"
        assert buttons == {
            "🗺️ Xem bản đồ": "https://maps.example.org/kien-an",
            "Mã QR điểm danh": qr,
        }
        async with (  # the button's image, served by us
            aiohttp.ClientSession() as http,
            http.get(url + qr.removeprefix(PUBLIC)) as r,
        ):
            assert r.status == 200 and r.content_type == "image/png"

        sent = len(api.sent(42))
        clock.now = vn(date(2026, 12, 9), 9, 0)
        assert await TrainingReminders(sqlite_store, {"telegram"}, clock).check() == 1
        await api.wait_sent(sent + 1, chat_id=42)
        day = api.sent(42)[-1]["text"]
        assert "ngày mai (10/12/2026) lúc 08:00" in day and code in day
        assert await TrainingReminders(sqlite_store, {"telegram"}, clock).check() == 0  # restart

        clock.now = vn(D, 6, 30)
        assert await TrainingReminders(sqlite_store, {"telegram"}, clock).check() == 0  # quiet
        clock.now = vn(D, 7, 0)
        assert await TrainingReminders(sqlite_store, {"telegram"}, clock).check() == 1
        await api.wait_sent(sent + 2, chat_id=42)
        assert "Hôm nay lúc 08:00" in api.sent(42)[-1]["text"]
        assert await TrainingReminders(sqlite_store, {"telegram"}, clock).check() == 0
        await api.wait_for(lambda: outbox_drained(sqlite_store, "telegram"))  # nothing more queued
        assert len(api.sent(42)) == sent + 2


async def test_cancelling_on_telegram(
    api: BotApiStandIn, sqlite_store: Store, content: Content
) -> None:
    clock = Clock()
    a_session(sqlite_store, clock)
    async with running(api, sqlite_store, content, clock) as url:
        hook = url + "/webhooks/telegram"
        for text in ("/start", "tập huấn", "1", "đồng ý", "Nguyễn Thị Hoa", "0912345678"):
            await say(api, hook, 43, text)
        text = await say(api, hook, 43, "huy dang ky tap huan")
        assert "Bạn muốn hủy đăng ký lớp “Làm website cho hộ kinh doanh”" in text
        text = await say(api, hook, 43, "có")
        assert "Mình đã hủy đăng ký lớp" in text
    [signup] = rows(sqlite_store, TrainingSignup)
    assert signup["status"] == "cancelled"
