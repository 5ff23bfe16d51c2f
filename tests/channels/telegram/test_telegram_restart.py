"""A real ``hiendien run`` process killed with SIGKILL (a crash, not a stop), then
restarted: an announcement Telegram never received is delivered once; a request Telegram
carried out but whose answer was lost — a resident's reply, the team's card — and what the
resident and the team then see."""

from __future__ import annotations

import signal
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import create_engine, text

from tests.support.conversations import LEAD_DIALOGUE
from tests.support.hiendien_run import start, stop
from tests.support.serving import free_port
from tests.support.telegram_chat import GROUP
from tests.support.telegram_standin import BotApiStandIn

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture
async def api() -> AsyncIterator[BotApiStandIn]:
    async with BotApiStandIn(token="555:RESTART") as stand_in:
        yield stand_in


def outbox_status(db: Path) -> list[str]:
    engine = create_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT status FROM outbox WHERE kind = 'lead_created'"))
        statuses = [r[0] for r in rows]
    engine.dispose()
    return statuses


async def test_killed_mid_delivery_then_restarted_delivers_once(
    api: BotApiStandIn, tmp_path: Path
) -> None:
    db, port = tmp_path / "hiendien.db", free_port()
    api.hold("sendMessage", GROUP)  # Telegram never answers the first announcement
    proc = await start(api, db, port)
    try:
        async with aiohttp.ClientSession() as http:
            for line in LEAD_DIALOGUE:
                body = {"user": "resident", "text": line}
                async with http.post(f"http://127.0.0.1:{port}/api/chat", json=body) as r:
                    assert r.status == 200
        await api.wait_for(lambda: len(api.calls_to("sendMessage")) == 1)
    finally:
        assert await stop(proc, signal.SIGKILL) == -signal.SIGKILL  # a crash, not a stop
    assert outbox_status(db) == ["sending"]
    assert api.sent(GROUP) == []
    api.release()

    proc = await start(api, db, port)
    try:
        await api.wait_sent(1, chat_id=GROUP, timeout=10)
        await api.wait_for(lambda: outbox_status(db) == ["sent"])
    finally:
        assert await stop(proc, signal.SIGTERM) == 0  # a graceful stop
    # the process has ended: whatever it would have sent twice, it has sent
    assert len(api.sent(GROUP)) == 1
    assert "Trần V. B." in api.sent(GROUP)[0]["text"]


async def test_killed_after_telegram_delivered_a_reply_whose_answer_was_lost(
    api: BotApiStandIn, tmp_path: Path
) -> None:
    """Telegram carried out a sendMessage (the resident has the message) but its answer
    never reached hiendien, which was then killed with SIGKILL before acknowledging the
    update. After the restart Telegram hands the update over again."""
    db, port = tmp_path / "hiendien.db", free_port()
    proc = await start(api, db, port)
    try:
        api.push(api.message(42, "/start"))
        await api.wait_sent(1, chat_id=42, timeout=10)
        api.slow("sendMessage", 60)  # done at Telegram; the answer lost on the way back
        api.push(api.message(42, "ca nhan"))
        await api.wait_sent(2, chat_id=42, timeout=10)  # the resident sees the question
    finally:
        assert await stop(proc, signal.SIGKILL) == -signal.SIGKILL  # a crash, not a stop
    api.slow("sendMessage", 0)
    polls = len(api.calls_to("getUpdates"))

    proc = await start(api, db, port)
    try:
        await api.wait_for(lambda: len(api.calls_to("getUpdates")) > polls + 1, timeout=15)
        api.push(api.message(42, "15/03/2005"))
        await api.wait_for(
            lambda: any("công dân Việt Nam" in t for t in api.sent_texts(42)), timeout=15
        )
    finally:
        assert await stop(proc, signal.SIGTERM) == 0
    # What the resident sees: each question once, in order. The update had been
    # acknowledged (python-telegram-bot asks for the next ones while handling it) and its
    # turn committed before the send, so it is neither lost nor answered twice.
    seen = api.sent_texts(42)
    assert len(seen) == 3, seen
    assert seen[0].startswith("Xin chào!")
    assert seen[1].startswith("Bạn sinh ngày nào?")
    assert seen[2].startswith("Bạn có phải là công dân Việt Nam (có quốc tịch Việt Nam) không?")


async def test_killed_after_telegram_delivered_an_announcement_whose_answer_was_lost(
    api: BotApiStandIn, tmp_path: Path
) -> None:
    """The team group got the new lead's card, but the answer never came back before
    SIGKILL: the outbox cannot know, and sends it again after the restart (at least once,
    bot/outbox.py). What the team sees: the card twice, the same text."""
    db, port = tmp_path / "hiendien.db", free_port()
    api.slow("sendMessage", 60)
    proc = await start(api, db, port)
    try:
        async with aiohttp.ClientSession() as http:
            for line in LEAD_DIALOGUE:
                body = {"user": "resident", "text": line}
                async with http.post(f"http://127.0.0.1:{port}/api/chat", json=body) as r:
                    assert r.status == 200
        await api.wait_sent(1, chat_id=GROUP, timeout=10)
    finally:
        assert await stop(proc, signal.SIGKILL) == -signal.SIGKILL
    assert outbox_status(db) == ["sending"]
    api.slow("sendMessage", 0)

    proc = await start(api, db, port)
    try:
        await api.wait_for(lambda: outbox_status(db) == ["sent"], timeout=15)
    finally:
        assert await stop(proc, signal.SIGTERM) == 0
    cards = api.sent_texts(GROUP)
    assert len(cards) == 2 and cards[0] == cards[1]
    assert "Trần V. B." in cards[0]
