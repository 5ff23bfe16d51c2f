"""Stale Zalo events refused (issue 14, D9): a correctly signed event whose timestamp is
more than ``ZALO_MAX_EVENT_AGE_SECONDS`` (15 minutes by default) from now — a replay of an
old capture — answers 401 JSON and nothing is handled; one inside the window is handled.
The record of events already seen outlives that window, so a redelivery inside it is
always recognised. hiendien's real app on loopback, events signed by the stand-in."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest

from bot.channels.zalo.settings import ZaloSettings
from db import erasure
from db.models import Conversation, InboundSeen
from db.store import Store
from handlers.content import Content
from tests.support import TODAY
from tests.support.records import rows
from tests.support.zalo_chat import running, settled
from tests.support.zalo_standin import ZaloStandIn

MINUTE_MS = 60_000


@pytest.fixture
async def zalo() -> AsyncIterator[ZaloStandIn]:
    async with ZaloStandIn() as stand_in:
        yield stand_in


def stamped(zalo: ZaloStandIn, user: str, ms: int) -> dict:
    event = zalo.user_text(user, "/start")
    event["timestamp"] = str(ms)
    return event


async def post(zalo: ZaloStandIn, hook: str, event: dict) -> tuple[int, dict]:
    body, headers = zalo.webhook_request(event)
    async with (
        aiohttp.ClientSession() as session,
        session.post(hook, data=body, headers=headers) as response,
    ):
        return response.status, await response.json()


IN_2010 = int(datetime(2010, 6, 1, 9, 0, tzinfo=UTC).timestamp() * 1000)


@pytest.mark.parametrize(
    "when",
    [
        lambda now: IN_2010,
        lambda now: now - 16 * MINUTE_MS,
        lambda now: now + 16 * MINUTE_MS,
    ],
    ids=["2010", "16-minutes-old", "16-minutes-ahead"],
)
async def test_a_signed_event_from_outside_the_window_is_refused_and_not_handled(
    zalo: ZaloStandIn, sqlite_store: Store, content: Content, when: Callable[[int], int]
) -> None:
    user = zalo.add_user()
    async with running(zalo, sqlite_store, content, seed=zalo.seed_refresh_token()) as url:
        event = stamped(zalo, user, when(zalo.now_ms()))
        status, answer = await post(zalo, url + "/webhooks/zalo", event)
        assert (status, answer) == (401, {"error": "stale event"})
        await settled(url + "/webhooks/zalo")
    assert zalo.sent_to(user) == []
    assert rows(sqlite_store, Conversation) == [] and rows(sqlite_store, InboundSeen) == []


async def test_a_signed_event_ten_minutes_old_is_handled(
    zalo: ZaloStandIn, sqlite_store: Store, content: Content
) -> None:
    user = zalo.add_user()
    async with running(zalo, sqlite_store, content, seed=zalo.seed_refresh_token()) as url:
        event = stamped(zalo, user, zalo.now_ms() - 10 * MINUTE_MS)
        assert await post(zalo, url + "/webhooks/zalo", event) == (200, {"ok": True})
        await zalo.wait_sent(2, user_id=user)  # greeting + menu
    assert len(rows(sqlite_store, Conversation)) == 1


async def test_the_window_is_a_setting(
    zalo: ZaloStandIn, sqlite_store: Store, content: Content
) -> None:
    user = zalo.add_user()
    seed = zalo.seed_refresh_token()
    async with running(zalo, sqlite_store, content, seed=seed, max_event_age_seconds=60) as url:
        event = stamped(zalo, user, zalo.now_ms() - 2 * MINUTE_MS)
        assert (await post(zalo, url + "/webhooks/zalo", event))[0] == 401
    assert zalo.sent_to(user) == []


def test_the_default_window_is_fifteen_minutes() -> None:
    assert ZaloSettings.model_construct().max_event_age_seconds == 900


async def test_events_seen_are_remembered_longer_than_the_window(
    zalo: ZaloStandIn, sqlite_store: Store, content: Content
) -> None:
    user = zalo.add_user()
    async with running(zalo, sqlite_store, content, seed=zalo.seed_refresh_token()) as url:
        hook = url + "/webhooks/zalo"
        event = stamped(zalo, user, zalo.now_ms() - 10 * MINUTE_MS)
        assert (await post(zalo, hook, event))[0] == 200
        await zalo.wait_sent(2, user_id=user)
        # the retention job runs as late as the event may still come back: the id stays
        latest = datetime.now(UTC) + timedelta(seconds=900)
        with sqlite_store.transaction() as tx:
            erasure.purge(tx, latest, TODAY, content.retention_until)
        assert len(rows(sqlite_store, InboundSeen)) == 1
        assert timedelta(days=7) <= erasure.SEEN_KEPT
        assert (await post(zalo, hook, event))[0] == 200  # Zalo's retry, inside the window
        await settled(hook)
    assert len(zalo.sent_to(user)) == 2  # answered once
