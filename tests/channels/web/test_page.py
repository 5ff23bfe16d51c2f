"""The chat page and the portal widget, driven in a real Chromium against the real app.

The app runs on loopback (a random port) inside the test's event loop; Playwright drives
Debian's Chromium (tests.support.chromium). Without it these tests are skipped, saying so.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from playwright.async_api import (
    Browser,
    ConsoleMessage,
    Locator,
    Page,
    expect,
)
from sqlalchemy import text

from bot.app import build_app
from bot.channels.web.chat import WebChannel
from bot.settings import Settings
from db.store import Store
from handlers.content import Content
from tests.support import TODAY
from tests.support.chromium import chromium, needs_chromium
from tests.support.portal import Portal, portal
from tests.support.serving import serve

PHONE = {"width": 360, "height": 640}
TIMEOUT_MS = 15_000

pytestmark = needs_chromium


@pytest.fixture
async def server(sqlite_store: Store, content: Content) -> AsyncIterator[str]:
    app = build_app(sqlite_store, content, today=lambda: TODAY)
    async with serve(app) as url:
        yield url


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with chromium() as b:
        yield b


@dataclass
class Tab:
    page: Page
    errors: list[str] = field(default_factory=list)

    def bots(self, containing: str) -> Locator:
        return self.page.locator('[data-role="bot"]', has_text=containing)

    async def say(self, words: str) -> None:
        box = self.page.locator('[data-role="input"]')
        await expect(box).to_be_enabled()
        await box.fill(words)
        await box.press("Enter")
        await expect(self.page.locator('[data-role="user"]', has_text=words).last).to_be_visible()

    async def tap(self, payload: str) -> None:
        chip = self.page.locator(f'[data-payload="{payload}"]:enabled').last
        title = (await chip.inner_text()).strip()
        await chip.click()
        await expect(self.page.locator('[data-role="user"]', has_text=title).last).to_be_visible()


async def open_tab(browser: Browser, url: str, viewport: dict[str, int] = PHONE) -> Tab:
    page = await browser.new_page(viewport=viewport)
    page.set_default_timeout(TIMEOUT_MS)
    tab = Tab(page)

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            tab.errors.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda exc: tab.errors.append(f"page error: {exc}"))
    await page.goto(url)
    return tab


async def greeted(tab: Tab) -> None:
    await expect(tab.bots("Xin chào").first).to_be_visible()
    await expect(tab.page.locator('[data-payload="kind:person"]')).to_be_enabled()


async def test_a_young_citizen_gets_the_verdict_on_a_phone(server: str, browser: Browser) -> None:
    tab = await open_tab(browser, server + "/")
    page = tab.page
    await expect(page.locator("#hiendien-chat")).to_be_visible()
    await expect(page.locator('[data-role="input"]')).to_have_attribute(
        "placeholder", "Nhập tin nhắn…"
    )
    await greeted(tab)

    await tab.tap("kind:person")
    await expect(tab.bots("Bạn sinh ngày nào")).to_be_visible()
    await tab.say("15/03/2005")
    await expect(tab.bots("công dân Việt Nam (có quốc tịch Việt Nam) không")).to_be_visible()
    await tab.tap("yes")

    verdict = tab.bots("rất có thể đủ điều kiện")
    await expect(verdict).to_be_visible()
    link = page.locator('[data-role="link"]').last
    await expect(link).to_have_attribute("href", "https://hiendienonline.tenmien.vn")
    await expect(link).to_have_attribute("target", "_blank")
    assert "noopener" in (await link.get_attribute("rel") or "")
    # the address inside the offer text is a link too, made of DOM nodes
    await expect(
        page.locator('[data-role="bot"] a[href="https://hiendienonline.tenmien.vn"]')
    ).to_have_count(1)
    # the chosen chips are spent; the person's answers show as their own bubbles
    await expect(page.locator('[data-payload="kind:person"]')).to_be_disabled()
    await expect(page.locator('[data-role="user"]', has_text="Có")).to_be_visible()

    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"horizontal overflow: {width}px"
    await verdict.scroll_into_view_if_needed()
    if shot := os.environ.get("HIENDIEN_VERDICT_SCREENSHOT"):
        await page.screenshot(path=shot)

    # a reload shows the same conversation, without greeting again
    bubbles = await page.locator('[data-role="bot"]').count()
    await page.reload()
    await expect(verdict).to_be_visible()
    await expect(page.locator('[data-role="bot"]')).to_have_count(bubbles)
    assert tab.errors == []


async def test_typed_without_diacritics_and_the_referral_source(
    server: str, browser: Browser, sqlite_store: Store
) -> None:
    link = WebChannel.source_link(Settings.defaults(hiendien_public_url=server), "hoiphunu")
    assert link == server + "/?source=hoiphunu"  # what the QR codes and posters carry
    tab = await open_tab(browser, link)
    await greeted(tab)
    await tab.say("ho kinh doanh")
    await expect(tab.bots("đã có Giấy chứng nhận đăng ký hộ kinh doanh chưa")).to_be_visible()
    await tab.say("chua co")
    verdict = tab.bots("chưa thuộc diện miễn phí")
    await expect(verdict).to_be_visible()
    await expect(verdict).to_contain_text("Giấy chứng nhận đăng ký hộ kinh doanh")

    with sqlite_store.engine.connect() as conn:
        rows = conn.execute(text("SELECT channel, source FROM conversation")).all()
    assert [tuple(r) for r in rows] == [("web", "hoiphunu")]
    assert tab.errors == []


async def test_the_widget_opens_the_chat_on_the_portal(
    sqlite_store: Store, content: Content, browser: Browser
) -> None:
    async with portal() as site:  # the ward portal, on its own origin, listed as allowed
        config = Settings.defaults(hiendien_widget_origins=site.url)
        app = build_app(sqlite_store, content, lambda: TODAY, settings=config)
        async with serve(app) as server:
            site.chat = server
            await widget_on(browser, site, server)


async def widget_on(browser: Browser, site: Portal, server: str) -> None:
    tab = await open_tab(browser, site.url + "/", viewport={"width": 1280, "height": 800})
    page = tab.page
    toggle = page.locator('[data-hiendien="toggle"]')
    await expect(toggle).to_have_attribute("aria-label", "Hỏi về tên miền .vn miễn phí")
    await expect(page.locator('[data-hiendien="frame"]')).to_have_count(0)  # nothing loaded yet

    await toggle.click()
    frame = page.locator('[data-hiendien="frame"]')
    await expect(frame).to_be_visible()
    src = await frame.get_attribute("src")
    assert src == server + "/?source=portal"
    chat = page.frame_locator('[data-hiendien="frame"]')
    await expect(chat.locator('[data-role="bot"]', has_text="Xin chào")).to_be_visible()
    await expect(toggle).to_have_attribute("aria-expanded", "true")

    await toggle.click()
    await expect(frame).to_be_hidden()
    await expect(toggle).to_have_attribute("aria-expanded", "false")
    # the host page is untouched
    await expect(page.locator("h1")).to_have_text("Cổng thông tin điện tử phường Kiến An")
    assert tab.errors == []


async def test_typed_html_stays_text(server: str, browser: Browser) -> None:
    tab = await open_tab(browser, server + "/")
    page = tab.page
    await greeted(tab)
    attack = '<img src=x onerror="window.__pwned=1">'
    await tab.say(attack)
    mine = page.locator('[data-role="user"]').last
    await expect(mine).to_contain_text(attack)
    await expect(page.locator('[data-role="input"]')).to_be_enabled()  # the bot answered
    assert await page.locator('[data-role="bot"]').count() > 2
    await expect(page.locator("#hiendien-chat img")).to_have_count(0)
    assert await page.evaluate("typeof window.__pwned") == "undefined"
    assert tab.errors == [], tab.errors


async def test_an_answer_lost_on_the_way_comes_back_on_retry(
    server: str, browser: Browser, sqlite_store: Store
) -> None:
    """The request reaches the server and the lead is recorded, but the answer never reaches
    the phone: "Thử lại" sends the same message id, and the page shows the first answer
    ("Mình đã ghi lại"), the lead recorded once (issue 14, D12)."""
    tab = await open_tab(browser, server + "/")
    page = tab.page
    await greeted(tab)
    await tab.tap("kind:person")
    await tab.say("15/03/2005")
    await tab.tap("yes")
    await expect(tab.bots("rất có thể đủ điều kiện")).to_be_visible()
    await tab.tap("skip")
    await tab.tap("callback")
    await tab.say("Đồng ý")
    await tab.say("Nguyễn Thị Lan")
    await tab.say("0912 345 678")
    await tab.tap("skip")

    async def lose_the_answer(route: Any) -> None:
        await route.fetch()  # the server handles it …
        await route.abort("connectionreset")  # … and the answer is lost on the way

    await page.route("**/api/chat", lose_the_answer)
    await page.locator('[data-payload="time:morning"]:enabled').last.click()
    retry = page.locator('[data-role="retry"]')
    await expect(retry).to_be_visible()
    await page.unroute("**/api/chat")
    await retry.click()
    await expect(tab.bots("Mình đã ghi lại")).to_be_visible()
    await expect(tab.bots("Mình đã ghi lại")).to_contain_text("Nguyễn Thị Lan")
    await expect(retry).to_have_count(0)
    with sqlite_store.engine.connect() as conn:
        leads = conn.execute(text("SELECT name FROM lead")).all()
        events = conn.execute(text("SELECT kind FROM lead_event")).all()
    assert [tuple(r) for r in leads] == [("Nguyễn Thị Lan",)]
    assert [tuple(r) for r in events] == [("created",)]
    # the page failed to fetch once, on purpose; nothing else went wrong
    assert all("Failed to load resource" in e or "fetch" in e.lower() for e in tab.errors)
