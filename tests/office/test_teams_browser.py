"""The teams pages in a real Chromium, on a phone (390×844) and on a desk: an admin creates a
team, gives it a tổ dân phố and makes an invite code; every page fits the screen and the
browser reports no error."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import expect

from db import team
from db.store import Store
from tests.office.test_office_browser import TIMEOUT_MS, fits_the_screen, sign_in
from tests.support.chromium import DESKTOP, PHONE, chromium, needs_chromium
from tests.support.followup import a_member, a_team
from tests.support.office import make_user, office_app
from tests.support.ward_areas import listed_content

pytestmark = needs_chromium


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
async def test_an_admin_creates_a_team_gives_it_a_tổ_dân_phố_and_invites(
    sqlite_store: Store, tmp_path: Path, viewport: dict[str, int]
):
    store = sqlite_store
    content = listed_content(tmp_path)  # the ward's tổ dân phố listed: offered in the form
    first = a_team(store, "Tổ công nghệ số 1", "Tổ dân phố 1")
    a_member(store, "7001", first, "Nguyễn Văn Minh Khôi (Telegram của tổ dân phố 1)")
    make_user(store, "lan@phuong.vn", name="Nguyễn Thị Lan")
    make_user(store, "hoa@phuong.vn", "member", "Tổ công nghệ số 1", name="Trần Thị Hoa")
    errors: list[str] = []
    async with office_app(store, content) as (base, _clock), chromium() as browser:
        page = await browser.new_page(viewport=viewport)
        page.set_default_timeout(TIMEOUT_MS)
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        await sign_in(page, base, "lan@phuong.vn")
        await (
            page.get_by_role("navigation", name="Mục")
            .get_by_role("link", name="Tổ công nghệ số")
            .click()
        )
        await expect(
            page.get_by_role("heading", name="Tổ công nghệ số", exact=True)
        ).to_be_visible()
        await fits_the_screen(page)

        await page.get_by_label("Tên tổ").fill("Tổ công nghệ số 2")
        await page.get_by_role("button", name="Tạo tổ").click()
        await expect(page.get_by_role("heading", name="Tổ công nghệ số 2")).to_be_visible()
        await expect(page.get_by_role("status")).to_contain_text("Đã tạo tổ.")
        await fits_the_screen(page)

        await page.get_by_label("Tổ dân phố của phường").select_option(
            label="Tổ dân phố 1 (đang thuộc Tổ công nghệ số 1)"
        )
        await page.get_by_role("button", name="Giao cho tổ này").click()
        await expect(page.get_by_text("Tổ dân phố 1 đã chuyển từ tổ")).to_be_visible()
        await fits_the_screen(page)

        await page.get_by_role("button", name="Tạo mã mời").click()
        made = page.get_by_role("status").filter(has_text="Mã mời mới")
        await expect(made).to_be_visible()
        code = (await made.locator(".code code").inner_text()).strip()
        await expect(page.get_by_label("Tin nhắn gửi cho bot")).to_have_value(f"/staff {code}")
        await fits_the_screen(page)

        await page.goto(base + f"/office/teams/{first}")
        await expect(page.get_by_text("Nguyễn Văn Minh Khôi")).to_be_visible()
        await fits_the_screen(page)
        await page.goto(base + "/office/teams")
        await expect(page.get_by_role("link", name="Tổ công nghệ số 2")).to_be_visible()
        await fits_the_screen(page)
    with store.transaction() as tx:
        second = team.team_by_name(tx, "Tổ công nghệ số 2")
        assert second is not None
        assert team.areas_of(tx, second["id"]) == ["Tổ dân phố 1"]
        assert [i["code"] for i in team.pending_invites(tx, second["id"])] == [code]
    assert errors == []
