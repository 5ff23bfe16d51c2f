"""The pieces of Telegram's limits on their own. bot/channels/telegram/limits.PerChatUpdates:
the updates of one chat are handled one after the other, in the order they came; other
chats' at the same time; an update without a chat straight away; nothing is kept of a chat
once its updates are handled. FloodLimits keeps a limiter per private chat and forgets the
idle ones past 4,096. bot/pacing: 95% of a limit in a bucket of half the headroom."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from telegram import Update

from bot.channels.telegram.limits import FloodLimits, PerChatUpdates
from bot.pacing import pacer


def update(update_id: int, chat_id: int) -> Update:
    found = Update.de_json(
        {
            "update_id": update_id,
            "message": {
                "message_id": update_id,
                "date": 1795000000,
                "chat": {"id": chat_id, "type": "private"},
                "from": {"id": chat_id, "is_bot": False, "first_name": "An"},
                "text": "xin chào",
            },
        },
        None,
    )
    assert found is not None
    return found


class Handling:
    """Handlers that say when they start and wait to be told to end."""

    def __init__(self) -> None:
        self.events: list[str] = []
        self.gates: dict[str, asyncio.Event] = {}

    async def handle(self, name: str) -> None:
        self.events.append(f"start {name}")
        await self.gates.setdefault(name, asyncio.Event()).wait()
        self.events.append(f"end {name}")

    def end(self, name: str) -> None:
        self.gates.setdefault(name, asyncio.Event()).set()


async def until(condition: Any) -> None:
    async with asyncio.timeout(5):
        while not condition():
            await asyncio.sleep(0)


async def test_one_chat_in_order_other_chats_meanwhile_and_nothing_kept() -> None:
    processor = PerChatUpdates()
    handling = Handling()
    tasks = [
        asyncio.create_task(processor.do_process_update(u, handling.handle(name)))
        for u, name in (
            (update(1, 42), "42a"),
            (update(2, 42), "42b"),
            (update(3, 7), "7a"),
            (object(), "no chat"),  # not an Update (PTB passes any object through)
        )
    ]
    await until(lambda: len(handling.events) == 3)
    # the second of chat 42 waits for the first; chat 7 and the chatless one go ahead
    assert handling.events == ["start 42a", "start 7a", "start no chat"]
    for name in ("7a", "no chat"):
        handling.end(name)
    await until(lambda: len(handling.events) == 5)
    assert "start 42b" not in handling.events
    handling.end("42a")
    await until(lambda: "start 42b" in handling.events)
    assert handling.events.index("end 42a") < handling.events.index("start 42b")
    handling.end("42b")
    await asyncio.gather(*tasks)
    assert processor.chats == 0


async def test_a_chat_is_forgotten_only_when_its_last_update_is_handled() -> None:
    processor = PerChatUpdates()
    handling = Handling()
    first = asyncio.create_task(processor.do_process_update(update(1, 42), handling.handle("a")))
    second = asyncio.create_task(processor.do_process_update(update(2, 42), handling.handle("b")))
    await until(lambda: handling.events == ["start a"])
    assert processor.chats == 1
    handling.end("a")
    await first
    assert processor.chats == 1  # the second is still to come
    await until(lambda: handling.events[-1] == "start b")
    handling.end("b")
    await second
    assert processor.chats == 0


async def test_idle_private_chats_are_forgotten_past_4096_and_busy_ones_kept() -> None:
    limits = FloodLimits(overall_per_second=1_000_000, private_per_second=2)
    sent: list[int] = []

    async def send(chat_id: int) -> None:
        async def call() -> None:
            sent.append(chat_id)

        await limits.process_request(call, (), {}, "sendMessage", {"chat_id": chat_id}, None)

    for chat in range(1, 4098):  # one message each: at 2 a second, each chat is idle again
        await send(chat)
    assert limits.private_chats == 4097  # not more than 4,096 before this one came
    await send(4097)  # the last one busy: its two a second used up
    await send(5000)  # a new chat: the idle ones go, the busy one stays
    assert limits.private_chats == 2
    assert len(sent) == 4099


def test_the_pace_keeps_5_percent_headroom_in_a_small_bucket() -> None:
    at_30, at_1000 = pacer(30), pacer(1000)
    assert (at_30.max_rate, at_30.time_period) == (1, pytest.approx(1 / 28.5))
    assert (at_1000.max_rate, at_1000.time_period) == (25, pytest.approx(25 / 950))


async def test_what_goes_through_the_limits_goes_through_unchanged() -> None:
    limits = FloodLimits(overall_per_second=1_000_000, private_per_second=2)
    calls: list[tuple[tuple[Any, ...], dict[str, Any]]] = []

    async def call(*args: Any, **kwargs: Any) -> str:
        calls.append((args, kwargs))
        return "ok"

    timeouts = {"read_timeout": 7, "write_timeout": 9}
    for endpoint, chat in (
        ("answerCallbackQuery", None),  # not a message: straight out
        ("sendMessage", "77"),  # a private chat's id as text is still that chat
        ("sendMessage", "@hiendien_tin"),  # a channel by name: no private limit
        ("sendMessage", None),
        ("sendMessage", -1001234),  # a group: PTB's group limit
    ):
        data = {"chat_id": chat} if chat is not None else {}
        assert await limits.process_request(call, ("a",), timeouts, endpoint, data, None) == "ok"
    assert calls == [(("a",), timeouts)] * 5
    assert limits.private_chats == 1  # "77"
