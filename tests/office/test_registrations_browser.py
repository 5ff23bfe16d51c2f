"""The registered domains (/office/registrations) in a real Chromium, as a team leader uses
it on a phone (390×844) and at a desk: only the registrations of the team's own requests
are listed (no team filter offered), and each filter — source, kind, DNS check, a part of
the domain typed in any case — narrows the list as chosen. The wide table scrolls inside
its box, so the page itself never runs off the side of the screen; the console stays clean
(a CSP violation shows as an error)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from playwright.async_api import Page, expect

from db import registrations
from db.store import Store
from handlers.content import Content
from tests.support.chromium import DESKTOP, PHONE, chromium, needs_chromium
from tests.support.followup import a_lead, a_team
from tests.support.office import make_user, office_app
from tests.support.office_pages import fits_the_screen, sign_in, watch

pytestmark = needs_chromium
VIEWPORTS = pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
LEADER = "nam@phuong.vn"
CHECKED = datetime(2026, 11, 21, 3, tzinfo=UTC)
OWN = ["huong.id.vn", "minhanh.id.vn", "cafe-hai-au.biz.vn"]


def registered(store: Store, domain: str, source: str, lead_id: int | None, dns: str = "") -> None:
    with store.transaction() as tx:
        done = registrations.record(
            tx,
            domain,
            source=source,
            registered_on=date(2026, 11, 20),
            recorded_by="cli",
            lead_id=lead_id,
        )
        assert done.id is not None
        if dns:
            registrations.set_dns(tx, done.id, dns, CHECKED)


def a_ward(store: Store) -> None:
    """Team 1: three registrations from three sources; team 2: one; and one without a lead."""
    a_team(store, "Tổ công nghệ số 1", "Tổ dân phố 1")
    a_team(store, "Tổ công nghệ số 2", "Tổ dân phố 2")
    make_user(store, LEADER, "leader", "Tổ công nghệ số 1", name="Trần Văn Nam")
    huong = a_lead(store, "0912345678", "Nguyễn Thị Hương", "Tổ dân phố 1")
    minh = a_lead(store, "0912345679", "Lê Minh Anh", "Tổ dân phố 1")
    cafe = a_lead(store, "0912345680", "Quán cà phê Hải Âu", "Tổ dân phố 1")
    son = a_lead(store, "0987654321", "Lê Văn Sơn", "Tổ dân phố 2")
    registered(store, "huong.id.vn", "self_reported", huong)
    registered(store, "minhanh.id.vn", "staff", minh, "verified")
    registered(store, "cafe-hai-au.biz.vn", "registrar", cafe, "not_found")
    registered(store, "son.biz.vn", "registrar", son, "verified")
    registered(store, "nobody.id.vn", "registrar", None)


async def listed(page: Page) -> list[str]:
    return await page.locator("tr[data-domain]").evaluate_all(
        "rows => rows.map(r => r.dataset.domain)"
    )


async def choose(page: Page, label: str, option: str) -> None:
    await page.locator("form.filters").get_by_label(label).select_option(label=option)


async def reset(page: Page) -> None:
    for label in ("Nguồn ghi nhận", "Loại", "Kiểm tra DNS"):
        await choose(page, label, "Tất cả")
    await page.get_by_label("Tên miền", exact=True).fill("")


async def filter_by(page: Page) -> None:
    async with page.expect_navigation():  # the list of the new page, never the old one's
        await page.locator("form.filters").get_by_role("button").click()


@VIEWPORTS
async def test_a_leader_sees_only_the_teams_registrations_and_the_filters_narrow_them(
    sqlite_store: Store, content: Content, viewport: dict[str, int]
) -> None:
    a_ward(sqlite_store)
    async with office_app(sqlite_store, content) as (base, _clock), chromium() as browser:
        context = await browser.new_context(viewport=viewport)
        page = await context.new_page()
        errors = watch(page)
        await sign_in(page, base, LEADER, "/office/registrations")
        await expect(
            page.get_by_role("heading", name="Tên miền đã đăng ký", exact=True)
        ).to_be_visible()
        await expect(page.locator("tr[data-domain]")).to_have_count(3)
        assert sorted(await listed(page)) == sorted(OWN)
        await expect(page.locator("p.count")).to_have_text("3 tên miền")
        await expect(page.locator("select[name=team]")).to_have_count(0)
        row = page.locator('tr[data-domain="minhanh.id.vn"]')
        await expect(row).to_contain_text("Cán bộ ghi")
        await expect(row).to_contain_text("Có trên DNS")
        await expect(row).to_contain_text("20/11/2026")
        await fits_the_screen(page)

        await choose(page, "Nguồn ghi nhận", "Người dân tự báo")
        await filter_by(page)
        await expect(page.locator("tr[data-domain]")).to_have_count(1)
        assert await listed(page) == ["huong.id.vn"]
        await expect(page.locator("p.count")).to_have_text("1 tên miền")
        await expect(page.locator("tr[data-domain]")).to_contain_text("Chưa kiểm tra")
        await fits_the_screen(page)

        await reset(page)
        await choose(page, "Loại", "biz.vn")
        await filter_by(page)
        await expect(page.locator("tr[data-domain]")).to_have_count(1)
        assert await listed(page) == ["cafe-hai-au.biz.vn"]  # not team 2's son.biz.vn

        await reset(page)
        await choose(page, "Kiểm tra DNS", "Có trên DNS")
        await filter_by(page)
        await expect(page.locator("tr[data-domain]")).to_have_count(1)
        assert await listed(page) == ["minhanh.id.vn"]  # not team 2's son.biz.vn

        await reset(page)
        await page.get_by_label("Tên miền", exact=True).fill("HUONG")
        await filter_by(page)
        await expect(page.locator("tr[data-domain]")).to_have_count(1)
        assert await listed(page) == ["huong.id.vn"]

        await page.get_by_label("Tên miền", exact=True).fill("nobody")
        await filter_by(page)
        await expect(page.locator("tr[data-domain]")).to_have_count(0)
        await expect(page.get_by_text("Chưa có tên miền nào đã đăng ký.")).to_be_visible()
        await fits_the_screen(page)
        await context.close()
    assert errors == []
