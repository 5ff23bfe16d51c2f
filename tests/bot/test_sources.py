"""A campaign source's links per channel (with and without the settings they need), its QR
codes read back as a phone would, the A5 poster, and the organisations the ward suggests."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator

import pytest

from bot import qr
from bot.app import build_app
from bot.channels.registry import CHANNELS
from bot.channels.telegram.channel import TelegramChannel
from bot.channels.telegram.settings import TelegramSettings
from bot.channels.terminal.console import TerminalChannel
from bot.channels.web.chat import WebChannel
from bot.channels.zalo.channel import ZaloChannel
from bot.channels.zalo.settings import ZaloSettings
from bot.posters import NoPrintableLink, poster_html
from bot.settings import Settings
from bot.sources import SourceLink, find, links, organisation
from db.store import Store
from handlers.content import Content
from tests.support import TODAY
from tests.support.qr_reader import decode_png, read_qr
from tests.support.serving import serve
from tests.support.telegram_standin import BotApiStandIn

PUBLIC = "https://chat.kienan.example.vn"


def settings(public: str | None = None, **blocks: object) -> Settings:
    given = Settings.defaults(hiendien_public_url=public)
    telegram = blocks.get("telegram")
    zalo = blocks.get("zalo")
    if isinstance(telegram, TelegramSettings):
        given.given(telegram)
    if isinstance(zalo, ZaloSettings):
        given.given(zalo)
    return given


# --- links per channel ------------------------------------------------------------------------


def test_the_web_link_is_the_chat_page_with_the_code() -> None:
    assert WebChannel.source_link(settings(PUBLIC), "hoiphunu") == PUBLIC + "/?source=hoiphunu"
    assert WebChannel.source_link(settings(PUBLIC + "/"), "hoiphunu") == (
        PUBLIC + "/?source=hoiphunu"
    )
    assert WebChannel.source_link(settings(PUBLIC + "/chat"), "a_b-1") == (
        PUBLIC + "/chat/?source=a_b-1"
    )


def test_without_a_public_address_the_web_link_is_relative_and_says_so(
    content: Content,
) -> None:
    assert WebChannel.source_link(settings(), "hoiphunu") == "/?source=hoiphunu"
    (web,) = [x for x in links(settings(), CHANNELS, content, "hoiphunu") if x.channel == "web"]
    assert not web.printable
    assert web.note and "HIENDIEN_PUBLIC_URL" in web.note


def test_the_telegram_link_uses_the_configured_username_without_the_network() -> None:
    configured = TelegramSettings(
        bot_token="1:unreachable", base_url="http://127.0.0.1:9/bot", bot_username="@phuong_bot"
    )
    link = TelegramChannel.source_link(settings(telegram=configured), "hoiphunu")
    assert link == "https://t.me/phuong_bot?start=hoiphunu"


def test_without_a_token_or_a_username_there_is_no_telegram_link(content: Content) -> None:
    assert TelegramChannel.source_link(settings(), "hoiphunu") is None
    found = find(links(settings(), CHANNELS, content, "hoiphunu"), "telegram")
    assert found is not None and found.url is None
    assert found.note and "TELEGRAM_BOT_USERNAME" in found.note


@pytest.fixture
async def api() -> AsyncIterator[BotApiStandIn]:
    async with BotApiStandIn(token="77:SOURCES", bot_username="kienan_domain_bot") as stand_in:
        yield stand_in


async def test_the_telegram_username_is_asked_from_the_bot_api_once(api: BotApiStandIn) -> None:
    config = settings(telegram=TelegramSettings(bot_token=api.token, base_url=api.base_url))
    # off the event loop, as the office must when the username is not configured
    first = await asyncio.to_thread(TelegramChannel.source_link, config, "doanthanhnien")
    again = await asyncio.to_thread(TelegramChannel.source_link, config, "loa")
    assert first == "https://t.me/kienan_domain_bot?start=doanthanhnien"
    assert again == "https://t.me/kienan_domain_bot?start=loa"
    assert len(api.calls_to("getMe")) == 1


async def test_the_running_bot_knows_its_username_so_the_office_needs_no_network(
    api: BotApiStandIn, sqlite_store: Store, content: Content
) -> None:
    """Inside ``hiendien run`` the office's pages call source_link on the event loop: the
    Telegram channel learned the bot's name at start, so nothing waits on the Bot API."""
    config = settings(telegram=TelegramSettings(bot_token=api.token, base_url=api.base_url))
    app = build_app(sqlite_store, content, lambda: TODAY, settings=config)
    async with serve(app):
        await api.wait_call("setMyCommands")
        asked = len(api.calls_to("getMe"))
        link = TelegramChannel.source_link(config, "hoiphunu")  # on the loop, synchronously
        assert link == "https://t.me/kienan_domain_bot?start=hoiphunu"
        assert len(api.calls_to("getMe")) == asked


async def test_an_unreachable_bot_api_gives_no_telegram_link() -> None:
    config = settings(
        telegram=TelegramSettings(bot_token="5:GONE", base_url="http://127.0.0.1:9/bot")
    )
    assert await asyncio.to_thread(TelegramChannel.source_link, config, "x") is None


def test_the_zalo_link_is_the_oa_page_and_says_it_carries_no_code(content: Content) -> None:
    config = settings(zalo=ZaloSettings(oa_id=" 4318842457223034219 "))
    assert ZaloChannel.source_link(config, "hoiphunu") == "https://zalo.me/4318842457223034219"
    assert ZaloChannel.source_link(settings(), "hoiphunu") is None
    zalo = find(links(config, CHANNELS, content, "hoiphunu"), "zalo")
    assert zalo is not None and zalo.printable
    assert zalo.note and "không chuyển mã nguồn" in zalo.note
    missing = find(links(settings(), CHANNELS, content, "hoiphunu"), "zalo")
    assert missing is not None and missing.note and "ZALO_OA_ID" in missing.note


def test_links_come_in_the_registrys_order_and_a_channel_without_links_has_none(
    content: Content,
) -> None:
    config = settings(
        PUBLIC,
        telegram=TelegramSettings(bot_username="phuong_bot"),
        zalo=ZaloSettings(oa_id="123"),
    )
    found = links(config, CHANNELS, content, "hoiphunu", lang="en")
    assert [(x.channel, x.url) for x in found] == [
        ("web", PUBLIC + "/?source=hoiphunu"),
        ("telegram", "https://t.me/phuong_bot?start=hoiphunu"),
        ("zalo", "https://zalo.me/123"),
    ]
    assert TerminalChannel.source_link(config, "hoiphunu") is None
    assert find(found, "terminal") is None
    assert found[2].note and "no source code" in found[2].note  # English words too


# --- QR codes ---------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [PUBLIC + "/?source=hoiphunu", "https://t.me/phuong_bot?start=a"])
@pytest.mark.parametrize("scale", [2, 10])
def test_the_png_reads_back_as_the_link_with_print_grade_correction(url: str, scale: int) -> None:
    data = qr.png(url, scale)
    found = read_qr(data)
    assert found is not None and found.valid
    assert found.text == url
    assert found.ec_level in ("M", "Q", "H")  # at least M: a smudged flyer still scans
    grey = decode_png(data)
    quiet = qr.BORDER * scale
    for y in range(grey.height):  # the quiet zone: four white modules all round
        for x in (*range(quiet), *range(grey.width - quiet, grey.width)):
            assert grey.at(x, y) == 255 and grey.at(y, x) == 255


def test_the_svg_draws_the_same_modules_as_the_png() -> None:
    url = PUBLIC + "/?source=hoiphunu"
    modules = qr.matrix(url)
    grey = decode_png(qr.png(url, 1))
    assert (grey.width, grey.height) == (len(modules[0]), len(modules))
    assert all(
        (grey.at(x, y) == 0) == dark for y, row in enumerate(modules) for x, dark in enumerate(row)
    )
    svg = qr.svg(url).decode()
    size = len(modules) * 10
    assert svg.startswith("<?xml") and f'width="{size}" height="{size}"' in svg
    # the path's runs of dark modules, row by row, as segno writes them ("h7" = 7 dark)
    inline = qr.svg(url, inline=True).decode()
    assert inline.startswith("<svg") and f'viewBox="0 0 {len(modules)} {len(modules)}"' in inline
    dark_in_svg = sum(int(n) for n in re.findall(r"h(\d+)", inline.split('class="qrline"')[1]))
    assert dark_in_svg == sum(sum(row) for row in modules)
    assert "style" not in inline  # nothing the office's CSP would block


@pytest.mark.parametrize("url", ["/?source=hoiphunu", "t.me/bot", "ftp://x.vn/a", ""])
def test_no_qr_code_is_made_of_an_address_that_leads_nowhere_from_a_phone(url: str) -> None:
    with pytest.raises(qr.NotAbsolute):
        qr.png(url)
    with pytest.raises(qr.NotAbsolute):
        qr.svg(url)


# --- the poster -------------------------------------------------------------------------------

SOURCE = {
    "code": "hoiphunu",
    "name": "<script>alert('name')</script>",
    "organisation": 'Hội Phụ nữ <img src=x onerror="alert(1)">',
}


def printable_links() -> list[SourceLink]:
    return [
        SourceLink("web", "Web", PUBLIC + "/?source=hoiphunu", None),
        SourceLink("telegram", "Telegram", None, "none"),
        SourceLink("zalo", "Zalo", "https://zalo.me/123", "note"),
    ]


def test_the_poster_carries_the_message_the_qr_codes_and_the_programmes_site(
    content: Content,
) -> None:
    html = poster_html(content, SOURCE, printable_links())
    assert "Tên miền .vn miễn phí 2 năm" in html
    assert "từ đủ 18 đến 23 tuổi" in html
    assert "hiendienonline.tenmien.vn" in html
    assert "chat.kienan.example.vn/?source=hoiphunu" in html  # typed by who cannot scan
    assert html.count("<svg") == 2  # the web chat's (large) and Zalo's; Telegram has no link
    assert qr.svg(PUBLIC + "/?source=hoiphunu", inline=True).decode() in html
    assert 'data-channel="web"' in html.split('class="poster-others"')[0]
    assert '<link rel="stylesheet" href="/office/static/poster.css">' in html
    assert "Phòng Văn hóa – Xã hội phường Kiến An" in html


def test_the_poster_escapes_the_sources_name_and_organisation(content: Content) -> None:
    html = poster_html(content, SOURCE, printable_links())
    assert "<script" not in html
    assert "<img" not in html
    assert "&lt;script&gt;alert(&#39;name&#39;)&lt;/script&gt;" in html  # in the title
    assert "Hội Phụ nữ &lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in html
    assert "style=" not in html  # the CSP allows no inline style


def test_no_poster_without_a_link_a_phone_can_open(content: Content) -> None:
    relative = [SourceLink("web", "Web", "/?source=hoiphunu", "note")]
    with pytest.raises(NoPrintableLink):
        poster_html(content, SOURCE, relative)
    assert "HIENDIEN_PUBLIC_URL" in content.render("vi", "sources.poster_no_link")


def test_the_poster_speaks_english_too(content: Content) -> None:
    html = poster_html(content, SOURCE, printable_links(), lang="en")
    assert 'lang="en"' in html
    assert "A free .vn domain for 2 years" in html


# --- organisations ------------------------------------------------------------------------------


def test_an_organisation_typed_plainly_takes_the_wards_spelling(content: Content) -> None:
    assert "Hội Phụ nữ" in content.ward.source_organisations
    assert organisation(content, "  hoi phu nu ") == "Hội Phụ nữ"
    assert organisation(content, "PHONG VAN HOA XA HOI PHUONG") == "Phòng Văn hóa – Xã hội phường"
    assert organisation(content, " Câu lạc bộ  dưỡng sinh ") == "Câu lạc bộ dưỡng sinh"
