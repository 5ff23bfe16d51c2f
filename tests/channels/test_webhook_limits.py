"""The limits on the webhooks (issue 14, D5), over loopback against hiendien's real app with
Telegram (webhook mode) and Zalo pointed at their stand-ins, the limits on a clock the test
moves. Per platform user, after the secret or signature: an event over the limit is dropped
with a 200 (a non-2xx would make the platform redeliver it, and Zalo disable the webhook after
hours of failures), the OA's own echoes are never limited, and the user's next event after
the wait is handled. Per caller IP (off by default: the platforms send from a few servers),
when an operator sets it: a 429 with ``Retry-After`` before anything is read."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import pytest
from sqlalchemy import select

from bot.app import build_app
from bot.channels.telegram.settings import TelegramSettings
from bot.limits import Limits
from bot.settings import Settings
from db.store import Store
from db.tables import seen_t
from handlers.content import Content
from tests.support import TODAY
from tests.support.serving import serve
from tests.support.telegram_standin import BotApiStandIn
from tests.support.waiting import wait_until
from tests.support.zalo_settings import zalo_block
from tests.support.zalo_standin import ZaloStandIn

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::UserWarning")

SECRET = "limits-secret_0123456789abcdefghijklmnop"
PER_USER = {"hiendien_webhook_rate_per_user": 0.5, "hiendien_webhook_burst_per_user": 2}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@asynccontextmanager
async def hiendien(
    store: Store, content: Content, clock: Clock, **limits: Any
) -> AsyncIterator[tuple[str, BotApiStandIn, ZaloStandIn]]:
    async with BotApiStandIn(token="123:ABC") as api, ZaloStandIn() as zalo:
        config = (
            Settings.defaults(hiendien_public_url="https://hiendien.example.vn", **limits)
            .given(
                TelegramSettings(bot_token=api.token, base_url=api.base_url, webhook_secret=SECRET)
            )
            .given(zalo_block(zalo))
        )
        app = build_app(
            store,
            content,
            lambda: TODAY,
            settings=config,
            limits=Limits(config, content, clock),
            options={"telegram": {"private_per_second": 1000}, "zalo": {"echo_delay": 0.05}},
        )
        async with serve(app) as url:
            await api.wait_call("setWebhook")
            yield url, api, zalo


async def post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, Any, Any]:
    async with aiohttp.ClientSession() as http, http.post(url, data=body, headers=headers) as r:
        return r.status, await r.json(), r.headers


def seen(store: Store, channel: str) -> set[str]:
    with store.transaction() as tx:
        query = select(seen_t.c.external_id).where(seen_t.c.channel == channel)
        return {i for (i,) in tx.conn.execute(query)}


async def test_telegram_drops_a_users_updates_over_the_limit_with_a_200(
    sqlite_store: Store, content: Content, caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock()
    caplog.set_level(logging.WARNING, logger="bot.limits")
    async with hiendien(sqlite_store, content, clock, **PER_USER) as (url, api, _):
        hook = url + "/webhooks/telegram"
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"}
        answers = []
        for text in ("/start", "1", "2"):
            body = json.dumps(api.message(61, text)).encode()
            answers.append(await post(hook, body, headers))
        assert [(s, a) for s, a, _ in answers[:2]] == [(200, {"ok": True})] * 2
        status, answer, _ = answers[2]
        assert status == 200 and answer["ok"] is True and answer["dropped"]
        assert [r.getMessage() for r in caplog.records if r.name == "bot.limits"] == [
            "telegram: bỏ 1 sự kiện của người gửi quá nhanh (giới hạn mỗi người dùng) / "
            "dropped 1 events over a user's limit"
        ]
        other = json.dumps(api.message(62, "/start")).encode()
        assert (await post(hook, other, headers))[1] == {"ok": True}  # another user
        clock.now += 2.0  # one token every 2 s
        again = json.dumps(api.message(61, "/start")).encode()
        assert (await post(hook, again, headers))[1] == {"ok": True}
        await api.wait_sent(1, chat_id=62)

        def handled() -> int:
            return len(seen(sqlite_store, "telegram"))

        await wait_until(lambda: handled() == 4, 5.0, lambda: str(handled()), "updates handled")


async def test_zalo_drops_a_users_events_over_the_limit_but_never_the_oas_echoes(
    sqlite_store: Store, content: Content
) -> None:
    clock = Clock()
    async with hiendien(sqlite_store, content, clock, **PER_USER) as (url, _, zalo):
        hook = url + "/webhooks/zalo"
        user = zalo.add_user()
        events = [zalo.user_text(user, text) for text in ("/start", "1", "2")]
        answers = [await post(hook, *zalo.webhook_request(e)) for e in events]
        assert [a for _, a, _ in answers[:2]] == [{"ok": True}] * 2
        assert answers[2][0] == 200 and answers[2][1]["dropped"]
        for n in range(5):  # the OA's own messages (ward staff in the OA manager, the bot)
            echo = zalo.oa_echo(user, f"tin {n}")
            assert (await post(hook, *zalo.webhook_request(echo)))[1] == {"ok": True}
        clock.now += 2.0
        last = zalo.user_text(user, "3")
        assert (await post(hook, *zalo.webhook_request(last)))[1] == {"ok": True}
        ids = [e["message"]["msg_id"] for e in (*events, last)]

        def handled() -> set[str]:
            return seen(sqlite_store, "zalo") & set(ids)

        expected = {ids[0], ids[1], ids[3]}
        await wait_until(lambda: handled() == expected, 5.0, lambda: str(handled()), "events")
        assert ids[2] not in seen(sqlite_store, "zalo")  # the dropped one was never handled


@pytest.mark.parametrize("path", ["/webhooks/telegram", "/webhooks/zalo"])
async def test_a_webhook_limit_per_ip_when_set_answers_429(
    sqlite_store: Store, content: Content, path: str
) -> None:
    clock = Clock()
    limits = {
        "hiendien_webhook_rate_per_ip": 1.0,
        "hiendien_webhook_burst_per_ip": 2,
        "hiendien_trusted_proxies": "127.0.0.1",  # the test's requests come through "a proxy"
    }
    async with hiendien(sqlite_store, content, clock, **limits) as (url, _, _):
        statuses = [(await post(url + path, b"{}", {}))[0] for _ in range(2)]
        assert 429 not in statuses
        status, answer, headers = await post(url + path, b"{}", {})
        assert status == 429 and headers["Retry-After"] == "1"
        assert "đợi" in answer["error"]
        assert headers["X-Frame-Options"] == "DENY" and headers["X-Content-Type-Options"]
        # another address has its own limit
        elsewhere = {"X-Forwarded-For": "203.0.113.7"}
        assert (await post(url + path, b"{}", elsewhere))[0] != 429
        clock.now += 1.0
        assert (await post(url + path, b"{}", {}))[0] != 429


async def test_webhooks_have_no_limit_per_ip_by_default(
    sqlite_store: Store, content: Content
) -> None:
    async with hiendien(sqlite_store, content, Clock()) as (url, _, _):
        statuses = {(await post(url + "/webhooks/zalo", b"{}", {}))[0] for _ in range(300)}
        assert statuses == {200}  # Zalo's probe, 300 times from one address
