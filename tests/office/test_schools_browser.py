"""The schools and youths page (/office/schools) in a real Chromium, as an admin uses it on a
phone (390×844) and at a desk: adding a school (a name already listed, without regard to
case or diacritics, answered in Vietnamese and nothing added), recording an outreach
activity there, setting the number of youths aged 18–23 with its source and date, and
finding each listed; a leader on a phone reads it all without the forms. Nothing runs off
the side of the screen and the console stays clean (a CSP violation shows as an error)."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from db import schools
from db.store import Store
from handlers.content import Content
from tests.support.chromium import DESKTOP, PHONE, chromium, needs_chromium
from tests.support.office import make_user, office_app
from tests.support.office_pages import fits_the_screen, sign_in, watch

pytestmark = needs_chromium
VIEWPORTS = pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
ADMIN = "admin@phuong.vn"
LEADER = "nam@phuong.vn"
SCHOOL = "Trường Trung cấp nghề Kiến An"
SOURCE = "Công an phường — báo cáo tháng 11/2026"
REFUSED = "Failed to load resource: the server responded with a status of 400 (Bad Request)"


@VIEWPORTS
async def test_an_admin_adds_a_school_records_an_activity_and_sets_the_youths(
    sqlite_store: Store, content: Content, viewport: dict[str, int]
) -> None:
    make_user(sqlite_store, ADMIN, "admin", name="Nguyễn Thị Lan")
    with sqlite_store.transaction() as tx:
        schools.add(tx, "Trường Cao đẳng Hàng hải", "college", actor="cli")
    async with office_app(sqlite_store, content) as (base, _clock), chromium() as browser:
        context = await browser.new_context(viewport=viewport)
        page = await context.new_page()
        errors = watch(page)
        await sign_in(page, base, ADMIN, "/office/schools")
        await expect(
            page.get_by_role("heading", name="Trường học và thanh niên", exact=True)
        ).to_be_visible()
        await expect(page.locator("#youths")).to_contain_text("Chưa có số liệu.")
        await fits_the_screen(page)

        adding = page.locator("#add")
        await adding.get_by_label("Tên trường").fill("truong cao dang HANG HAI")
        await adding.get_by_role("button", name="Thêm trường").click()
        await expect(page.get_by_role("alert")).to_have_text(
            'Đã có trường "Trường Cao đẳng Hàng hải" (tên trùng khi không tính dấu và chữ hoa).'
        )
        await expect(page.locator("li[data-school]")).to_have_count(1)
        await adding.get_by_label("Tên trường").fill(SCHOOL)
        await adding.get_by_label("Loại trường").select_option(
            label="Trường trung cấp, trường nghề"
        )
        await adding.get_by_label("Địa chỉ").fill("Số 2 Trần Thành Ngọ, Kiến An")
        await adding.get_by_role("button", name="Thêm trường").click()
        await expect(page.get_by_role("status")).to_have_text("Đã thêm trường.")
        school = page.locator("li[data-school]").filter(has_text=SCHOOL)
        await expect(school).to_contain_text("Trường trung cấp, trường nghề")
        await expect(school).to_contain_text("Số 2 Trần Thành Ngọ, Kiến An")
        await expect(school.locator(".reached")).to_have_text("Chưa tiếp cận")
        await expect(page.get_by_text("Đã tiếp cận 0/2 trường.")).to_be_visible()

        outreach = page.locator("#outreach")
        await outreach.get_by_label("Trường").select_option(label=SCHOOL)
        await outreach.get_by_label("Ngày tổ chức").fill("2026-11-20")
        await outreach.get_by_label("Hoạt động").fill("Buổi giới thiệu tên miền id.vn")
        await outreach.get_by_label("Số người tham dự (nếu biết)").fill("120")
        await outreach.get_by_role("button", name="Ghi hoạt động").click()
        await expect(page.get_by_role("status")).to_have_text("Đã ghi hoạt động.")
        await expect(school.locator(".reached")).to_have_text("Đã tiếp cận")
        await expect(school.locator(".history")).to_have_text(
            "20/11/2026: Buổi giới thiệu tên miền id.vn — 120 người tham dự"
        )
        await expect(page.get_by_text("Đã tiếp cận 1/2 trường.")).to_be_visible()

        youths = page.locator("#youths")
        await youths.get_by_label("Số thanh niên 18–23 tuổi").fill("1.250")
        await youths.get_by_label("Nguồn số liệu").fill(SOURCE)
        await youths.get_by_label("Số liệu tính đến ngày").fill("2026-11-01")
        await youths.get_by_role("button", name="Lưu số liệu").click()
        await expect(page.get_by_role("status")).to_have_text("Đã lưu số thanh niên 18–23 tuổi.")
        await expect(youths.locator(".youths-now")).to_contain_text(
            f"thanh niên, số liệu ngày 01/11/2026 (nguồn: {SOURCE})."
        )
        await expect(youths.locator(".youths-now strong")).to_have_text("1.250")
        await youths.get_by_text("Các lần đã ghi").click()
        await expect(youths.locator(".history li")).to_have_count(1)
        await expect(youths.locator(".history li")).to_contain_text(
            f"ngày 01/11/2026, nguồn: {SOURCE} (ghi bởi {ADMIN}"
        )
        await fits_the_screen(page)
        await context.close()
    assert errors == [REFUSED]  # the name already listed answered 400: nothing else


async def test_a_leader_reads_the_schools_on_a_phone_without_the_forms(
    sqlite_store: Store, content: Content
) -> None:
    make_user(sqlite_store, LEADER, "leader", "Tổ công nghệ số 1", name="Trần Văn Nam")
    with sqlite_store.transaction() as tx:
        schools.add(tx, SCHOOL, "vocational", actor="cli")
    async with office_app(sqlite_store, content) as (base, _clock), chromium() as browser:
        context = await browser.new_context(viewport=PHONE)
        page = await context.new_page()
        errors = watch(page)
        await sign_in(page, base, LEADER, "/office/schools")
        await expect(page.locator("li[data-school]")).to_contain_text(SCHOOL)
        await expect(page.locator("form[method=post][action^='/office/schools']")).to_have_count(0)
        await fits_the_screen(page)
        await context.close()
    assert errors == []
