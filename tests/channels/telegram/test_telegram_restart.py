"""A real ``hiendien run`` process, killed with SIGKILL while the new lead's announcement
is in flight, delivers it after a restart — once."""

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
        await stop(proc, signal.SIGKILL)
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
