"""``GET /metrics`` over loopback (Prometheus text, prometheus-client's parser reads it back):
off without ``HIENDIEN_METRICS_TOKEN`` (404 JSON), 401 without the right bearer token, and
after residents' conversations (web and a Telegram webhook) the counters have moved —
turns, verdicts by reason, leads, the latency histogram, the outbox's delivery to the
team's group, webhook rejections by channel and why — with the backlog read at scrape.
Two apps in one process keep their own counts."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.app import build_app
from bot.channels.telegram.settings import TelegramSettings
from bot.settings import SettingError, Settings, read
from db.store import Store
from handlers.content import Content
from tests.support import TODAY
from tests.support.conversations import LEAD_DIALOGUE
from tests.support.serving import serve
from tests.support.telegram_standin import BotApiStandIn
from tests.support.waiting import wait_until

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
TOKEN = "metrics-token-0123456789abcdef"
SECRET = "webhook-secret_0123456789abcdefghijklmnop"
GROUP = -100555


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of the exposition: (name, sorted labels) → value."""
    found = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            found[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return found


def sent(found: dict) -> float:
    """Outbox deliveries sent, on any of the outbox's channels (the team's group: "team")."""
    name = "hiendien_outbox_deliveries_total"
    return sum(v for (n, labels), v in found.items() if n == name and ("status", "sent") in labels)


async def scrape(http: aiohttp.ClientSession, base: str) -> dict:
    async with http.get(base + "/metrics", headers={"Authorization": f"Bearer {TOKEN}"}) as r:
        assert r.status == 200 and r.content_type == "text/plain"
        return samples(await r.text())


@asynccontextmanager
async def served(
    store: Store, content: Content, token: str | None
) -> AsyncIterator[tuple[BotApiStandIn, str]]:
    async with BotApiStandIn(token="123:ABC") as api:
        config = Settings(
            hiendien_public_url="https://hiendien.example.vn", hiendien_metrics_token=token
        ).given(
            TelegramSettings(
                bot_token=api.token,
                base_url=api.base_url,
                webhook_secret=SECRET,
                leads_chat_id=str(GROUP),
            )
        )
        app = build_app(store, content, lambda: TODAY, settings=config)
        async with serve(app) as url:
            await api.wait_call("setWebhook")
            yield api, url


async def test_metrics_are_off_without_a_token_and_need_it_when_set(
    sqlite_store: Store, content: Content
) -> None:
    async with (
        served(sqlite_store, content, None) as (_api, base),
        aiohttp.ClientSession() as http,
        http.get(base + "/metrics") as r,
    ):
        assert r.status == 404 and (await r.json())["error"] == "metrics are off"
    async with (
        served(sqlite_store, content, TOKEN) as (_api, base),
        aiohttp.ClientSession() as http,
    ):
        for header in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}):
            async with http.get(base + "/metrics", headers=header) as r:
                assert r.status == 401 and "error" in await r.json()
                assert r.headers["WWW-Authenticate"].startswith("Bearer")
        await scrape(http, base)


async def test_a_conversation_moves_the_counters(store: Store, content: Content) -> None:
    async with served(store, content, TOKEN) as (api, base), aiohttp.ClientSession() as http:
        before = await scrape(http, base)
        assert before[("hiendien_outbox_pending", ())] == 0
        for text in LEAD_DIALOGUE:
            async with http.post(base + "/api/chat", json={"user": "lan", "text": text}) as r:
                assert r.status == 200
        hook = base + "/webhooks/telegram"
        async with http.post(hook, json=api.message(71, "/start")) as r:  # no secret
            assert r.status == 401
        async with http.post(hook, data=b"[1]", headers={SECRET_HEADER: SECRET}) as r:
            assert r.status == 400
        assert await api.post_webhook(api.message(72, "/start"), url=hook) == 200
        await api.wait_sent(1, chat_id=72)

        await wait_until(lambda: bool(api.sent(GROUP)), 10, api.dump, "Bot API calls")
        after = await scrape(http, base)
        deadline = asyncio.get_running_loop().time() + 10
        while not sent(after):  # the send is recorded just after the Bot API answered
            assert asyncio.get_running_loop().time() < deadline, "no delivery counted"
            after = await scrape(http, base)

    def moved(name: str, **labels: str) -> float:
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0.0) - before.get(key, 0.0)

    turns = len(LEAD_DIALOGUE)
    assert moved("hiendien_turns_total", channel="web", outcome="replied") == turns
    assert moved("hiendien_turn_seconds_count", channel="web") == turns
    assert moved("hiendien_turn_seconds_bucket", channel="web", le="+Inf") == turns
    assert moved("hiendien_turns_total", channel="telegram", outcome="replied") == 1
    assert moved("hiendien_verdicts_total", reason="eligible_youth") == 1
    assert moved("hiendien_leads_recorded_total", channel="web") == 1
    assert moved("hiendien_webhook_rejections_total", channel="telegram", why="unauthorized") == 1
    assert moved("hiendien_webhook_rejections_total", channel="telegram", why="bad_request") == 1
    assert sent(after) >= 1 and not sent(before)
    assert ("hiendien_outbox_oldest_due_seconds", ()) in after


async def test_two_apps_count_apart(sqlite_store: Store, content: Content) -> None:
    async with (
        served(sqlite_store, content, TOKEN) as (_a, one),
        served(sqlite_store, content, TOKEN) as (_b, two),
        aiohttp.ClientSession() as http,
    ):
        async with http.post(one + "/api/chat", json={"user": "x", "text": "/start"}) as r:
            assert r.status == 200
        first, second = await scrape(http, one), await scrape(http, two)
    key = ("hiendien_turns_total", (("channel", "web"), ("outcome", "replied")))
    assert first[key] == 1 and second.get(key, 0) == 0


@pytest.mark.parametrize("token", ["short", "x" * 23, "ký-tự-không-phải-ascii-0123456789"])
def test_a_weak_metrics_token_stops_the_start(monkeypatch: pytest.MonkeyPatch, token: str) -> None:
    monkeypatch.setenv("HIENDIEN_METRICS_TOKEN", token)
    with pytest.raises(SettingError, match="HIENDIEN_METRICS_TOKEN"):
        read(Settings)
