"""The progress on /office/ in a real Chromium on a phone (390×844): the target charts and
the weekly trend are drawn and visible, each chart names itself for a screen reader, and
nothing runs off the side of the screen — without a console error (a CSP violation shows
as one)."""

from __future__ import annotations

from datetime import date

from playwright.async_api import expect
from sqlalchemy import insert

from db.store import Store
from db.tables import business_t, registration_t
from handlers.content import Content
from tests.support.chromium import PHONE, chromium, needs_chromium
from tests.support.followup import a_team
from tests.support.office import PASSWORD, make_user, office_app

pytestmark = needs_chromium
TIMEOUT_MS = 15_000


async def test_the_progress_fits_a_phone_and_its_charts_are_drawn(
    sqlite_store: Store, content: Content
) -> None:
    a_team(sqlite_store, "Tổ công nghệ số có tên khá dài của tổ dân phố số 1", "Tổ dân phố 1")
    with sqlite_store.transaction() as tx:
        tx.conn.execute(
            insert(business_t),
            [
                {
                    "tax_code": f"010000000{n}",
                    "name": f"Cơ sở {n}",
                    "kind": "enterprise",
                    "started_on": date(2026, 3, 1),
                    "area": "Tổ dân phố 1",
                }
                for n in range(3)
            ],
        )
        tx.conn.execute(
            insert(registration_t),
            {
                "domain": "coso0.biz.vn",
                "kind": "biz.vn",
                "registered_on": date(2026, 11, 24),
                "source": "registrar",
                "business_id": 1,
                "recorded_by": "cli",
            },
        )
    make_user(sqlite_store, "lan@phuong.vn", name="Nguyễn Thị Lan")
    async with office_app(sqlite_store, content) as (base, _clock), chromium() as browser:
        context = await browser.new_context(viewport=PHONE)
        page = await context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.set_default_timeout(TIMEOUT_MS)
        await page.goto(base + "/office/")
        await page.get_by_label("Email").fill("lan@phuong.vn")
        await page.get_by_label("Mật khẩu").fill(PASSWORD)
        await page.get_by_role("button", name="Đăng nhập").click()
        await expect(
            page.get_by_role("heading", name="Tiến độ so với chỉ tiêu kế hoạch")
        ).to_be_visible()
        chart = page.get_by_role(
            "img", name="Doanh nghiệp, hộ kinh doanh đủ điều kiện có tên miền biz.vn: 33,3%"
        )
        await expect(chart).to_be_visible()
        box = await chart.bounding_box()
        assert box is not None and box["width"] > 200 and box["height"] > 10
        value = page.locator('[data-chart="biz_vn"] rect.value')
        assert (await value.bounding_box() or {"width": 0})["width"] > 0
        weekly = page.get_by_role("img", name="12 tuần gần nhất")
        await weekly.scroll_into_view_if_needed()
        await expect(weekly).to_be_visible()
        overflow = await page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0
        await page.get_by_role("textbox", name="Xem số liệu của ngày").fill("2026-11-01")
        await page.get_by_role("button", name="Xem", exact=True).click()
        await expect(page.get_by_text("Số liệu đến hết ngày 01/11/2026")).to_be_visible()
        assert errors == []
