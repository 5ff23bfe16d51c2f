"""The quarterly reports (/office/reports) in a real Chromium: a team leader on a phone
(390×844) writes the team's difficulties and proposals, saves them, sends the report with
"Gửi báo cáo" and sees only their own team; then an admin at a desk finds every team sent,
reads the leader's words and downloads the ward's .docx — the file arrives and python-docx
reads it back as an administrative document under the national motto. Nothing runs off the
side of the screen and the console stays clean (a CSP violation shows as an error)."""

from __future__ import annotations

from pathlib import Path

import docx
from playwright.async_api import expect

from db.store import Store
from handlers.content import Content
from tests.support.chromium import DESKTOP, PHONE, chromium, needs_chromium
from tests.support.office import make_user, office_app
from tests.support.office_pages import fits_the_screen, sign_in, watch
from tests.support.plan_ward import DIFFICULTIES_1, TEAM_1, TEAM_2, plan_ward

pytestmark = needs_chromium
ADMIN = "admin@phuong.vn"
LEADER_2 = "binh@phuong.vn"
MOTTO = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
DIFFICULTIES = "Thiếu máy tính ở nhà văn hóa Tổ dân phố 2.\nNgười cao tuổi cần hướng dẫn riêng."
PROPOSALS = "Xin thêm tài liệu hướng dẫn đăng ký id.vn."


def every_text(path: Path) -> list[str]:
    """The document's paragraphs and its tables' cells, as a reader would see them."""
    document = docx.Document(str(path))
    found = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                found.extend(p.text for p in cell.paragraphs)
    return found


async def test_a_leader_sends_the_team_report_and_the_admin_downloads_the_wards(
    sqlite_store: Store, content: Content, tmp_path: Path
) -> None:
    ids = plan_ward(sqlite_store)
    make_user(sqlite_store, ADMIN, "admin", name="Nguyễn Thị Lan")
    make_user(sqlite_store, LEADER_2, "leader", TEAM_2, name="Phạm Văn Bình")
    async with office_app(sqlite_store, content) as (base, _clock), chromium() as browser:
        phone = await browser.new_context(viewport=PHONE)
        page = await phone.new_page()
        errors = watch(page)
        await sign_in(page, base, LEADER_2, "/office/reports")
        await expect(page.get_by_role("heading", name="Báo cáo quý · Quý IV/2026")).to_be_visible()
        await expect(page.locator("li[data-team]")).to_have_count(1)  # their own team only
        team = page.locator(f"#team-{ids['team_2']}")
        await expect(team.get_by_role("heading", name=TEAM_2)).to_be_visible()
        await expect(page.get_by_text(TEAM_1)).to_have_count(0)
        await expect(team.locator(".status")).to_contain_text("Chưa gửi")
        await fits_the_screen(page)

        await team.get_by_label("Khó khăn, vướng mắc").fill(DIFFICULTIES)
        await team.get_by_label("Đề xuất, kiến nghị").fill(PROPOSALS)
        await team.get_by_role("button", name="Lưu", exact=True).click()
        await expect(page.get_by_role("status")).to_have_text("Đã lưu báo cáo của tổ.")
        await expect(team.get_by_label("Khó khăn, vướng mắc")).to_have_value(DIFFICULTIES)
        await expect(team.get_by_label("Đề xuất, kiến nghị")).to_have_value(PROPOSALS)
        await expect(team.locator(".status")).not_to_contain_text("Đã gửi")

        await team.get_by_role("button", name="Gửi báo cáo").click()
        await expect(page.get_by_role("status")).to_have_text(
            "Đã gửi báo cáo của tổ tới Phòng Văn hóa – Xã hội."
        )
        await expect(team.locator(".badge.sent")).to_contain_text("Đã gửi lúc")
        await fits_the_screen(page)
        await phone.close()

        desk = await browser.new_context(viewport=DESKTOP, accept_downloads=True)
        page = await desk.new_page()
        errors += watch(page)
        await sign_in(page, base, ADMIN, "/office/reports")
        await expect(page.get_by_text("2/2 tổ đã gửi báo cáo.")).to_be_visible()
        sent = page.locator(f"#team-{ids['team_2']}")
        await expect(sent.locator(".badge.sent")).to_contain_text("Đã gửi lúc")
        await expect(sent.locator(".facts")).to_contain_text("Thiếu máy tính ở nhà văn hóa")
        await expect(sent.locator(".facts")).to_contain_text(PROPOSALS)
        await expect(page.locator(f"#team-{ids['team_1']} .facts")).to_contain_text(DIFFICULTIES_1)
        await fits_the_screen(page)

        ward = page.locator("#ward")
        async with page.expect_download() as caught:
            await ward.get_by_role("link", name="Word (.docx)").click()
        download = await caught.value
        assert download.suggested_filename == "bao-cao-2026Q4-ward.docx"
        saved = tmp_path / download.suggested_filename
        await download.save_as(saved)
        text = every_text(saved)
        assert MOTTO in text
        assert "BÁO CÁO" in text
        assert any("Thiếu máy tính ở nhà văn hóa Tổ dân phố 2." in line for line in text)
        await desk.close()
    assert errors == []
