"""No acknowledged Zalo event is lost (issue 14, item 4): a real ``hiendien run`` killed with
SIGKILL after it answered 200 to a signed event and while the reply is in flight (the
stand-in holds the message/cs call) answers it after a restart — once, even when Zalo
delivers the event again."""

from __future__ import annotations

import signal
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.support.hiendien_run import start, stop
from tests.support.serving import free_port
from tests.support.telegram_standin import BotApiStandIn
from tests.support.zalo_standin import ZaloStandIn

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

WELCOME = "Xin chào!"
START = 60.0  # seconds a start may take on a busy machine


@pytest.fixture
async def api() -> AsyncIterator[BotApiStandIn]:
    async with BotApiStandIn(token="557:ZINBOX") as stand_in:
        yield stand_in


@pytest.fixture
async def zalo() -> AsyncIterator[ZaloStandIn]:
    async with ZaloStandIn() as stand_in:
        yield stand_in


def zalo_env(zalo: ZaloStandIn, seed: str | None) -> dict[str, str]:
    env = {
        "ZALO_APP_ID": zalo.app_id,
        "ZALO_APP_SECRET": zalo.app_secret,
        "ZALO_OA_SECRET_KEY": zalo.oa_secret_key,
        "ZALO_API_BASE_URL": zalo.api_base_url,
        "ZALO_OAUTH_BASE_URL": zalo.oauth_base_url,
    }
    if seed:  # the first start; the next one reads the tokens it kept
        env["ZALO_REFRESH_TOKEN"] = seed
    return env


def inbox_statuses(db: Path) -> list[str]:
    engine = create_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        statuses = [r[0] for r in conn.execute(text("SELECT status FROM inbox ORDER BY id"))]
    engine.dispose()
    return statuses


def sends_to(zalo: ZaloStandIn, user: str) -> int:
    """message/cs calls to ``user``, delivered or not."""
    return sum(
        isinstance(c.body, dict) and (c.body.get("recipient") or {}).get("user_id") == user
        for c in zalo.calls_to("message/cs")
    )


async def test_an_event_acknowledged_then_killed_is_answered_after_a_restart_once(
    api: BotApiStandIn, zalo: ZaloStandIn, tmp_path: Path
) -> None:
    # on the real clock: the stand-in signs events with the time now, and an event more than
    # 15 minutes from the process's now is refused (ZALO_MAX_EVENT_AGE_SECONDS)
    db, port = tmp_path / "hiendien.db", free_port()
    hook = f"http://127.0.0.1:{port}/webhooks/zalo"
    user = zalo.add_user(display_name="Phạm Thị Hoa")
    zalo.hold_sends(user)  # the reply is in flight when the process dies
    proc = await start(
        api, db, port, zalo_env(zalo, zalo.seed_refresh_token()), timeout=START, today=None
    )
    try:
        event = zalo.user_text(user, "/start")
        assert await zalo.post_webhook(hook, event) == 200
        await zalo.wait_for(lambda: sends_to(zalo, user) == 1, timeout=10)
    finally:
        assert await stop(proc, signal.SIGKILL) == -signal.SIGKILL
    assert zalo.sent_to(user) == []
    assert inbox_statuses(db) == ["pending"]
    zalo.release_sends()

    proc = await start(api, db, port, zalo_env(zalo, None), timeout=START, today=None)
    try:
        await zalo.wait_sent(1, user_id=user, timeout=10)
        assert await zalo.redeliver(event) == 200  # Zalo retries: stored once, not answered
        before = len(zalo.sent_to(user))
        assert await zalo.post_webhook(hook, zalo.tap(user, "Cá nhân")) == 200
        await zalo.wait_sent(before + 1, user_id=user, timeout=10)  # after all of the above
        assert sum(WELCOME in t for t in zalo.sent_texts(user)) == 1
        await zalo.wait_for(lambda: inbox_statuses(db) == ["done", "done"])
    finally:
        assert await stop(proc, signal.SIGTERM) == 0
