"""Chatting with hiendien on Zalo through the stand-in: hiendien's real app on loopback with
Zalo's settings pointed at the stand-in (:func:`running`), a resident who types or taps and the
whole reply (:func:`say`, :func:`tap`), and :func:`settled`, the positive signal that every
event posted so far has been handled to its end.

May import: bot (the app), tests.support.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from bot.app import build_app
from bot.routes import CHANNELS_KEY
from bot.settings import Settings
from db.store import Store
from handlers.content import Content
from tests.support import TODAY
from tests.support.serving import serve
from tests.support.waiting import wait_until
from tests.support.zalo_settings import zalo_block
from tests.support.zalo_standin import ZaloStandIn


def zalo_settings(zalo: ZaloStandIn, seed: str | None, **extra: Any) -> Settings:
    """Settings with Zalo's block pointed at the stand-in (``extra``: more of the block)."""
    return Settings().given(zalo_block(zalo, seed, **extra))


@asynccontextmanager
async def running(
    zalo: ZaloStandIn, store: Store, content: Content, seed: str | None = None, **extra: Any
) -> AsyncIterator[str]:
    config = zalo_settings(zalo, seed, **extra)
    app = build_app(
        store, content, lambda: TODAY, settings=config, options={"zalo": {"echo_delay": 0.05}}
    )
    async with serve(app) as url:
        ZALO[url + "/webhooks/zalo"] = app[CHANNELS_KEY]["zalo"]
        yield url


# the Zalo channel of each running app, by its webhook's URL
ZALO: dict[str, Any] = {}


async def settled(hook: str) -> None:
    """Every event posted to ``hook`` so far has been handled to its end (events are handled
    from the inbox, in background tasks: bot.inbox): a positive signal after which an absence
    can be asserted."""
    inbox = ZALO[hook].ctx.inbox
    await wait_until(lambda: not inbox.handling, 5.0, lambda: str(inbox.handling), "updates")


async def say(zalo: ZaloStandIn, hook: str, user: str, text: str, wait: int = 1) -> str:
    before = len(zalo.sent_to(user))
    assert await zalo.post_webhook(hook, zalo.user_text(user, text)) == 200
    await zalo.wait_sent(before + wait, user_id=user)
    await settled(hook)  # a reply may be several messages
    return "\n".join(m["text"] for m in zalo.sent_to(user)[before:])


async def tap(zalo: ZaloStandIn, hook: str, user: str, title: str) -> str:
    before = len(zalo.sent_to(user))
    assert await zalo.post_webhook(hook, zalo.tap(user, title)) == 200
    await zalo.wait_sent(before + 1, user_id=user)
    await settled(hook)
    return "\n".join(m["text"] for m in zalo.sent_to(user)[before:])
