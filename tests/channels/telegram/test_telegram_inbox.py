"""No acknowledged update is lost (issue 14, item 4): a real ``hiendien run`` in webhook
mode, killed with SIGKILL after it answered 200 to an update and while the reply is in
flight (the stand-in holds the sendMessage), answers it after a restart — once; and an
update Telegram delivers again after the restart is not answered twice."""

from __future__ import annotations

import signal
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.support.hiendien_run import start, stop
from tests.support.serving import free_port
from tests.support.telegram_standin import BotApiStandIn

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

SECRET = "inbox-secret-0123456789-abcdefghijklmnop"  # a test webhook secret (32+ characters)
RESIDENT = 7001
WELCOME = "Xin chào!"
MENU = "/menu"
START = 60.0  # seconds a start may take on a busy machine


@pytest.fixture
async def api() -> AsyncIterator[BotApiStandIn]:
    async with BotApiStandIn(token="556:INBOX") as stand_in:
        yield stand_in


def webhook_mode(port: int) -> dict[str, str]:
    return {"HIENDIEN_PUBLIC_URL": f"http://127.0.0.1:{port}", "TELEGRAM_WEBHOOK_SECRET": SECRET}


def inbox_rows(db: Path) -> list[tuple[str, str, bool]]:
    """(external id, status, body kept?) of every inbox row."""
    engine = create_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        found = conn.execute(text("SELECT external_id, status, body FROM inbox ORDER BY id"))
        rows = [(r[0], r[1], r[2] is not None) for r in found]
    engine.dispose()
    return rows


def welcomes(api: BotApiStandIn) -> int:
    return sum(WELCOME in t for t in api.sent_texts(RESIDENT))


async def killed(proc: subprocess.Popen[bytes]) -> None:
    assert await stop(proc, signal.SIGKILL) == -signal.SIGKILL


async def answered_later(api: BotApiStandIn) -> None:
    """The resident writes again and is answered: the chat's updates are handled in order,
    so an answer to anything before has gone out by then (the positive signal before
    counting)."""
    before = len(api.sent(RESIDENT))
    assert await api.post_webhook(api.message(RESIDENT, MENU)) == 200
    await api.wait_sent(before + 1, chat_id=RESIDENT, timeout=10)


async def test_an_update_acknowledged_then_killed_is_answered_after_a_restart_once(
    api: BotApiStandIn, tmp_path: Path
) -> None:
    db, port = tmp_path / "hiendien.db", free_port()
    api.hold("sendMessage", RESIDENT)  # the reply is in flight when the process dies
    proc = await start(api, db, port, webhook_mode(port), timeout=START)
    try:
        update = api.message(RESIDENT, "/start")
        assert await api.post_webhook(update) == 200
        await api.wait_for(lambda: len(api.calls_to("sendMessage")) == 1, timeout=10)
    finally:
        await killed(proc)
    assert api.sent(RESIDENT) == []
    assert inbox_rows(db) == [(str(update["update_id"]), "pending", True)]
    api.release()

    proc = await start(api, db, port, webhook_mode(port), timeout=START)
    try:
        await api.wait_sent(1, chat_id=RESIDENT, timeout=10)
        await answered_later(api)
        assert welcomes(api) == 1
        await api.wait_for(lambda: [r[1] for r in inbox_rows(db)] == ["done", "done"])
        assert not any(kept for *_, kept in inbox_rows(db))  # what was written is not kept
    finally:
        assert await stop(proc, signal.SIGTERM) == 0


async def test_an_update_delivered_again_after_a_restart_is_answered_once(
    api: BotApiStandIn, tmp_path: Path
) -> None:
    db, port = tmp_path / "hiendien.db", free_port()
    proc = await start(api, db, port, webhook_mode(port), timeout=START)
    try:
        update = api.message(RESIDENT, "/start")
        assert await api.post_webhook(update) == 200
        await api.wait_sent(1, chat_id=RESIDENT, timeout=10)
        await api.wait_for(lambda: inbox_rows(db)[0][1] == "done")
    finally:
        await killed(proc)
    answered = len(api.sent(RESIDENT))

    proc = await start(api, db, port, webhook_mode(port), timeout=START)
    try:
        assert await api.post_webhook(update) == 200  # Telegram did not see our 200
        assert await api.post_webhook(update) == 200
        await answered_later(api)
        assert welcomes(api) == 1
        assert len(inbox_rows(db)) == 2  # the update and the later one: stored once each
        assert len(api.sent(RESIDENT)) > answered
    finally:
        assert await stop(proc, signal.SIGTERM) == 0
