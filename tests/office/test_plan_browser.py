"""The plan tracker (/office/plan) in a real Chromium, as the ward's staff use it on a phone
(390×844) and at a desk: the overdue tasks stand out in words a person can read, an admin
opens a task's form, is told plainly what is wrong with a bad link (nothing recorded, the
words typed kept), records the evidence and sees the task no longer overdue; a leader
reads the same tasks without the forms. Nothing runs off the side of the screen and the
console stays clean (a CSP violation shows as an error)."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import expect

from db.store import Store
from handlers.content import Content
from tests.support.chromium import DESKTOP, PHONE, chromium, needs_chromium
from tests.support.office import make_user, office_app
from tests.support.office_pages import fits_the_screen, sign_in, watch
from tests.support.plan_ward import TEAM_1, plan_ward

pytestmark = needs_chromium
VIEWPORTS = pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
ADMIN = "admin@phuong.vn"
LEADER = "lan@phuong.vn"
REFUSED = "Failed to load resource: the server responded with a status of 400 (Bad Request)"


@VIEWPORTS
async def test_an_admin_records_evidence_and_the_overdue_task_is_overdue_no_more(
    sqlite_store: Store, content: Content, viewport: dict[str, int]
) -> None:
    plan_ward(sqlite_store)
    make_user(sqlite_store, ADMIN, "admin", name="Nguyễn Thị Lan")
    async with office_app(sqlite_store, content) as (base, _clock), chromium() as browser:
        context = await browser.new_context(viewport=viewport)
        page = await context.new_page()
        errors = watch(page)
        await sign_in(page, base, ADMIN, "/office/plan")
        await expect(
            page.get_by_role("heading", name="Theo dõi thực hiện Kế hoạch", exact=True)
        ).to_be_visible()
        await expect(page.get_by_role("alert")).to_contain_text(
            "2 nhiệm vụ quá hạn chưa có kết quả:"
        )
        task = page.locator('li.task[data-code="I.3"]')
        label = task.locator(".overdue-label")
        await expect(label).to_be_visible()
        await expect(label).to_have_text("Quá hạn: đã qua hạn 30/11/2025 mà chưa có kết quả.")
        await fits_the_screen(page)

        await task.get_by_text("Ghi kết quả kèm minh chứng").click()
        widths = {
            name: (await task.get_by_label(name).bounding_box() or {"width": 0})["width"]
            for name in ("Ngày thực hiện", "Đã làm gì", "Số lần", "Liên kết minh chứng")
        }
        assert len(set(widths.values())) == 1, widths  # every field as wide as the form
        await task.get_by_label("Ngày thực hiện").fill("2025-11-20")
        await task.get_by_label("Đã làm gì").fill("Công văn triển khai số 12/UBND")
        await task.get_by_label("Liên kết minh chứng (nếu có)").fill("javascript:alert(1)")
        await task.get_by_role("button", name="Ghi kết quả cho nhiệm vụ I.3").click()
        await expect(task.get_by_role("alert")).to_have_text(
            "Liên kết chưa đúng: cần một địa chỉ bắt đầu bằng http:// hoặc https://."
        )
        await expect(task.get_by_label("Đã làm gì")).to_have_value("Công văn triển khai số 12/UBND")
        await expect(label).to_be_visible()  # nothing recorded: still overdue
        await fits_the_screen(page)

        long_link = "https://kienan.haiphong.gov.vn/tin-tuc/" + "trien-khai-chuong-trinh-" * 6
        await task.get_by_label("Liên kết minh chứng (nếu có)").fill(long_link)
        await task.get_by_label("Số lần").fill("2")
        await task.get_by_role("button", name="Ghi kết quả cho nhiệm vụ I.3").click()
        await expect(page.get_by_role("status")).to_have_text("Đã ghi kết quả.")
        assert page.url.endswith("/office/plan?done=evidence#task-I.3")
        await expect(task.locator(".overdue-label")).to_have_count(0)
        await expect(task).not_to_have_class(re.compile(r"\boverdue\b"))
        await expect(task.locator(".result")).to_contain_text(
            "20/11/2025: Công văn triển khai số 12/UBND"
        )
        await expect(page.get_by_role("alert")).to_contain_text(
            "1 nhiệm vụ quá hạn chưa có kết quả:"
        )
        await fits_the_screen(page)  # a long link in the result wraps
        await context.close()
    assert errors == [REFUSED]  # the bad link answered 400: nothing else


async def test_a_leader_reads_the_plan_on_a_phone_without_the_forms(
    sqlite_store: Store, content: Content
) -> None:
    plan_ward(sqlite_store)
    make_user(sqlite_store, LEADER, "leader", TEAM_1, name="Trần Thị Lan")
    async with office_app(sqlite_store, content) as (base, _clock), chromium() as browser:
        context = await browser.new_context(viewport=PHONE)
        page = await context.new_page()
        errors = watch(page)
        await sign_in(page, base, LEADER, "/office/plan")
        task = page.locator('li.task[data-code="I.3"]')
        await expect(task.locator(".overdue-label")).to_be_visible()
        await expect(page.get_by_text("Ghi kết quả kèm minh chứng")).to_have_count(0)
        logo = page.locator('li.task[data-code="I.4"]')
        await expect(logo.locator(".result")).to_contain_text("Đặt logo trên Cổng")
        await fits_the_screen(page)
        await context.close()
    assert errors == []
