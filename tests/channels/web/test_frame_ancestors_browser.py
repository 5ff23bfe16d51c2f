"""The chat page framed by the ward portal, in real Chromium (issue 14, D13): a portal on
another loopback port whose origin is in ``HIENDIEN_WIDGET_ORIGINS`` opens the chat through
widget.js; the same page from an origin not listed gets a frame the browser refuses to
fill — the chat never loads there."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, ConsoleMessage, Page, expect

from bot.app import build_app
from bot.settings import Settings
from db.store import Store
from handlers.content import Content
from tests.support import TODAY
from tests.support.chromium import DESKTOP, chromium, needs_chromium
from tests.support.portal import Portal, portal
from tests.support.serving import serve

pytestmark = needs_chromium
TIMEOUT_MS = 15_000


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with chromium() as b:
        yield b


async def open_portal(browser: Browser, site: Portal, console: list[str]) -> Page:
    page = await browser.new_page(viewport=DESKTOP)
    page.set_default_timeout(TIMEOUT_MS)

    def on_console(message: ConsoleMessage) -> None:
        console.append(message.text)

    page.on("console", on_console)
    await page.goto(site.url + "/")
    return page


async def test_the_listed_portal_frames_the_chat_and_another_origin_cannot(
    browser: Browser, sqlite_store: Store, content: Content
) -> None:
    async with portal() as listed, portal() as other:
        config = Settings.defaults(hiendien_widget_origins=listed.url)
        app = build_app(sqlite_store, content, lambda: TODAY, settings=config)
        async with serve(app) as chat:
            listed.chat = other.chat = chat

            console: list[str] = []
            page = await open_portal(browser, listed, console)
            await page.locator('[data-hiendien="toggle"]').click()
            framed = page.frame_locator('[data-hiendien="frame"]')
            await expect(framed.locator('[data-role="bot"]', has_text="Xin chào")).to_be_visible()
            assert [m for m in console if "frame-ancestors" in m] == []

            console = []
            page = await open_portal(browser, other, console)
            async with page.expect_console_message(lambda m: "frame-ancestors" in m.text):
                await page.locator('[data-hiendien="toggle"]').click()
            frame = await page.locator('[data-hiendien="frame"]').element_handle()
            inner = await frame.content_frame() if frame else None
            assert inner is not None and inner.url.startswith("chrome-error://")
            assert await inner.locator('[data-role="bot"]').count() == 0
            assert any("blocked" in m and listed.url in m for m in console)
