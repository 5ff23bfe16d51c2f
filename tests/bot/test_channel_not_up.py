"""A platform that does not answer or refuses the token does not stop ``hiendien run`` (issue
14, D4): a real process serves the web chat while /healthz says the channel is degraded and
why, and the channel comes up by itself once its platform answers (bot.channels.supervisor).
"""

from __future__ import annotations

import signal
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.app import build_app
from bot.channels.telegram.settings import TelegramSettings
from bot.settings import Settings
from db.store import Store
from handlers.content import Content
from tests.support import TODAY
from tests.support.hiendien_run import start, stop
from tests.support.serving import free_port, serve
from tests.support.telegram_standin import BotApiStandIn
from tests.support.zalo_standin import ZaloStandIn

FAST_RETRY = {
    "HIENDIEN_CHANNEL_RETRY_SECONDS": "0.1",
    "HIENDIEN_CHANNEL_RETRY_MAX_SECONDS": "0.4",
}


async def health(base: str) -> tuple[int, dict[str, Any]]:
    async with aiohttp.ClientSession() as http, http.get(base + "/healthz") as r:
        return r.status, await r.json()


async def web_chat_answers(base: str) -> str:
    async with (
        aiohttp.ClientSession() as http,
        http.post(base + "/api/chat", json={"user": "web-1", "text": "/start"}) as r,
    ):
        assert r.status == 200
        data = await r.json()
    return "\n".join(m["text"] for m in data["messages"])


async def wait_health(base: str, status: str, timeout: float = 20.0) -> dict[str, Any]:
    """Poll /healthz until it says ``status`` (a deadline, not a sleep)."""
    import asyncio

    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    seen: dict[str, Any] = {}
    while loop.time() < deadline:
        _code, seen = await health(base)
        if seen.get("status") == status:
            return seen
        await asyncio.sleep(0.05)
    raise AssertionError(f"/healthz never said {status}; last: {seen}")


@pytest.fixture
async def zalo() -> AsyncIterator[ZaloStandIn]:
    async with ZaloStandIn() as stand_in:
        yield stand_in


async def test_telegram_unreachable_the_web_serves_and_telegram_comes_up_later(
    tmp_path: Path,
) -> None:
    closed = free_port()  # nobody listens there yet
    api = BotApiStandIn(port=closed)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = await start(api, tmp_path / "hiendien.db", port, FAST_RETRY, healthy=False)
    try:
        code, report = await health(base)
        assert code == 503
        assert report["status"] == "degraded" and report["database"] == "ok"
        telegram = report["channels"]["telegram"]
        assert telegram["status"] == "degraded" and telegram["why"]
        assert report["channels"]["web"] == {"status": "ok"}
        assert "Xin chào" in await web_chat_answers(base)
        assert proc.poll() is None

        async with api:  # Telegram answers on that port now
            report = await wait_health(base, "ok")
            assert report["channels"]["telegram"] == {"status": "ok"}
            api.push(api.message(42, "/start"))
            [greeting, *_] = await api.wait_sent(1, chat_id=42, timeout=10)
            assert "Xin chào" in greeting["text"]
            assert await stop(proc, signal.SIGTERM) == 0
    finally:
        if proc.poll() is None:
            proc.kill()


async def test_zalo_refusing_the_token_is_degraded_while_the_rest_serves(
    tmp_path: Path, zalo: ZaloStandIn
) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **FAST_RETRY,
        "ZALO_APP_ID": zalo.app_id,
        "ZALO_APP_SECRET": zalo.app_secret,
        "ZALO_OA_SECRET_KEY": zalo.oa_secret_key,
        "ZALO_REFRESH_TOKEN": "not-a-real-token",
        "ZALO_API_BASE_URL": zalo.api_base_url,
        "ZALO_OAUTH_BASE_URL": zalo.oauth_base_url,
    }
    async with BotApiStandIn() as api:
        proc = await start(api, tmp_path / "hiendien.db", port, env, healthy=False)
        try:
            code, report = await health(base)
            assert code == 503
            assert report["status"] == "degraded"
            assert report["channels"]["telegram"] == {"status": "ok"}
            assert report["channels"]["zalo"]["status"] == "degraded"
            assert "hiendien zalo set-token" in report["channels"]["zalo"]["why"]
            assert "Xin chào" in await web_chat_answers(base)
            assert len(zalo.refreshes) >= 1 and not any(r.ok for r in zalo.refreshes)
        finally:
            assert await stop(proc, signal.SIGTERM) == 0


async def test_a_refused_telegram_token_is_degraded_and_never_shown(
    sqlite_store: Store, content: Content, caplog: pytest.LogCaptureFixture
) -> None:
    wrong = "999:NOT-THE-TOKEN"
    async with BotApiStandIn() as api:
        telegram = TelegramSettings(bot_token=wrong, base_url=api.base_url)
        settings = Settings.defaults(hiendien_channel_retry_seconds=60).given(telegram)
        app = build_app(sqlite_store, content, lambda: TODAY, settings=settings)
        async with serve(app) as base:
            code, report = await health(base)
            assert "Xin chào" in await web_chat_answers(base)
    assert code == 503 and report["status"] == "degraded"
    why = report["channels"]["telegram"]["why"]
    assert "TELEGRAM_BOT_TOKEN" in why and "@BotFather" in why
    assert wrong not in why and wrong not in caplog.text
    assert api.unauthorized  # it did ask
