"""The ward office in a real Chromium, on a phone (390×844) and on a desk: signing in and
out, and pages that fit the screen. Further office pages add their browser tests here."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from db.store import Store
from handlers.content import Content
from tests.support.chromium import DESKTOP, PHONE, chromium, needs_chromium
from tests.support.office import PASSWORD, make_user, office_app

pytestmark = needs_chromium
TIMEOUT_MS = 15_000


async def sign_in(page: Page, base: str, email: str) -> None:
    await page.goto(base + "/office/")
    await expect(page.get_by_role("heading", name="Đăng nhập")).to_be_visible()
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Mật khẩu").fill(PASSWORD)
    await page.get_by_role("button", name="Đăng nhập").click()


async def fits_the_screen(page: Page) -> None:
    overflow = await page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
async def test_sign_in_and_out(sqlite_store: Store, content: Content, viewport: dict[str, int]):
    make_user(sqlite_store, "lan@phuong.vn", name="Nguyễn Thị Lan")
    errors: list[str] = []
    async with office_app(sqlite_store, content) as (base, _clock), chromium() as browser:
        page = await browser.new_page(viewport=viewport)
        page.set_default_timeout(TIMEOUT_MS)
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        await page.goto(base + "/office/login")
        await fits_the_screen(page)
        await page.get_by_label("Email").fill("lan@phuong.vn")
        await page.get_by_label("Mật khẩu").fill("sai mật khẩu rồi")
        await page.get_by_role("button", name="Đăng nhập").click()
        await expect(page.get_by_role("alert")).to_have_text(
            "Email, mật khẩu hoặc mã xác thực không đúng."
        )
        await sign_in(page, base, "lan@phuong.vn")
        await expect(page.get_by_role("heading", name="Xin chào Nguyễn Thị Lan!")).to_be_visible()
        await fits_the_screen(page)
        await (
            page.get_by_role("navigation", name="Mục").get_by_role("link", name="Tài khoản").click()
        )
        await expect(page.get_by_role("heading", name="Tài khoản", exact=True)).to_be_visible()
        await fits_the_screen(page)
        await page.get_by_role("button", name="Đăng xuất").click()
        await expect(page.get_by_role("status")).to_have_text("Bạn đã đăng xuất.")
        await page.goto(base + "/office/users")
        await expect(page.get_by_role("heading", name="Đăng nhập")).to_be_visible()
    assert [e for e in errors if "status of 401" not in e] == []  # the wrong password: 401
