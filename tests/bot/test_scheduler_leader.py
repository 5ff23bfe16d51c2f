"""Two real ``hiendien run`` on one PostgreSQL database, a paced campaign under way, and the
leader's lock connection ended by ``pg_terminate_backend`` part-way: the leader stops
sending at once, the other process takes over, every subscriber gets the message exactly
once and the two together never go over the channel's rate.

Each process talks to a Bot API stand-in of its own, so who sent what, and when, is known.
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.scheduler import LOCK_KEY
from bot.settings import Settings
from bot.turns import Conversations
from db import campaigns, locks
from db.engine import make_engine
from db.store import Store
from handlers.content import Content
from handlers.types import Inbound
from tests.support import TODAY
from tests.support.hiendien_run import start, stop
from tests.support.postgres import own_schema
from tests.support.serving import free_port
from tests.support.telegram_standin import BotApiStandIn, Call
from tests.support.waiting import wait_until

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
POSTGRES_URL = Settings().hiendien_test_postgres_url
SUBSCRIBERS = 150
RATE = 10  # TELEGRAM_MAX_PER_SECOND of each process
CHECK = "0.5"  # HIENDIEN_LEADER_CHECK_SECONDS: the test does not wait the default 5 s


@pytest.fixture
def schema_url() -> Iterator[str]:
    """A migrated PostgreSQL schema of its own, dropped afterwards."""
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL: set HIENDIEN_TEST_POSTGRES_URL to run (.ci/run does)")
    with own_schema(POSTGRES_URL) as url:
        yield url


@pytest.fixture
async def apis() -> AsyncIterator[tuple[BotApiStandIn, BotApiStandIn]]:
    async with (
        BotApiStandIn(token="777:FIRST") as first,
        BotApiStandIn(token="778:SECOND") as second,
    ):
        yield first, second


def campaign_sends(api: BotApiStandIn, users: set[str]) -> list[Call]:
    return [c for c in api.calls_to("sendMessage") if str(c.params.get("chat_id")) in users]


def most_in_one_second(times: list[float]) -> int:
    """The most sends in any one-second window."""
    times = sorted(times)
    most, first = 0, 0
    for last, at in enumerate(times):
        while at - times[first] >= 1.0:
            first += 1
        most = max(most, last - first + 1)
    return most


def end_leaders_connection(url: str) -> int:
    """Find the server process holding the scheduler's lock in this schema and end it,
    waiting (up to 5 s) until it is gone."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            pid = locks.holder(conn, LOCK_KEY)
            assert pid is not None, "no process holds the scheduler's lock"
            assert conn.execute(text("SELECT pg_terminate_backend(:p, 5000)"), {"p": pid}).scalar()
            return pid
    finally:
        engine.dispose()


def lock_holder(url: str) -> int | None:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return locks.holder(conn, LOCK_KEY)
    finally:
        engine.dispose()


def campaign_status(store: Store, campaign_id: int) -> str | None:
    with store.transaction() as tx:
        found = campaigns.get(tx, campaign_id)
    return found["status"] if found else None


async def test_a_deposed_leader_stops_and_the_other_finishes_the_campaign_once(
    apis: tuple[BotApiStandIn, BotApiStandIn], schema_url: str, tmp_path: Path, content: Content
) -> None:
    old_api, new_api = apis
    store = Store(schema_url)
    conv = Conversations(store, content, lambda: TODAY)
    users = [str(5000 + i) for i in range(SUBSCRIBERS)]

    async def subscribe(user: str) -> None:
        for said in ("/start", "/nhantin", "đồng ý"):
            await conv.handle(Inbound("telegram", user, text=said))

    await asyncio.gather(*(subscribe(user) for user in users))
    with store.transaction() as tx:
        campaign_id = campaigns.create(
            tx,
            text="Tin chương trình tên miền .vn",
            segment="all",
            status="scheduled",
            quiet_hours=False,  # whatever the hour this test runs at
        )
    audience = set(users)
    env = {"TELEGRAM_MAX_PER_SECOND": str(RATE), "HIENDIEN_LEADER_CHECK_SECONDS": CHECK}

    def sent(api: BotApiStandIn) -> int:
        return len(campaign_sends(api, audience))

    for folder in ("first", "second"):
        (tmp_path / folder).mkdir()
    runs = await asyncio.gather(
        *(
            # on the real clock: the campaign was created now, due at once
            start(api, tmp_path / name, free_port(), env, url=schema_url, timeout=60, today=None)
            for api, name in ((old_api, "first"), (new_api, "second"))
        ),
        return_exceptions=True,
    )
    procs = [run for run in runs if not isinstance(run, BaseException)]
    try:
        assert len(procs) == 2, runs
        await old_api.wait_for(lambda: sent(old_api) + sent(new_api) >= 1, timeout=30)
        if sent(new_api):  # the second was elected: it is the one deposed
            old_api, new_api = new_api, old_api
        await old_api.wait_for(lambda: sent(old_api) >= SUBSCRIBERS // 4, timeout=30)
        assert sent(new_api) == 0  # a follower sends nothing
        ended = await asyncio.to_thread(end_leaders_connection, schema_url)
        ended_at = time.monotonic()
        await new_api.wait_for(lambda: sent(new_api) >= 1, timeout=60)  # took over
        await new_api.wait_for(lambda: sent(old_api) + sent(new_api) >= SUBSCRIBERS, timeout=60)
        # done: the new leader has settled every delivery; what either sent is then on
        # record, and their exit below ends any straggler before the counting
        await wait_until(
            lambda: campaign_status(store, campaign_id) == "done",
            60,
            lambda: f"old: {sent(old_api)}, new: {sent(new_api)}",
            "sends",
        )
        holder = await asyncio.to_thread(lock_holder, schema_url)
    finally:
        codes = [await stop(p, signal.SIGTERM) for p in procs]
        store.close()
    assert codes == [0, 0]  # both still running, stopped gracefully

    by_old, by_new = campaign_sends(old_api, audience), campaign_sends(new_api, audience)
    assert SUBSCRIBERS // 4 <= len(by_old) < SUBSCRIBERS
    # The old leader stopped: nothing from it once the lock was gone but the deliveries it
    # had claimed before, and none of the new leader's before its last.
    assert len([c for c in by_old if c.at > ended_at]) <= 2  # in flight: one or two
    assert max(c.at for c in by_old) < min(c.at for c in by_new)
    assert holder is not None and holder != ended  # the new leader's own connection
    per_chat = Counter(str(c.params["chat_id"]) for c in by_old + by_new)
    assert per_chat == dict.fromkeys(users, 1)  # exactly one delivery each
    assert most_in_one_second([c.at for c in by_old + by_new]) <= RATE  # no doubled rate
    store = Store(schema_url)
    with store.transaction() as tx:
        figures = campaigns.figures(tx, campaign_id)
        status = campaigns.get(tx, campaign_id)
    store.close()
    assert (figures["sent"], figures["pending"], figures["unknown"]) == (SUBSCRIBERS, 0, 0)
    assert status is not None and status["status"] == "done"
