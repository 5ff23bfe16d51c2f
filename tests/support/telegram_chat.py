"""Chatting with hiendien on Telegram through the Bot API stand-in: a person types or taps,
and the test gets the bot's whole reply; the team's group chat.

A reply may be several messages, and nothing tells when the last one has gone, so
:func:`settled` asks: the updates of one chat are handled in order (``PerChatUpdates`` when
polling, the inbox behind a webhook), so once the answer to a probe typed after them has
arrived, everything before it has too. The probe is ``/staff`` alone, whose only effect is a
line on how to use it; it and its answer are then taken out of the stand-in's record.

May import: tests.support.telegram_standin.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from tests.support.telegram_standin import BotApiStandIn

GROUP = -1001234  # the team's group chat (TELEGRAM_LEADS_CHAT_ID)
PROBE = "/staff"  # answered "Gõ /staff kèm mã mời…" and nothing else


Deliver = Callable[[dict[str, Any]], Awaitable[Any]]  # hands an update to a webhook


async def settled(
    api: BotApiStandIn, user: int, before: int, deliver: Deliver | None = None
) -> list[dict[str, Any]]:
    """The messages ``user`` got after the first ``before``, once the bot is done with what
    it had from them. ``deliver`` hands the probe to the bot (default: ``api.push``, for
    polling; a webhook test posts it)."""
    probe = api.message(user, PROBE)
    if deliver is None:
        api.push(probe)
    else:
        await deliver(probe)

    def answered() -> bool:
        return any(PROBE in m["text"] for m in api.sent(user)[before:])

    await api.wait_for(answered)
    got = api.sent(user)[before:]
    at = next(i for i, m in enumerate(got) if PROBE in m["text"])
    api.forget_sent(got[at])
    assert not got[at + 1 :], f"a message after the probe's answer: {got[at + 1 :]}"
    return got[:at]


async def reply(
    api: BotApiStandIn, user: int, update: dict[str, Any], deliver: Deliver | None = None
) -> str:
    """``user``'s ``update`` handed to the bot (``api.push``, or ``deliver`` for a webhook);
    the whole reply."""
    before = len(api.sent(user))
    if deliver is None:
        api.push(update)
    else:
        await deliver(update)
    await api.wait_sent(before + 1, chat_id=user)
    return "\n".join(m["text"] for m in await settled(api, user, before, deliver))


async def say(api: BotApiStandIn, user: int, text: str) -> str:
    """``user`` types ``text``; the whole reply."""
    return await reply(api, user, api.message(user, text))


async def tap(api: BotApiStandIn, user: int, title: str) -> str:
    """``user`` taps the button ``title`` of the last message it got; the whole reply."""
    message, data = api.button(user, title)
    return await reply(api, user, api.callback(user, data, message))
