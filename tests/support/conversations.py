"""Conversations the tests hold through ``bot.turns.Conversations``, as a channel would: the
dialogue that leaves a lead, talking line by line, subscribing to the programme's news; and
the web widget's turns against a running app (:func:`web_chat`).

May import: bot, handlers, aiohttp.
"""

from __future__ import annotations

from typing import Any

import aiohttp

from bot.turns import Conversations
from handlers.types import Inbound

LEAD_DIALOGUE = (
    "/start tdp5",
    "ca nhan",
    "15/03/2005",
    "co",
    "bo qua",
    "1",  # Có, nhờ cán bộ gọi lại
    "dong y",
    "Trần Văn Bình",
    "0912 345 678",
    "5",  # tổ dân phố 5
    "buoi sang",
)


def talk(conv: Conversations, user: str, *texts: str, channel: str = "web") -> str:
    """Say each of ``texts`` in turn; the text of the last reply."""
    out = ""
    for text in texts:
        reply = conv.handle_sync(Inbound(channel, user, text=text))
        assert reply is not None
        out = "\n".join(m.text for m in reply.messages)
    return out


async def subscribe(conv: Conversations, user: str, *answers: str) -> None:
    """A Telegram resident starts, gives ``answers`` and subscribes to the news."""
    for text in ("/start", *answers, "/nhantin", "đồng ý"):
        await conv.handle(Inbound("telegram", user, text=text))


async def web_chat(base: str, user: str, *texts: str) -> list[dict[str, Any]]:
    """The web widget's turns on the app at ``base``, one per text: every reply's JSON."""
    replies = []
    async with aiohttp.ClientSession() as session:
        for text in texts:
            async with session.post(f"{base}/api/chat", json={"user": user, "text": text}) as r:
                assert r.status == 200
                replies.append(await r.json())
    return replies
