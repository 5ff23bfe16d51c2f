"""The sources pages (``/office/sources``), against the real app on loopback: admins only;
adding a source (a bad or taken code answered in Vietnamese, what was typed kept), changing
and archiving it, each change in the audit log as the staff member; a source's links on
every channel with and without HIENDIEN_PUBLIC_URL, its QR codes downloaded and read back as
a phone would, the A5 poster (text shown as text), and the funnel counted from real
conversations."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, update

from bot.app import build_app
from bot.channels.telegram.settings import TelegramSettings
from bot.channels.web.chat import WebChannel
from bot.channels.zalo.settings import ZaloSettings
from bot.settings import Settings
from bot.turns import Conversations
from db import audit, leads, sources
from db.store import Store
from db.tables import conversation_t, lead_t, source_t
from handlers.content import Content
from tests.support import TODAY
from tests.support.conversations import LEAD_DIALOGUE, talk
from tests.support.office import Clock, OfficeClient, browser, make_user, office_app
from tests.support.qr_reader import read_qr, read_svg_qr
from tests.support.serving import serve
from tests.support.telegram_standin import BotApiStandIn

# http: over https the session cookie is Secure, and the app is served on plain loopback
PUBLIC = "http://chat.kienan.example.vn"
ADMIN = "admin@phuong.vn"


def with_links(public: str | None = PUBLIC) -> Settings:
    """Settings giving every channel a link (Telegram's and Zalo's without starting them)."""
    return Settings.defaults(hiendien_public_url=public).given(
        TelegramSettings(bot_username="@kienan_bot"), ZaloSettings(oa_id="4318842457223034219")
    )


def add(store: Store, code: str, name: str = "Họp chi hội", org: str = "Hội Phụ nữ") -> None:
    with store.transaction() as tx:
        sources.add(tx, code, name, org, actor="cli")


def source_row(store: Store, code: str) -> dict | None:
    with store.transaction() as tx:
        row = tx.conn.execute(select(source_t).where(source_t.c.code == code)).mappings().first()
    return dict(row) if row else None


def changes(store: Store) -> list[dict]:
    """The audit log's source changes, oldest first."""
    with store.transaction() as tx:
        return audit.events(tx, action="source_changed")[::-1]


def alert(html: str) -> str:
    found = re.search(r'<p class="problem" role="alert">(.*?)</p>', html, re.S)
    assert found is not None, "no problem shown"
    return found.group(1)


def field(html: str, name: str) -> str:
    """The value of the first text input named ``name``."""
    found = re.search(rf'<input type="text" name="{name}" value="([^"]*)"', html)
    assert found is not None, f"no field {name}"
    return found.group(1)


@asynccontextmanager
async def admin_signed_in(
    store: Store, content: Content, settings: Settings | None = None
) -> AsyncIterator[OfficeClient]:
    make_user(store, ADMIN, "admin", name="Chị Lan")
    async with office_app(store, content, settings=settings) as (base, _), browser(base) as b:
        await b.login(ADMIN)
        yield b


# --- who may come in ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["leader", "member"])
async def test_only_admins_open_the_sources_pages_or_change_a_source(
    store: Store, content: Content, role: str
):
    add(store, "hoiphunu")
    make_user(store, "to@phuong.vn", role, "Tổ công nghệ số 1")
    async with office_app(store, content, settings=with_links()) as (base, _), browser(base) as b:
        await b.login("to@phuong.vn")
        for path in (
            "/office/sources",
            "/office/sources/hoiphunu",
            "/office/sources/hoiphunu/qr.png?channel=web",
            "/office/sources/hoiphunu/qr.svg?channel=web",
            "/office/sources/hoiphunu/poster",
        ):
            answer = await b.get(path)
            assert answer.status == 403, path
            assert "Không có quyền" in answer.text
        await b.get("/office/")  # a page with a form: its token
        for path, data in (
            ("/office/sources", {"code": "moi", "name": "Mới", "organisation": "Hội Phụ nữ"}),
            ("/office/sources/hoiphunu", {"name": "Đổi", "organisation": "Hội Phụ nữ"}),
            ("/office/sources/hoiphunu/archive", {}),
        ):
            assert (await b.post(path, data)).status == 403, path
    assert source_row(store, "moi") is None
    row = source_row(store, "hoiphunu")
    assert row is not None and row["name"] == "Họp chi hội" and row["archived_at"] is None
    assert [c["detail"]["change"] for c in changes(store)] == ["added"]


async def test_a_stranger_is_sent_to_sign_in(sqlite_store: Store, content: Content):
    async with office_app(sqlite_store, content) as (base, _), browser(base) as b:
        answer = await b.get("/office/sources/hoiphunu/qr.png")
        assert answer.status == 303
        assert answer.location == "/office/login?next=/office/sources/hoiphunu/qr.png"


async def test_a_form_without_its_token_is_refused(sqlite_store: Store, content: Content):
    async with admin_signed_in(sqlite_store, content) as b:
        await b.get("/office/sources")
        form = {"code": "hoiphunu", "name": "Họp", "organisation": "Hội Phụ nữ"}
        assert (await b.post("/office/sources", form, csrf=False)).status == 403
    assert source_row(sqlite_store, "hoiphunu") is None


# --- adding, changing, archiving -------------------------------------------------------------


async def test_an_admin_adds_a_source_and_lands_on_its_page_with_the_change_audited(
    store: Store, content: Content
):
    admin_id = make_user(store, "lan@phuong.vn", "admin", name="Chị Lan")
    async with (
        office_app(store, content, settings=with_links()) as (base, _),
        browser(base) as b,
    ):
        await b.login("lan@phuong.vn")
        listing = await b.get("/office/sources")
        assert listing.status == 200
        assert "Chưa có nguồn nào" in listing.text
        assert '<option value="Hội Phụ nữ">' in listing.text  # the ward's suggestions
        added = await b.post(
            "/office/sources",
            {
                "code": " HoiPhuNu-T12 ",
                "name": " Họp chi hội  tháng 12",
                "organisation": "hoi phu nu",
            },
        )
        assert added.status == 303
        assert added.location == "/office/sources/hoiphunu-t12?done=added"
        page = await b.get(added.location)
        assert "Đã thêm nguồn." in page.text
        assert "<h1>Họp chi hội tháng 12</h1>" in page.text
        listing = await b.get("/office/sources")
        assert 'data-code="hoiphunu-t12"' in listing.text
    row = source_row(store, "hoiphunu-t12")
    assert row is not None
    assert (row["name"], row["organisation"]) == ("Họp chi hội tháng 12", "Hội Phụ nữ")
    (event,) = changes(store)
    assert (event["actor"], event["actor_user_id"], event["ip"]) == (
        "lan@phuong.vn",
        admin_id,
        "127.0.0.1",
    )
    assert (event["target"], event["detail"]["change"]) == ("source:hoiphunu-t12", "added")


@pytest.mark.parametrize(
    ("code", "name", "words"),
    [
        ("hội-phụ-nữ", "Họp chi hội", 'Mã nguồn "hội-phụ-nữ" không dùng được: chỉ gồm chữ cái'),
        ("hoi phu nu", "Họp chi hội", 'Mã nguồn "hoi phu nu" không dùng được'),
        ("staff-abc", "Họp chi hội", "dành cho lời mời cán bộ trên Telegram"),
        ("hoiphunu", "   ", "Hãy nhập tên của nguồn"),
        ("hoiphunu", "x" * 101, "Tên nguồn dài 101 ký tự; tối đa 100 ký tự."),
    ],
)
async def test_a_bad_code_or_name_is_answered_in_vietnamese_keeping_what_was_typed(
    sqlite_store: Store, content: Content, code: str, name: str, words: str
):
    async with admin_signed_in(sqlite_store, content) as b:
        await b.get("/office/sources")
        form = {"code": code, "name": name, "organisation": "Đoàn Thanh niên"}
        answer = await b.post("/office/sources", form)
        assert answer.status == 400
        assert words.replace('"', "&#34;") in alert(answer.text)
        assert field(answer.text, "code") == code
        assert field(answer.text, "name") == name
        assert field(answer.text, "organisation") == "Đoàn Thanh niên"
    assert source_row(sqlite_store, "hoiphunu") is None
    assert changes(sqlite_store) == []


async def test_a_code_taken_even_by_an_archived_source_is_refused(store: Store, content: Content):
    add(store, "hoiphunu", "Họp tháng 11")
    with store.transaction() as tx:
        sources.archive(tx, "hoiphunu", actor="cli")
    async with admin_signed_in(store, content) as b:
        await b.get("/office/sources")
        form = {"code": "HOIPHUNU", "name": "Họp tháng 12", "organisation": "Hội Phụ nữ"}
        answer = await b.post("/office/sources", form)
        assert answer.status == 400
        assert "Đã có nguồn mang mã &#34;hoiphunu&#34; (kể cả nguồn đã lưu trữ)" in alert(
            answer.text
        )
        assert field(answer.text, "code") == "HOIPHUNU"
        assert field(answer.text, "name") == "Họp tháng 12"
    row = source_row(store, "hoiphunu")
    assert row is not None and row["name"] == "Họp tháng 11"


async def test_a_source_is_archived_and_unarchived_from_the_list_and_its_page(
    store: Store, content: Content
):
    add(store, "hoiphunu", "Họp chi hội", "Hội Phụ nữ")
    add(store, "loa", "Loa tổ 5", "Loa truyền thanh phường")
    async with admin_signed_in(store, content) as b:
        await b.get("/office/sources")
        done = await b.post("/office/sources/hoiphunu/archive", {"back": "list"})
        assert done.location == "/office/sources?done=archived"
        listing = await b.get(done.location)
        assert "Đã lưu trữ nguồn." in listing.text
        assert 'data-code="hoiphunu"' not in listing.text and 'data-code="loa"' in listing.text
        every = await b.get("/office/sources?archived=1")
        assert 'class="off" data-code="hoiphunu"' in every.text
        again = await b.post("/office/sources/HoiPhuNu/archive", {})
        assert again.location == "/office/sources/hoiphunu?done=already_archived"
        page = await b.get(again.location)
        assert "Nguồn này đã được lưu trữ từ trước." in page.text
        assert "Lưu trữ lúc" in page.text and ">Bỏ lưu trữ</button>" in page.text
        back = await b.post("/office/sources/hoiphunu/unarchive", {})
        assert back.location == "/office/sources/hoiphunu?done=unarchived"
        assert 'data-code="hoiphunu"' in (await b.get("/office/sources")).text
        assert (await b.post("/office/sources/nope/archive", {})).status == 404
    assert source_row(store, "hoiphunu")["archived_at"] is None  # type: ignore[index]
    assert [(c["actor"], c["detail"]["change"]) for c in changes(store)][2:] == [
        (ADMIN, "archived"),
        (ADMIN, "unarchived"),
    ]


async def test_a_source_is_renamed_and_its_organisation_changed_the_code_kept(
    store: Store, content: Content
):
    add(store, "loa", "Loa phát thanh", "Trung tâm")
    async with admin_signed_in(store, content) as b:
        page = await b.get("/office/sources/loa")
        assert field(page.text, "name") == "Loa phát thanh"
        changed = await b.post(
            "/office/sources/loa", {"name": "Loa tổ 5", "organisation": "loa truyen thanh phuong"}
        )
        assert changed.location == "/office/sources/loa?done=changed"
        assert "Đã lưu thay đổi." in (await b.get(changed.location)).text
        same = await b.post(
            "/office/sources/loa", {"name": "Loa tổ 5", "organisation": "Loa truyền thanh phường"}
        )
        assert same.location == "/office/sources/loa?done=unchanged"
        await b.get("/office/sources/loa")
        empty = await b.post("/office/sources/loa", {"name": " ", "organisation": "Hội Nông dân"})
        assert empty.status == 400
        assert "Hãy nhập tên của nguồn" in alert(empty.text)
        assert field(empty.text, "organisation") == "Hội Nông dân"  # what was typed, kept
        unknown = await b.post("/office/sources/nope", {"name": "x", "organisation": "y"})
        assert unknown.status == 404
    row = source_row(store, "loa")
    assert row is not None
    assert (row["name"], row["organisation"]) == ("Loa tổ 5", "Loa truyền thanh phường")
    event = changes(store)[-1]
    assert event["actor"] == ADMIN and event["detail"]["old_name"] == "Loa phát thanh"


async def test_an_unknown_source_is_not_found(sqlite_store: Store, content: Content):
    async with admin_signed_in(sqlite_store, content, with_links()) as b:
        for path in (
            "/office/sources/nope",
            "/office/sources/nope/qr.png",
            "/office/sources/nope/poster",
            "/office/sources/not.a.code",
        ):
            assert (await b.get(path)).status == 404, path


# --- links, QR codes and the poster -------------------------------------------------------------


async def test_the_source_page_gives_each_channels_link_with_its_qr_code(
    store: Store, content: Content
):
    add(store, "hoiphunu")
    async with admin_signed_in(store, content, with_links()) as b:
        page = await b.get("/office/sources/hoiphunu")
        assert page.status == 200
        html = page.text
        for url in (
            PUBLIC + "/?source=hoiphunu",
            "https://t.me/kienan_bot?start=hoiphunu",
            "https://zalo.me/4318842457223034219",
        ):
            assert f'readonly value="{url.replace("&", "&amp;")}"' in html, url
        assert html.count('<img class="qr" src="data:image/svg+xml;base64,') == 3
        for channel in ("web", "telegram", "zalo"):
            for fmt in ("svg", "png"):
                assert (
                    f'href="/office/sources/hoiphunu/qr.{fmt}?channel={channel}" download' in html
                )
        assert "không chuyển mã nguồn" in html  # Zalo's note: the same link for every source
        assert "HIENDIEN_PUBLIC_URL" not in html
        assert 'href="/office/sources/hoiphunu/poster"' in html


@pytest.mark.parametrize(
    ("channel", "url"),
    [
        ("web", PUBLIC + "/?source=hoiphunu"),
        ("telegram", "https://t.me/kienan_bot?start=hoiphunu"),
        ("zalo", "https://zalo.me/4318842457223034219"),
    ],
)
async def test_the_qr_downloads_read_back_as_the_link(
    sqlite_store: Store, content: Content, channel: str, url: str
):
    add(sqlite_store, "hoiphunu")
    async with admin_signed_in(sqlite_store, content, with_links()) as b:
        status, png, headers = await b.get_bytes(
            f"/office/sources/hoiphunu/qr.png?channel={channel}"
        )
        assert status == 200 and headers["Content-Type"] == "image/png"
        assert headers["Content-Disposition"] == (
            f'attachment; filename="qr-hoiphunu-{channel}.png"'
        )
        found = read_qr(png)
        assert found is not None and found.text == url
        status, svg, headers = await b.get_bytes(
            f"/office/sources/hoiphunu/qr.svg?channel={channel}"
        )
        assert status == 200 and headers["Content-Type"] == "image/svg+xml"
        assert headers["Content-Disposition"] == (
            f'attachment; filename="qr-hoiphunu-{channel}.svg"'
        )
        found = read_svg_qr(svg)
        assert found is not None and found.text == url


async def test_the_web_chats_qr_code_is_the_default_and_an_unknown_channel_has_none(
    sqlite_store: Store, content: Content
):
    add(sqlite_store, "hoiphunu")
    async with admin_signed_in(sqlite_store, content, with_links()) as b:
        status, png, _ = await b.get_bytes("/office/sources/HOIPHUNU/qr.png")
        assert status == 200
        found = read_qr(png)
        assert found is not None and found.text == PUBLIC + "/?source=hoiphunu"
        status, _, _ = await b.get_bytes("/office/sources/hoiphunu/qr.png?channel=terminal")
        assert status == 404
        status, _, _ = await b.get_bytes("/office/sources/hoiphunu/qr.gif")
        assert status == 404


async def test_without_a_public_address_the_page_says_qr_codes_need_it(
    store: Store, content: Content
):
    add(store, "hoiphunu")
    async with admin_signed_in(store, content, Settings.defaults()) as b:
        page = await b.get("/office/sources/hoiphunu")
        assert page.status == 200
        html = page.text
        assert "Chưa đặt HIENDIEN_PUBLIC_URL" in html
        assert 'readonly value="/?source=hoiphunu"' in html  # shown, but never as a QR code
        assert "data:image/svg+xml" not in html and "/qr.png" not in html
        assert "TELEGRAM_BOT_USERNAME" in html and "ZALO_OA_ID" in html  # what to set
        assert "Chưa in được áp phích" in html
        assert 'href="/office/sources/hoiphunu/poster"' not in html
        for fmt in ("png", "svg"):
            status, _, _ = await b.get_bytes(f"/office/sources/hoiphunu/qr.{fmt}?channel=web")
            assert status == 404
        poster = await b.get("/office/sources/hoiphunu/poster")
        assert poster.status == 409
        assert "Chưa in được áp phích" in alert(poster.text)


async def test_without_a_public_address_the_other_channels_qr_codes_still_work(
    sqlite_store: Store, content: Content
):
    add(sqlite_store, "hoiphunu")
    async with admin_signed_in(sqlite_store, content, with_links(public=None)) as b:
        page = await b.get("/office/sources/hoiphunu")
        assert "Chưa đặt HIENDIEN_PUBLIC_URL" in page.text
        assert page.text.count('<img class="qr"') == 2  # Telegram's and Zalo's
        status, png, _ = await b.get_bytes("/office/sources/hoiphunu/qr.png?channel=telegram")
        found = read_qr(png)
        assert status == 200 and found is not None
        assert found.text == "https://t.me/kienan_bot?start=hoiphunu"
        poster = await b.get("/office/sources/hoiphunu/poster")
        assert poster.status == 200 and 'data-channel="telegram"' in poster.text


async def test_the_telegram_link_is_asked_from_the_bot_api_off_the_event_loop(
    sqlite_store: Store, content: Content
):
    """Without TELEGRAM_BOT_USERNAME (and the Telegram channel not running, so it has not
    learned its name), the page asks the Bot API. The stand-in answers on this test's event
    loop: asking on the loop would wait out the timeout and show no link."""
    make_user(sqlite_store, ADMIN, "admin")
    add(sqlite_store, "hoiphunu")
    async with BotApiStandIn(token="91:OFFICE", bot_username="kienan_office_bot") as api:
        config = Settings.defaults(hiendien_public_url=PUBLIC).given(
            TelegramSettings(bot_token=api.token, base_url=api.base_url)
        )
        app = build_app(
            sqlite_store, content, lambda: TODAY, config, Clock(), channels=(WebChannel,)
        )
        async with serve(app) as base, browser(base) as b:
            await b.login(ADMIN)
            page = await b.get("/office/sources/hoiphunu")
            assert 'value="https://t.me/kienan_office_bot?start=hoiphunu"' in page.text
        assert len(api.calls_to("getMe")) == 1


async def test_the_poster_shows_a_source_named_script_as_text(store: Store, content: Content):
    async with admin_signed_in(store, content, with_links()) as b:
        await b.get("/office/sources")
        added = await b.post(
            "/office/sources",
            {
                "code": "xss",
                "name": "<script>alert('name')</script>",
                "organisation": '<img src=x onerror="alert(1)">',
            },
        )
        assert added.status == 303
        page = await b.get(added.location)
        assert "<script>alert" not in page.text and "&lt;script&gt;alert(" in page.text
        poster = await b.get("/office/sources/xss/poster")
        assert poster.status == 200
        assert poster.headers["Content-Type"].startswith("text/html")
        assert "script-src 'self'" in poster.headers["Content-Security-Policy"]
        html = poster.text
        assert "<script" not in html and "<img" not in html and "style=" not in html
        assert "&lt;script&gt;alert(&#39;name&#39;)&lt;/script&gt;" in html
        assert '<link rel="stylesheet" href="/office/static/poster.css">' in html
        assert "chat.kienan.example.vn/?source=xss" in html
        assert "Tên miền .vn miễn phí" in html and "hiendienonline.tenmien.vn" in html
        css = await b.get("/office/static/poster.css")
        assert css.status == 200 and css.headers["Content-Type"].startswith("text/css")
        assert "@page" in css.text and "A5" in css.text


# --- the funnel --------------------------------------------------------------------------------


def lead_dialogue(start: str, phone: str) -> tuple[str, ...]:
    out = [start, *LEAD_DIALOGUE[1:]]
    out[out.index("0912 345 678")] = phone
    return tuple(out)


@pytest.fixture
def residents(store: Store, content: Content) -> Store:
    """Residents talk to the bot on the web: lan (from hoiphunu, eligible, leaves a lead),
    minh (from hoiphunu, a household business without a certificate: not eligible), hoa
    (from hoiphunu, says nothing more), tuan (from tdp9, a code never added: eligible, a
    lead, then registered) and an (no code, eligible, a lead). Conversations and leads were
    made at 03:00 on TODAY in Vietnam."""
    conv = Conversations(store, content, lambda: TODAY)
    talk(conv, "lan", *lead_dialogue("/start hoiphunu", "0912 345 678"))
    talk(conv, "minh", "/start hoiphunu", "ho kinh doanh", "chua co")
    talk(conv, "hoa", "/start hoiphunu")
    talk(conv, "tuan", *lead_dialogue("/start tdp9", "0987 654 321"))
    talk(conv, "an", *lead_dialogue("/start", "0966 333 444"))
    at = datetime(2026, 11, 24, 20, 0, tzinfo=UTC)  # 03:00 on the 25th in Vietnam
    with store.transaction() as tx:
        tx.conn.execute(update(conversation_t).values(created_at=at))
        tx.conn.execute(update(lead_t).values(created_at=at))
        tuan = tx.conn.execute(
            update(lead_t)
            .where(lead_t.c.user_ref == "tuan")
            .values(status="registered")
            .returning(lead_t.c.id)
        ).scalar_one()
        leads.add_event(tx, tuan, "Tổ 9", "status", "registered")  # what the team's change leaves
    add(store, "hoiphunu", "Họp chi hội", "Hội Phụ nữ")
    add(store, "loa", "Loa tổ 5", "Loa truyền thanh phường")
    return store


def row_numbers(html: str, marker: str) -> list[int]:
    """The funnel's six numbers in the list's row that starts with ``marker``."""
    start = html.index(marker)
    row = html[start : html.index("</tr>", start)]
    return [int(n) for n in re.findall(r'<td class="num">(\d+)</td>', row)]


def page_numbers(html: str) -> dict[str, int]:
    return {k: int(v) for k, v in re.findall(r'data-step="(\w+)"><strong>(\d+)</strong>', html)}


async def test_the_list_shows_each_sources_funnel_the_unlisted_codes_and_no_code(
    residents: Store, content: Content
):
    async with admin_signed_in(residents, content) as b:
        html = (await b.get("/office/sources")).text
    assert row_numbers(html, '<tr data-code="hoiphunu">') == [3, 2, 1, 1, 0, 0]
    assert row_numbers(html, '<tr data-code="loa">') == [0, 0, 0, 0, 0, 0]
    assert row_numbers(html, '<tr data-code="tdp9">') == [1, 1, 1, 1, 1, 1]
    assert 'href="/office/sources?add=tdp9#add"' in html  # a code never added: add it
    assert row_numbers(html, '<tr class="nocode">') == [1, 1, 1, 1, 0, 0]
    assert row_numbers(html, '<tr class="total">') == [5, 4, 3, 3, 1, 1]
    assert "Không có mã nguồn" in html
    assert "Số liệu từ trước đến nay." in html


async def test_a_code_from_the_unlisted_rows_fills_the_add_form(residents: Store, content: Content):
    async with admin_signed_in(residents, content) as b:
        html = (await b.get("/office/sources?add=tdp9")).text
    assert field(html, "code") == "tdp9"


async def test_a_period_counts_only_what_was_made_in_it(residents: Store, content: Content):
    async with admin_signed_in(residents, content) as b:
        on_the_day = (await b.get("/office/sources?from=2026-11-25&to=2026-11-25")).text
        before = (await b.get("/office/sources?to=2026-11-24")).text
        nonsense = (await b.get("/office/sources?from=hôm-qua")).text
        page = (await b.get("/office/sources/hoiphunu?from=2026-11-25&to=2026-11-25")).text
        later = (await b.get("/office/sources/hoiphunu?from=2026-11-26")).text
    assert row_numbers(on_the_day, '<tr data-code="hoiphunu">') == [3, 2, 1, 1, 0, 0]
    assert "Số liệu từ 25/11/2026 đến 25/11/2026." in on_the_day
    assert 'href="/office/sources/hoiphunu?from=2026-11-25&amp;to=2026-11-25"' in on_the_day
    assert row_numbers(before, '<tr data-code="hoiphunu">') == [0, 0, 0, 0, 0, 0]
    assert row_numbers(before, '<tr class="total">') == [0, 0, 0, 0, 0, 0]
    assert row_numbers(nonsense, '<tr data-code="hoiphunu">') == [3, 2, 1, 1, 0, 0]  # ignored
    assert page_numbers(page) == {
        "conversations": 3,
        "verdicts": 2,
        "eligible": 1,
        "leads": 1,
        "contacted": 0,
        "registered": 0,
    }
    assert set(page_numbers(later).values()) == {0}


async def test_the_source_page_shows_its_funnel(residents: Store, content: Content):
    async with admin_signed_in(residents, content) as b:
        html = (await b.get("/office/sources/hoiphunu")).text
    assert page_numbers(html) == {
        "conversations": 3,
        "verdicts": 2,
        "eligible": 1,
        "leads": 1,
        "contacted": 0,
        "registered": 0,
    }
    assert "Cuộc trò chuyện" in html and "Đủ điều kiện" in html and "Đã đăng ký" in html
