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

from aiohttp import web

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
async def serving(app: web.Application) -> AsyncIterator[str]:
    """``app`` served on loopback (its URL), its Zalo channel known to :func:`settled` by
    its webhook's URL while it runs."""
    async with serve(app) as url:
        hook = url + "/webhooks/zalo"
        ZALO[hook] = app[CHANNELS_KEY]["zalo"]
        try:
            yield url
        finally:
            del ZALO[hook]


@asynccontextmanager
async def running(
    zalo: ZaloStandIn, store: Store, content: Content, seed: str | None = None, **extra: Any
) -> AsyncIterator[str]:
    config = zalo_settings(zalo, seed, **extra)
    app = build_app(
        store, content, lambda: TODAY, settings=config, options={"zalo": {"echo_delay": 0.05}}
    )
    async with serving(app) as url:
        yield url


# the Zalo channel of each running app, by its webhook's URL
ZALO: dict[str, Any] = {}


async def settled(hook: str) -> None:
    """Every event posted to ``hook`` so far has been handled to its end (events are handled
    from the inbox, in background tasks: bot.inbox): a positive signal after which an absence
    can be asserted."""
    inbox = ZALO[hook].ctx.inbox
    await wait_until(lambda: not inbox.handling, 5.0, lambda: str(inbox.handling), "updates")


async def reply(zalo: ZaloStandIn, hook: str, user: str, event: Any, wait: int = 1) -> str:
    """``user``'s ``event`` posted to ``hook``; the whole reply (at least ``wait`` messages)."""
    before = len(zalo.sent_to(user))
    assert await zalo.post_webhook(hook, event) == 200
    await zalo.wait_sent(before + wait, user_id=user)
    await settled(hook)  # a reply may be several messages
    return "\n".join(m["text"] for m in zalo.sent_to(user)[before:])


async def say(zalo: ZaloStandIn, hook: str, user: str, text: str, wait: int = 1) -> str:
    return await reply(zalo, hook, user, zalo.user_text(user, text), wait)


async def tap(zalo: ZaloStandIn, hook: str, user: str, title: str) -> str:
    return await reply(zalo, hook, user, zalo.tap(user, title))
