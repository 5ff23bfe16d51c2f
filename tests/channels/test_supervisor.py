"""bot.channels.supervisor: a channel that cannot start is tried again with exponential
backoff up to a cap, each failed start undone, the log saying each change of state once, and
its health degraded with the reason until it is up (issue 14, D4). The waits are recorded,
not slept; the whole of ``hiendien run`` is in tests/bot/test_channel_not_up.py."""

from __future__ import annotations

import asyncio
import logging
from typing import Any, cast

import pytest

from bot.channels.base import Channel, Context
from bot.channels.capabilities import Capabilities
from bot.channels.supervisor import Supervised


class Flaky(Channel):
    """Fails to start with the given errors, one per attempt, then starts."""

    name = "flaky"
    title = "Flaky"
    capabilities = Capabilities(buttons=False, url_buttons=False, max_length=500)

    def __init__(self, errors: list[Exception]) -> None:
        super().__init__(cast(Context, None))
        self.errors = errors
        self.started = self.stopped = 0

    async def start(self) -> None:
        if self.errors:
            raise self.errors.pop(0)
        self.started += 1

    async def stop(self) -> None:
        self.stopped += 1


async def test_backoff_doubles_to_the_cap_and_the_log_says_each_change_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    refused = [ConnectionRefusedError("no answer") for _ in range(5)]
    channel = Flaky([*refused, PermissionError("token refused")])
    waits: list[float] = []
    waited = asyncio.Event()

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        waited.set()

    kept = Supervised(channel, first_delay=5, max_delay=30, sleep=sleep)
    with caplog.at_level(logging.INFO, logger="bot.channels.supervisor"):
        await kept.start()  # the first attempt fails: the app serves, the rest in background
        assert kept.health() == {
            "status": "degraded",
            "why": "ConnectionRefusedError: no answer",
        }
        assert kept._task is not None
        await kept._task
    assert waits == [5, 10, 20, 30, 30, 30]
    assert kept.up and kept.health() == {"status": "ok"}
    assert channel.started == 1 and channel.stopped == 6  # each failed start undone
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 3, lines  # refused, then token refused, then up
    assert "Flaky" in lines[0] and "no answer" in lines[0]
    assert "token refused" in lines[1]
    assert "sau 7 lần thử" in lines[2]
    await kept.stop()
    assert channel.stopped == 7


async def test_a_channel_that_starts_is_up_at_once() -> None:
    channel = Flaky([])
    kept = Supervised(channel)
    await kept.start()
    assert kept.up and kept._task is None and kept.health() == {"status": "ok"}
    await kept.stop()
    assert channel.stopped == 1


async def test_stopping_while_retrying_stops_the_retries() -> None:
    channel = Flaky([OSError("down") for _ in range(100)])
    never = asyncio.Event()

    async def sleep(_seconds: float) -> None:
        await never.wait()

    kept = Supervised(channel, sleep=sleep)
    await kept.start()
    await kept.stop()
    assert kept._task is None and not kept.up
    assert len(channel.errors) == 99  # one attempt, no more


def test_health_is_degraded_while_starting() -> None:
    kept = Supervised(Flaky([]))
    health: dict[str, Any] = dict(kept.health())
    assert health["status"] == "degraded" and health["why"]


class Silent(Flaky):
    """A platform that never answers: the start waits for ever."""

    async def start(self) -> None:
        await asyncio.Event().wait()


async def test_a_start_that_never_ends_is_a_failed_attempt() -> None:
    never = asyncio.Event()

    async def sleep(_seconds: float) -> None:
        await never.wait()

    kept = Supervised(Silent([]), attempt_timeout=0.05, sleep=sleep)
    await kept.start()  # returns: the app serves
    assert kept.health() == {
        "status": "degraded",
        "why": "không trả lời sau 0.05 giây / no answer within 0.05 s",
    }
    await kept.stop()
