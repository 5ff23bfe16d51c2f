"""A real ``hiendien run`` process, killed with SIGKILL while the new lead's announcement
is in flight, delivers it after a restart — once."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import create_engine, text

from tests.support.serving import free_port
from tests.support.telegram_standin import BotApiStandIn
from tests.test_store import LEAD_DIALOGUE

ROOT = Path(__file__).resolve().parent.parent
GROUP = -1009876

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture
async def api() -> AsyncIterator[BotApiStandIn]:
    async with BotApiStandIn(token="555:RESTART") as stand_in:
        yield stand_in


async def start(
    api: BotApiStandIn, db: Path, port: int, extra: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        **(extra or {}),
        "HIENDIEN_DATABASE_URL": f"sqlite:///{db}",
        "HIENDIEN_PORT": str(port),
        "HIENDIEN_CONTENT_DIR": str(ROOT / "content"),
        "TELEGRAM_BOT_TOKEN": api.token,
        "TELEGRAM_BASE_URL": api.base_url,
        "TELEGRAM_LEADS_CHAT_ID": str(GROUP),
    }
    env.pop("HIENDIEN_PUBLIC_URL", None)
    proc = subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=db.parent, env=env)
    async with aiohttp.ClientSession() as http:
        for _ in range(200):
            try:
                async with http.get(f"http://127.0.0.1:{port}/healthz") as r:
                    if r.status == 200:
                        return proc
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.05)
    proc.kill()
    raise AssertionError("hiendien run did not start")


async def stop(proc: subprocess.Popen[bytes], sig: signal.Signals) -> int:
    """Signal ``hiendien run`` and wait for it without blocking this loop (the stand-in
    serving the stopping process runs on it)."""
    proc.send_signal(sig)
    return await asyncio.to_thread(proc.wait, 10)


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
        await asyncio.sleep(0.5)
        assert len(api.sent(GROUP)) == 1
        assert "Trần V. B." in api.sent(GROUP)[0]["text"]
    finally:
        assert await stop(proc, signal.SIGTERM) == 0  # a graceful stop
