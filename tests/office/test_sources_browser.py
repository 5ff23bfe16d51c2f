"""The sources pages in a real Chromium, on a phone (390×844) and on a desk: adding a source
through the form, its page fitting the screen, a QR code downloaded and read back as a phone
would, and the A5 poster printing on exactly one A5 sheet — all without a console error
(a CSP violation shows as one)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.async_api import expect

from bot.channels.telegram.settings import TelegramSettings
from bot.channels.zalo.settings import ZaloSettings
from bot.settings import Settings
from db import sources
from db.store import Store
from handlers.content import Content
from tests.support.chromium import DESKTOP, PHONE, chromium, needs_chromium
from tests.support.office import make_user, office_app
from tests.support.office_pages import fits_the_screen, sign_in, watch
from tests.support.qr_reader import read_qr, read_svg_qr

pytestmark = needs_chromium
PUBLIC = "http://chat.kienan.example.vn"  # http: the session cookie is not Secure on loopback
VIEWPORTS = pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])


def with_links() -> Settings:
    return Settings.defaults(hiendien_public_url=PUBLIC).given(
        TelegramSettings(bot_username="kienan_bot"), ZaloSettings(oa_id="4318842457223034219")
    )


def pdf_pages(pdf: bytes) -> int:
    """The number of pages in a PDF as Chromium writes it (page objects are not compressed)."""
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))


@VIEWPORTS
async def test_a_source_added_in_the_form_shows_its_links_and_its_qr_downloads(
    sqlite_store: Store, content: Content, viewport: dict[str, int], tmp_path: Path
):
    make_user(sqlite_store, "lan@phuong.vn", name="Nguyễn Thị Lan")
    async with (
        office_app(sqlite_store, content, settings=with_links()) as (base, _clock),
        chromium() as browser,
    ):
        context = await browser.new_context(viewport=viewport, accept_downloads=True)
        page = await context.new_page()
        errors = watch(page)
        await sign_in(page, base, "lan@phuong.vn", "/office/sources")
        await expect(page.get_by_role("heading", name="Nguồn và mã QR")).to_be_visible()
        await fits_the_screen(page)
        await page.get_by_label("Mã nguồn").fill("hoi phu nu")  # a space: refused
        await page.get_by_label("Tên nguồn").fill("Họp chi hội tháng 12")
        await page.get_by_label("Đơn vị phát").fill("Hội Phụ nữ")
        await page.get_by_role("button", name="Thêm nguồn").click()
        await expect(page.get_by_role("alert")).to_contain_text(
            'Mã nguồn "hoi phu nu" không dùng được'
        )
        await expect(page.get_by_label("Tên nguồn")).to_have_value("Họp chi hội tháng 12")
        await page.get_by_label("Mã nguồn").fill("hoiphunu-t12")
        await page.get_by_role("button", name="Thêm nguồn").click()
        await expect(page.get_by_role("heading", name="Họp chi hội tháng 12")).to_be_visible()
        await expect(page.get_by_role("status")).to_contain_text("Đã thêm nguồn.")
        await expect(page.get_by_label("Liên kết Web")).to_have_value(
            PUBLIC + "/?source=hoiphunu-t12"
        )
        qr_web = page.get_by_role("img", name="Mã QR của liên kết Web")
        await expect(qr_web).to_be_visible()
        assert await qr_web.evaluate("img => img.naturalWidth > 0 && img.complete")
        await expect(page.get_by_role("img", name="Mã QR của liên kết Telegram")).to_be_visible()
        await expect(page.get_by_role("img", name="Mã QR của liên kết Zalo")).to_be_visible()
        await fits_the_screen(page)

        async with page.expect_download() as caught:
            await page.get_by_role("link", name="Tải mã QR Web (PNG)").click()
        download = await caught.value
        assert download.suggested_filename == "qr-hoiphunu-t12-web.png"
        png = tmp_path / download.suggested_filename
        await download.save_as(png)
        found = read_qr(png.read_bytes())
        assert found is not None and found.text == PUBLIC + "/?source=hoiphunu-t12"

        async with page.expect_download() as caught:
            await page.get_by_role("link", name="Tải mã QR Telegram (SVG, để in)").click()
        download = await caught.value
        assert download.suggested_filename == "qr-hoiphunu-t12-telegram.svg"
        svg = tmp_path / download.suggested_filename
        await download.save_as(svg)
        found = read_svg_qr(svg.read_bytes())
        assert found is not None and found.text == "https://t.me/kienan_bot?start=hoiphunu-t12"
        await context.close()
    refused = "Failed to load resource: the server responded with a status of 400 (Bad Request)"
    assert errors == [refused]  # the form with the bad code answers 400: nothing else


@VIEWPORTS
async def test_the_poster_prints_on_one_a5_sheet_under_the_offices_csp(
    sqlite_store: Store, content: Content, viewport: dict[str, int]
):
    make_user(sqlite_store, "lan@phuong.vn", name="Nguyễn Thị Lan")
    with sqlite_store.transaction() as tx:
        sources.add(tx, "hoiphunu", "<script>alert('name')</script>", "Hội Phụ nữ", actor="cli")
    async with (
        office_app(sqlite_store, content, settings=with_links()) as (base, _clock),
        chromium() as browser,
    ):
        page = await browser.new_page(viewport=viewport)
        errors = watch(page)
        dialogs: list[str] = []
        page.on("dialog", lambda d: dialogs.append(d.message))
        await sign_in(page, base, "lan@phuong.vn", "/office/sources/hoiphunu")
        await page.get_by_role("link", name="Mở áp phích A5 để in").click()
        await expect(page.get_by_role("heading", name="Tên miền .vn miễn phí")).to_be_visible()
        assert await page.title() == "Áp phích – <script>alert('name')</script>"
        # poster.css applied (served at /office/static/poster.css, allowed by the CSP)
        layout = await page.locator(".poster").evaluate("e => getComputedStyle(e).display")
        assert layout == "flex"
        assert await page.locator(".poster-qr svg").count() == 3
        await fits_the_screen(page)
        pdf = await page.pdf(format="A5", print_background=True)
        assert pdf.startswith(b"%PDF")
        assert pdf_pages(pdf) == 1
    assert errors == []
    assert dialogs == []
