"""The training door (/office/training/{id}/checkin) in a real Chromium at a phone's size
(390×844), as a team member works it: opening the address a registrant's QR holds (signing
in first, then back with the code filled), confirming; typing another code (lower case,
with a space) and seeing ✓; a code checked in already saying when; a code nobody has. And an
admin creating a session on a phone, the session's page listing people with their codes.
Nothing runs off the side of the screen and the console stays clean (a CSP violation shows
as an error)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from playwright.async_api import expect

from db import training
from db.models import TrainingSignup
from db.store import Store
from handlers.content import Content
from tests.support.chromium import PHONE, chromium, needs_chromium
from tests.support.office import Clock, make_user, office_app
from tests.support.office_pages import fits_the_screen, sign_in, watch
from tests.support.records import rows

pytestmark = needs_chromium
NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
STARTS = NOW + timedelta(days=20)  # 09:00 in Vietnam on 10/12/2026


def a_session_with_people(store: Store) -> tuple[int, dict[str, str]]:
    with store.transaction() as tx:
        sid = int(
            training.create(
                tx,
                title="Làm website cho hộ kinh doanh",
                starts_at=STARTS,
                place="Hội trường UBND phường",
                capacity=30,
                audience="household",
                now=NOW,
                actor="cli",
            )["id"]
        )
        codes = {}
        for name, phone in (("Trần Văn Bình", "0912 000 001"), ("Lê Thị Hoa", "0912 000 002")):
            done = training.sign_up(
                tx,
                sid,
                channel="zalo",
                user_ref=phone,
                lang="vi",
                name=name,
                phone=phone,
                consent_id=None,
                now=NOW,
            )
            assert done.signup is not None
            codes[name] = str(done.signup["code"])
    return sid, codes


async def test_a_member_at_the_door_scans_confirms_types_and_is_told_already(
    sqlite_store: Store, content: Content
) -> None:
    sid, codes = a_session_with_people(sqlite_store)
    make_user(sqlite_store, "hoa@phuong.vn", "member", "Tổ công nghệ số 1", name="Chị Hoa")
    clock = Clock(STARTS - timedelta(minutes=20))
    async with office_app(sqlite_store, content, clock) as (base, _), chromium() as browser:
        context = await browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
        page = await context.new_page()
        errors = watch(page)
        scanned = f"/office/training/{sid}/checkin?code={codes['Trần Văn Bình']}"
        await sign_in(page, base, "hoa@phuong.vn", scanned)  # the phone's camera opened it
        await expect(page.locator(".verdict")).to_contain_text(
            f"Điểm danh cho Trần Văn Bình (mã {codes['Trần Văn Bình']})?"
        )
        assert all(r["checked_in_at"] is None for r in rows(sqlite_store, TrainingSignup))
        await fits_the_screen(page)
        await page.get_by_role("button", name="✓ Xác nhận điểm danh").click()
        await expect(page.get_by_role("status")).to_have_text("✓ Trần Văn Bình đã được điểm danh")
        await expect(page.locator(".door .counts")).to_have_text("1 đã đến / 2 đăng ký")

        field = page.get_by_label("Mã của người đến")
        await expect(field).to_be_focused()
        assert await field.get_attribute("autocomplete") == "off"
        typed = codes["Lê Thị Hoa"].lower()
        await field.fill(f"{typed[:3]} {typed[3:]}")
        await page.get_by_role("button", name="Điểm danh", exact=True).click()
        await expect(page.get_by_role("status")).to_have_text("✓ Lê Thị Hoa đã được điểm danh")
        await fits_the_screen(page)

        clock.advance(minutes=3)
        await page.goto(base + scanned)  # the same QR shown again
        await page.get_by_role("button", name="✓ Xác nhận điểm danh").click()
        await expect(page.get_by_role("status")).to_have_text(
            "Trần Văn Bình đã điểm danh rồi, lúc 08:40"
        )
        await page.get_by_label("Mã của người đến").fill("ZZZ999")
        await page.get_by_label("Mã của người đến").press("Enter")
        await expect(page.get_by_role("status")).to_have_text(
            "✗ Không có mã ZZZ999. Kiểm tra lại từng ký tự."
        )
        await fits_the_screen(page)
        assert errors == []
    checked = {r["name"]: r["checked_in_by"] for r in rows(sqlite_store, TrainingSignup)}
    assert checked == {"Trần Văn Bình": "hoa@phuong.vn", "Lê Thị Hoa": "hoa@phuong.vn"}


async def test_an_admin_creates_a_session_on_a_phone_and_sees_its_people(
    sqlite_store: Store, content: Content
) -> None:
    sid, codes = a_session_with_people(sqlite_store)
    make_user(sqlite_store, "admin@phuong.vn", "admin", name="Nguyễn Thị Lan")
    async with office_app(sqlite_store, content) as (base, _), chromium() as browser:
        context = await browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
        page = await context.new_page()
        errors = watch(page)
        await sign_in(page, base, "admin@phuong.vn", "/office/training")
        await expect(page.get_by_role("heading", name="Tập huấn", exact=True)).to_be_visible()
        await expect(page.locator(f"li[data-session='{sid}'] .counts")).to_have_text(
            "2/30 chỗ · 0 chờ · 0 đã đến"
        )
        await fits_the_screen(page)
        form = page.locator("#create")
        await form.get_by_label("Tên buổi").fill("Thư điện tử theo tên miền cho thanh niên")
        await form.get_by_label("Bắt đầu lúc").fill("2026-12-15T14:00")
        await form.get_by_label("Địa điểm", exact=True).fill("Nhà văn hóa tổ dân phố 5")
        await form.get_by_label("Số chỗ").fill("40")
        await form.get_by_label("Đối tượng").select_option(label="Thanh niên")
        await form.get_by_role("button", name="Tạo buổi tập huấn").click()
        await expect(page.get_by_role("status")).to_have_text("Đã tạo buổi tập huấn.")
        await expect(
            page.get_by_role("heading", name="Thư điện tử theo tên miền cho thanh niên")
        ).to_be_visible()
        await expect(page.locator(".facts")).to_contain_text("14:00 15/12/2026")
        await fits_the_screen(page)

        await page.goto(f"{base}/office/training/{sid}")
        people = page.locator("table.registrants tbody tr")
        await expect(people).to_have_count(2)
        await expect(people.first).to_contain_text("Trần Văn Bình")
        await expect(people.first).to_contain_text("0912 000 001")
        await expect(people.first).to_contain_text(codes["Trần Văn Bình"])
        await page.get_by_role("link", name="Điểm danh ở cửa").click()
        await expect(page.get_by_label("Mã của người đến")).to_be_focused()
        assert errors == []
