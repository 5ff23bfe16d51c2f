"""A real ``hiendien run`` killed with SIGKILL half-way through a broadcast, then restarted:
every subscriber has the message exactly once."""

from __future__ import annotations

import signal
from collections import Counter
from collections.abc import AsyncIterator
from functools import partial
from pathlib import Path

import pytest

from bot.turns import Conversations
from db import campaigns, migrate
from db.store import Store
from handlers.content import Content
from handlers.types import Inbound
from tests.support import TODAY
from tests.support.hiendien_run import start, stop
from tests.support.serving import free_port
from tests.support.telegram_standin import BotApiStandIn

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
SUBSCRIBERS = 60


@pytest.fixture
async def api() -> AsyncIterator[BotApiStandIn]:
    async with BotApiStandIn(token="777:BROADCAST") as stand_in:
        yield stand_in


async def test_sigkill_mid_campaign_then_restart_sends_each_message_once(
    api: BotApiStandIn, tmp_path: Path, content: Content
) -> None:
    db = tmp_path / "hiendien.db"
    url = f"sqlite:///{db}"
    migrate.upgrade(url)
    store = Store(url)
    conv = Conversations(store, content, lambda: TODAY)
    users = [str(5000 + i) for i in range(SUBSCRIBERS)]
    for user in users:
        for text in ("/start", "/nhantin", "đồng ý"):
            await conv.handle(Inbound("telegram", user, text=text))
    with store.transaction() as tx:
        campaign_id = campaigns.create(
            tx,
            text="Tin chương trình tên miền .vn",
            segment="all",
            status="scheduled",
            quiet_hours=False,  # whatever the hour this test runs at
        )
    store.close()

    port = free_port()
    env = {"TELEGRAM_MAX_PER_SECOND": "10"}  # slow: killed well before the end
    # the campaign was scheduled on the real clock, and nothing said depends on the date
    run = partial(start, api, db, port, extra=env, today=None)
    proc = await run()
    try:
        await api.wait_for(lambda: len(api.sent()) >= SUBSCRIBERS // 4, timeout=30)
    finally:
        await stop(proc, signal.SIGKILL)
    assert len(api.sent()) < SUBSCRIBERS  # killed part-way

    proc = await run()
    try:
        await api.wait_for(
            lambda: {str(m["chat_id"]) for m in api.sent()} >= set(users), timeout=60
        )
    finally:
        assert await stop(proc, signal.SIGTERM) == 0  # a graceful stop: nothing more can go
    per_chat = Counter(str(m["chat_id"]) for m in api.sent())
    assert per_chat == dict.fromkeys(users, 1)
    store = Store(url)
    with store.transaction() as tx:
        figures = campaigns.figures(tx, campaign_id)
    store.close()
    assert figures["sent"] + figures["unknown"] == SUBSCRIBERS and figures["pending"] == 0
