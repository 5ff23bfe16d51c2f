"""The registry's upload in a real Chromium on a phone (390×844): an admin picks a spreadsheet,
sees what the import would do — the refused row with its number and reason — on a page that
fits the screen, confirms with "Nhập vào danh sách", and finds the businesses in the list;
without a console error (a CSP violation shows as one)."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from playwright.async_api import expect

from db.store import Store
from handlers.content import Content
from tests.support.chromium import PHONE, chromium, needs_chromium
from tests.support.office import PASSWORD, make_user, office_app

pytestmark = needs_chromium
TIMEOUT_MS = 15_000


def spreadsheet(path: Path) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["DANH SÁCH DOANH NGHIỆP, HỘ KINH DOANH"])
    sheet.append(["STT", "Mã số thuế", "Tên doanh nghiệp", "Loại hình", "Ngày thành lập"])
    sheet.append([1, "0100233488", "Công ty TNHH Hải Âu", "Công ty", "01/10/2026"])
    sheet.append([2, "0100233489", "Công ty Gõ Nhầm", "Công ty", "01/10/2026"])
    book.save(path)
    return path


async def test_an_admin_uploads_checks_and_applies_a_list_on_a_phone(
    sqlite_store: Store, content: Content, tmp_path: Path
) -> None:
    make_user(sqlite_store, "lan@phuong.vn", name="Nguyễn Thị Lan")
    path = spreadsheet(tmp_path / "danh-sach.xlsx")
    async with office_app(sqlite_store, content) as (base, _clock), chromium() as browser:
        context = await browser.new_context(viewport=PHONE)
        page = await context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.set_default_timeout(TIMEOUT_MS)
        await page.goto(base + "/office/registry")
        await page.get_by_label("Email").fill("lan@phuong.vn")
        await page.get_by_label("Mật khẩu").fill(PASSWORD)
        await page.get_by_role("button", name="Đăng nhập").click()
        await expect(
            page.get_by_role("heading", name="Doanh nghiệp, hộ kinh doanh", exact=True)
        ).to_be_visible()
        await page.get_by_label("Tệp danh sách (.xlsx hoặc .csv)").set_input_files(path)
        await page.get_by_role("button", name="Kiểm tra tệp").click()
        await expect(page.get_by_role("heading", name="Kết quả kiểm tra tệp")).to_be_visible()
        await expect(page.get_by_role("status")).to_contain_text("chưa ghi gì vào danh sách")
        refused = page.locator('tr[data-row="4"]')
        await expect(refused).to_contain_text("sai chữ số kiểm tra")
        overflow = await page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0
        await page.get_by_role("button", name="Nhập vào danh sách").click()
        await expect(page.get_by_role("heading", name="Đã nhập danh sách")).to_be_visible()
        await page.get_by_role("link", name="‹ Về danh sách doanh nghiệp, hộ kinh doanh").click()
        await expect(page.locator('tr[data-tax-code="0100233488"]')).to_contain_text(
            "Công ty TNHH Hải Âu"
        )
        await context.close()
    assert errors == []
