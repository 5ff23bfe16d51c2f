"""Training on Zalo end to end (the real app on loopback, signed webhooks and the OA API from
the stand-in): a resident signs up by typing and gets the confirmation with the check-in code
and the note that Zalo lets the ward write only within 48 hours of their last message; a
reminder inside that window arrives, one outside it is recorded as not sent (never paid
for). The clock is the test's, started at the real time the stand-in's messages carry."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, time, timedelta

import pytest

from bot.app import build_app
from bot.channels.zalo.sender import OUTSIDE
from bot.clock import VIETNAM
from bot.scheduler import TrainingReminders
from bot.settings import Settings
from db import training
from db.models import Outbox, TrainingSignup, utcnow
from db.store import Store
from handlers.content import Content
from tests.support import TODAY
from tests.support.office import Clock
from tests.support.records import outbox_drained, rows
from tests.support.zalo_chat import say, serving
from tests.support.zalo_settings import zalo_block
from tests.support.zalo_standin import ZaloStandIn


@pytest.fixture
async def zalo() -> AsyncIterator[ZaloStandIn]:
    async with ZaloStandIn() as stand_in:
        yield stand_in


@asynccontextmanager
async def running(
    zalo: ZaloStandIn, store: Store, content: Content, clock: Clock
) -> AsyncIterator[str]:
    config = Settings().given(zalo_block(zalo))
    app = build_app(
        store,
        content,
        lambda: TODAY,
        settings=config,
        clock=clock,
        options={"zalo": {"echo_delay": 0.05}},
    )
    async with serving(app) as url:
        yield url + "/webhooks/zalo"


def a_session(store: Store, clock: Clock, day: date, title: str) -> None:
    with store.transaction() as tx:
        training.create(
            tx,
            title=title,
            starts_at=datetime.combine(day, time(14), VIETNAM).astimezone(UTC),
            place="Nhà văn hóa tổ dân phố 5",
            capacity=20,
            audience="all",
            now=clock(),
            actor="admin@phuong.vn",
        )


async def test_signing_up_on_zalo_and_its_48_hour_window(
    zalo: ZaloStandIn, sqlite_store: Store, content: Content
) -> None:
    clock = Clock(utcnow())  # the conversation's last message is stamped with the real time
    today = clock().astimezone(VIETNAM).date()
    a_session(sqlite_store, clock, today + timedelta(days=2), "Làm website cho hộ kinh doanh")
    a_session(sqlite_store, clock, today + timedelta(days=4), "Dùng nền tảng số an toàn")
    user = zalo.add_user(display_name="Nguyễn Thị Hoa")
    async with running(zalo, sqlite_store, content, clock) as hook:
        await say(zalo, hook, user, "/start")
        text = await say(zalo, hook, user, "tap huan")
        assert "Làm website cho hộ kinh doanh" in text and "Dùng nền tảng số an toàn" in text
        await say(zalo, hook, user, "1")
        await say(zalo, hook, user, "đồng ý")
        await say(zalo, hook, user, "Nguyễn Thị Hoa")
        text = await say(zalo, hook, user, "0912 345 678")
        first = rows(sqlite_store, TrainingSignup)[0]
        assert f"Mã điểm danh của bạn: {first['code']}" in text
        assert "trong vòng 48 giờ" in text  # Zalo's window, said plainly
        await say(zalo, hook, user, "tập huấn")
        text = await say(zalo, hook, user, "2")  # the consent was given: the details offered
        assert "Nguyễn Thị Hoa" in text and "0912 345 678" in text
        text = await say(zalo, hook, user, "có")
        assert "Dùng nền tảng số an toàn" in text and "Mã điểm danh" in text

        sent = len(zalo.sent_to(user))
        clock.now = datetime.combine(today + timedelta(days=1), time(9), VIETNAM)
        assert await TrainingReminders(sqlite_store, {"zalo"}, clock).check() == 1
        await zalo.wait_sent(sent + 1, user_id=user)  # within 48 hours: sent
        assert "ngày mai" in zalo.sent_to(user)[-1]["text"]
        assert "Làm website cho hộ kinh doanh" in zalo.sent_to(user)[-1]["text"]

        clock.now = datetime.combine(today + timedelta(days=3), time(9), VIETNAM)
        assert await TrainingReminders(sqlite_store, {"zalo"}, clock).check() == 1
        await zalo.wait_for(lambda: outbox_drained(sqlite_store, "zalo"))  # settled
        assert len(zalo.sent_to(user)) == sent + 1  # outside the window: not sent
    [dead] = [r for r in rows(sqlite_store, Outbox) if r["status"] == "dead"]
    assert dead["kind"] == "training_reminder" and OUTSIDE in dead["last_error"]
    assert json.loads(dead["payload"])["which"] == "day"
