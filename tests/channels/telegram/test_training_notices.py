"""Training notices reaching a resident on Telegram (the real app and python-telegram-bot
against the Bot API stand-in): moved up from the waiting list with their code, the session
called off with its reason — in the language they signed up in — and a notice overtaken by
events (they cancelled meanwhile) not sent."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.app import build_app
from bot.channels.telegram.settings import TelegramSettings
from bot.settings import Settings
from db import training
from db.models import Outbox, TrainingSignup, utcnow
from db.store import Store
from handlers.content import Content
from tests.support import TODAY
from tests.support.records import rows
from tests.support.serving import serve
from tests.support.telegram_standin import BotApiStandIn

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::UserWarning")
WRITERS = ("telegram",)


@pytest.fixture
async def api() -> AsyncIterator[BotApiStandIn]:
    async with BotApiStandIn(token="123:ABC") as stand_in:
        yield stand_in


def sign(store: Store, sid: int, chat: int, lang: str = "vi") -> dict:
    with store.transaction() as tx:
        done = training.sign_up(
            tx,
            sid,
            channel="telegram",
            user_ref=str(chat),
            lang=lang,
            name=f"Người {chat}",
            phone=f"0912 000 {chat:03d}",
            consent_id=None,
            now=utcnow(),
        )
    assert done.signup is not None
    return done.signup


async def test_residents_hear_they_moved_up_and_that_the_session_is_off(
    api: BotApiStandIn, sqlite_store: Store, content: Content
) -> None:
    now = utcnow()
    with sqlite_store.transaction() as tx:
        sid = int(
            training.create(
                tx,
                title="Làm website cho hộ kinh doanh",
                starts_at=now + timedelta(days=10),
                place="Hội trường UBND phường",
                capacity=1,
                audience="all",
                now=now,
                actor="cli",
            )["id"]
        )
    sign(sqlite_store, sid, 701)
    sign(sqlite_store, sid, 702)
    sign(sqlite_store, sid, 703, lang="en")
    sign(sqlite_store, sid, 704)
    with sqlite_store.transaction() as tx:
        training.cancel_signup(tx, "telegram", "701", now=utcnow(), writes_first=WRITERS)
        training.cancel_signup(tx, "telegram", "702", now=utcnow(), writes_first=WRITERS)
    # 702 moved up, then cancelled: 703 moved up in turn; 702's notice no longer holds
    assert [r["recipient"] for r in rows(sqlite_store, Outbox)] == ["702", "703"]
    config = Settings().given(TelegramSettings(bot_token=api.token, base_url=api.base_url))
    app = build_app(
        sqlite_store,
        content,
        lambda: TODAY,
        settings=config,
        options={"telegram": {"private_per_second": 1000}},
    )
    async with serve(app):
        await api.wait_for(lambda: len(api.sent_texts(703)) == 1)
        [moved] = api.sent_texts(703)
        assert moved.startswith("Good news: someone cancelled, so you have moved up")
        code = rows(sqlite_store, TrainingSignup)[2]["code"]
        assert f"Your check-in code: {code}" in moved
        with sqlite_store.transaction() as tx:
            training.cancel(
                tx, sid, now=utcnow(), actor="cli", reason="mưa bão", writes_first=WRITERS
            )
        await api.wait_for(lambda: len(api.sent_texts(704)) == 1 and len(api.sent_texts(703)) == 2)
    off = api.sent_texts(703)[1]
    assert off.startswith('Sorry, the training "Làm website cho hộ kinh doanh"')
    assert "(mưa bão)" in off
    [told] = api.sent_texts(704)
    assert told.startswith("Rất tiếc, buổi tập huấn «Làm website cho hộ kinh doanh» lúc")
    assert "đã bị hủy (mưa bão)" in told
    assert api.sent_texts(702) == []  # moved up, but cancelled before the notice went
