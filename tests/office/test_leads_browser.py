"""The leads board in a real Chromium, on a phone (390×844) and on a desk: a member filters
the board, takes a request, sees the resident's details and moves it to "registered" with
the domain — all with plain forms, no script needed."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from db.store import Store
from handlers.content import Content
from tests.office.test_office_browser import fits_the_screen, sign_in
from tests.support.chromium import DESKTOP, PHONE, chromium, needs_chromium
from tests.support.followup import a_lead, a_team
from tests.support.office import make_user, office_app

pytestmark = needs_chromium
TIMEOUT_MS = 15_000


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
async def test_a_member_filters_claims_and_registers_a_request(
    sqlite_store: Store, content: Content, viewport: dict[str, int]
):
    a_team(sqlite_store, "Tổ công nghệ số 1", "Tổ dân phố 1", "Tổ dân phố 2")
    make_user(sqlite_store, "hoa@phuong.vn", "member", "Tổ công nghệ số 1", name="Chị Hoa")
    youth = a_lead(sqlite_store, "0912345678", "Nguyễn Thị Hương", "Tổ dân phố 1")
    a_lead(
        sqlite_store,
        "0987654321",
        "Lê Văn Sơn",
        "Tổ dân phố 2",
        applicant="household",
        reason="eligible_household",
    )
    errors: list[str] = []
    async with office_app(sqlite_store, content) as (base, _), chromium() as browser:
        page = await browser.new_page(viewport=viewport, java_script_enabled=False)
        page.set_default_timeout(TIMEOUT_MS)
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        await sign_in(page, base, "hoa@phuong.vn")
        await page.goto(base + "/office/leads")
        await expect(page.get_by_text("2 hồ sơ")).to_be_visible()
        await fits_the_screen(page)

        await page.get_by_text("Bộ lọc và tìm kiếm").click()  # folded until a filter is set
        await page.get_by_label("Đối tượng").select_option(label="Thanh niên")
        await page.get_by_role("button", name="Lọc").click()
        await expect(page.get_by_text("1 hồ sơ")).to_be_visible()
        assert "kind=person" in page.url
        item = page.locator(".lead", has_text=f"#{youth}")
        await expect(item).to_be_visible()
        await item.get_by_role("button", name="Nhận hỗ trợ").click()

        await expect(page.get_by_role("status")).to_have_text("Bạn đã nhận hỗ trợ hồ sơ này.")
        await expect(page.get_by_text("Nguyễn Thị Hương")).to_be_visible()
        await expect(page.get_by_role("link", name="0912 345 678")).to_be_visible()
        await fits_the_screen(page)

        await page.get_by_label("Trạng thái").select_option(label="Đã đăng ký xong")
        await page.get_by_label("Tên miền đã đăng ký").fill("huong.com")
        await page.get_by_role("button", name="Lưu").click()
        await expect(page.get_by_role("alert")).to_contain_text("cần là một tên miền .vn")
        await page.get_by_label("Trạng thái").select_option(label="Đã đăng ký xong")
        await page.get_by_label("Tên miền đã đăng ký").fill("nguyenthihuong.id.vn")
        await page.get_by_role("button", name="Lưu").click()
        await expect(page.get_by_role("status")).to_have_text("Đã lưu.")
        await expect(page.locator("h1 .badge")).to_have_text("Đã đăng ký xong")
        await expect(page.locator(".history")).to_contain_text("Chị Hoa")
    assert errors == []
