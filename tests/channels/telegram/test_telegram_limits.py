"""Telegram's flood limits, against the Bot API stand-in with its limiter on (30 messages a
second overall, 1 a second per private chat, 20 a minute per group, rejected calls counted):
in steady state hiendien gets no 429; when Telegram says ``retry_after``, the outbox waits
that long and no longer (measured on the dispatcher's own clock, moved by the test).

Each test was seen to fail with the limit it guards broken: the per-chat wait switched off
(``private_per_second`` 1000), the overall pace raised to 1000 a second, the group limit
raised to 2000 a minute, the outbox ignoring ``retry_after`` (its own backoff instead)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, timedelta
from typing import Any

import pytest
from telegram import Bot

from bot.app import build_app
from bot.channels.telegram.sender import TelegramSender
from bot.channels.telegram.settings import TelegramSettings
from bot.outbox import Dispatcher
from bot.settings import Settings
from bot.turns import Conversations
from db.models import Outbox
from db.store import Store
from handlers.content import Content
from handlers.types import Inbound
from tests.support import TODAY
from tests.support.conversations import LEAD_DIALOGUE
from tests.support.office import Clock
from tests.support.records import rows
from tests.support.serving import serve
from tests.support.telegram_chat import GROUP
from tests.support.telegram_standin import BotApiStandIn

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::UserWarning")


@pytest.fixture
async def api() -> AsyncIterator[BotApiStandIn]:
    async with BotApiStandIn(token="321:LIMITS") as stand_in:
        yield stand_in


async def leads(store: Store, content: Content, count: int) -> None:
    """``count`` residents leave a request (web chat): one announcement each for the group."""
    conversations = Conversations(store, content, lambda: TODAY)
    for n in range(count):
        for text in LEAD_DIALOGUE:
            await conversations.handle(Inbound("web", f"resident-{n}", text=text))


def app_with_telegram(api: BotApiStandIn, store: Store, content: Content, **options: Any) -> Any:
    """hiendien's app with Telegram at its own flood limits (``options``: the channel's
    options, to break one for a check)."""
    config = Settings().given(
        TelegramSettings(bot_token=api.token, base_url=api.base_url, leads_chat_id=str(GROUP))
    )
    return build_app(store, content, lambda: TODAY, settings=config, options={"telegram": options})


# --- retry_after ----------------------------------------------------------------------------


def announcement(store: Store) -> dict[str, Any]:
    [note] = [r for r in rows(store, Outbox) if r["kind"] == "lead_created"]
    return note


@pytest.mark.parametrize("retry_after", [3, 7])
async def test_the_outbox_waits_retry_after_and_no_longer(
    api: BotApiStandIn, sqlite_store: Store, content: Content, retry_after: int
) -> None:
    await leads(sqlite_store, content, 1)
    api.fail_next("sendMessage", 429, retry_after=retry_after)
    clock = Clock(announcement(sqlite_store)["next_attempt_at"].replace(tzinfo=UTC))
    async with Bot(api.token, base_url=api.base_url) as bot:
        sender = TelegramSender(bot, sqlite_store, content, str(GROUP))
        dispatcher = Dispatcher(sqlite_store, [sender], clock=clock)
        started = clock.now
        assert await dispatcher.run_once() == 1  # tried, refused with 429
        [refused] = api.calls_to("sendMessage")
        assert refused.status == 429
        note = announcement(sqlite_store)
        assert note["status"] == "pending" and note["attempts"] == 1
        due = note["next_attempt_at"].replace(tzinfo=UTC)
        assert due - started == timedelta(seconds=retry_after)

        clock.now = started + timedelta(seconds=retry_after - 0.5)  # not yet
        assert await dispatcher.run_once() == 0
        assert len(api.calls_to("sendMessage")) == 1
        clock.now = started + timedelta(seconds=retry_after)  # now, not later
        assert await dispatcher.run_once() == 1
    assert [c.status for c in api.calls_to("sendMessage")] == [429, 200]
    assert len(api.sent(GROUP)) == 1
    assert announcement(sqlite_store)["status"] == "sent"


# --- steady state -----------------------------------------------------------------------------


async def test_a_resident_answering_quickly_gets_no_429(
    api: BotApiStandIn, sqlite_store: Store, content: Content
) -> None:
    """Four messages typed at once, four replies: one a second, never faster."""
    api.telegram_limits()
    async with serve(app_with_telegram(api, sqlite_store, content)):
        await api.wait_call("getUpdates")
        for text in ("/start", "ca nhan", "15/03/2005", "co"):
            api.push(api.message(42, text))
        await api.wait_sent(4, chat_id=42, timeout=20)
    assert api.rejected() == []
    assert "rất có thể đủ điều kiện" in api.sent_texts(42)[3]


async def test_many_residents_at_once_get_no_429(
    api: BotApiStandIn, sqlite_store: Store, content: Content
) -> None:
    """40 residents write /start together: 40 greetings, above 30 a second, paced."""
    api.telegram_limits()
    residents = range(1001, 1041)
    async with serve(app_with_telegram(api, sqlite_store, content)):
        await api.wait_call("getUpdates")
        for chat in residents:
            api.push(api.message(chat, "/start"))
        await api.wait_for(lambda: len(api.sent()) >= len(residents), timeout=30)
    assert api.rejected() == []
    assert {str(m["chat_id"]) for m in api.sent()} == {str(c) for c in residents}


async def test_the_team_group_is_sent_at_most_20_in_the_first_minute_evenly(
    api: BotApiStandIn, sqlite_store: Store, content: Content
) -> None:
    """21 requests at once: the group's announcements pause after the 20 a minute allow,
    before the 21st (python-telegram-bot's group limiter: 20, then one every 3 s)."""
    api.rate_limit(30, per_chat=1, count_rejected=True, chat_jitter=0.05)  # group: see above
    await leads(sqlite_store, content, 21)
    async with serve(app_with_telegram(api, sqlite_store, content)):
        await api.wait_sent(21, chat_id=GROUP, timeout=30)
    to_group = [c for c in api.calls_to("sendMessage") if str(c.params["chat_id"]) == str(GROUP)]
    assert [c.status for c in to_group] == [200] * 21
    assert to_group[20].at - to_group[0].at >= 2.5  # paced, not a burst of 21
