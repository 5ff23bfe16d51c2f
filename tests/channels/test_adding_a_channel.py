"""Adding a channel is one package, its settings block and one line in the registry: the
pigeon channel (tests/support/pigeon/), registered here the way bot/channels/registry.py lists
the real ones, is served, reported, notified, broadcast to and commanded by the same code that
serves Telegram and Zalo — nothing in bot/ names it."""

from __future__ import annotations

import ast
import os
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.app import CHANNELS_KEY, SCHEDULER_KEY, build_app
from bot.channels import registry
from bot.channels.registry import writing_first
from bot.channels.telegram.settings import TelegramSettings
from bot.cli.main import main
from bot.settings import Settings, get_settings
from db import campaigns
from db.models import Subscriber
from db.store import Store
from handlers.content import Content
from tests.support import ROOT, TODAY
from tests.support.conversations import LEAD_DIALOGUE
from tests.support.pigeon.channel import LOFTS, PigeonChannel
from tests.support.pigeon.settings import PigeonSettings
from tests.support.records import invite, rows
from tests.support.serving import serve
from tests.support.telegram_chat import GROUP, say
from tests.support.telegram_standin import BotApiStandIn

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::UserWarning")

CHANNELS = (
    *registry.CHANNELS,
    PigeonChannel,
)


@asynccontextmanager
async def pigeons(
    store: Store, content: Content, *blocks: Any, weather: str = "fair"
) -> AsyncIterator[tuple[str, Any, list[tuple[str, str]]]]:
    """hiendien's app with the pigeon channel (and ``blocks``), served on loopback: its URL,
    the app and the loft the birds fly to."""
    loft = f"loft-{id(blocks)}-{weather}"
    settings = Settings.defaults().given(PigeonSettings(loft=loft, weather=weather), *blocks)
    app = build_app(
        store,
        content,
        lambda: TODAY,
        settings=settings,
        channels=CHANNELS,
        options={"telegram": {"private_per_second": 1000}},
    )
    async with serve(app) as url:
        yield url, app, LOFTS.setdefault(loft, [])
    LOFTS.pop(loft, None)


async def note(http: aiohttp.ClientSession, url: str, bird: str, text: str) -> None:
    async with http.post(url + "/webhooks/pigeon", json={"from": bird, "text": text}) as r:
        assert r.status == 200


def to(loft: list[tuple[str, str]], bird: str) -> list[str]:
    return [text for who, text in loft if who == bird]


async def test_its_webhook_is_served_and_its_replies_fit_what_it_can_show(
    sqlite_store: Store, content: Content
) -> None:
    async with pigeons(sqlite_store, content) as (url, app, loft), aiohttp.ClientSession() as http:
        assert set(app[CHANNELS_KEY]) == {"web", "pigeon"}  # configured ones only
        await note(http, url, "7", "/start")
        greeting = "\n".join(to(loft, "7"))
        assert "Xin chào" in greeting and "1. Cá nhân" in greeting  # no buttons: numbered
        await note(http, url, "7", "1")
        assert "Bạn sinh ngày nào" in to(loft, "7")[-1]


async def test_an_unconfigured_channel_is_not_served(sqlite_store: Store, content: Content) -> None:
    app = build_app(sqlite_store, content, lambda: TODAY, channels=CHANNELS)
    async with serve(app) as url, aiohttp.ClientSession() as http:
        async with http.post(url + "/webhooks/pigeon", json={"from": "7"}) as r:
            assert r.status == 404
        async with http.get(url + "/healthz") as r:
            assert "pigeon" not in (await r.json())["channels"]


@pytest.mark.parametrize(
    ("weather", "code", "status", "pigeon"),
    [
        ("fair", 200, "ok", {"status": "ok"}),
        ("storm", 503, "degraded", {"status": "degraded", "why": "a storm: the birds stay in"}),
    ],
)
async def test_its_health_is_on_healthz(
    sqlite_store: Store,
    content: Content,
    weather: str,
    code: int,
    status: str,
    pigeon: dict[str, str],
) -> None:
    async with (
        pigeons(sqlite_store, content, weather=weather) as (url, _app, _loft),
        aiohttp.ClientSession() as http,
        http.get(url + "/healthz") as r,
    ):
        assert r.status == code
        health = await r.json()
        assert health["status"] == status and health["database"] == "ok"
        assert health["channels"]["pigeon"] == pigeon


async def test_a_resident_hears_by_pigeon_when_the_team_takes_the_request(
    sqlite_store: Store, content: Content
) -> None:
    """The team works on Telegram; the notice leaves through the real outbox dispatcher and
    the pigeon's sender, because the registry says pigeons may write first."""
    async with BotApiStandIn(token="123:PIGEON") as api:
        telegram = TelegramSettings(
            bot_token=api.token, base_url=api.base_url, leads_chat_id=str(GROUP)
        )
        async with (
            pigeons(sqlite_store, content, telegram) as (url, _app, loft),
            aiohttp.ClientSession() as http,
        ):
            await say(api, 601, f"/staff {invite(sqlite_store)}")
            for text in LEAD_DIALOGUE:
                await note(http, url, "7", text)
            await api.wait_sent(1, chat_id=GROUP)
            message, data = api.button(GROUP, "Nhận hỗ trợ")
            api.push(api.callback(601, data, message, chat_id=GROUP))
            await api.wait_for(lambda: any("đã nhận hỗ trợ" in t for t in to(loft, "7")))
    assert "pigeon" in writing_first(CHANNELS)


async def test_a_campaign_reaches_its_subscribers_through_the_campaign_sender(
    sqlite_store: Store, content: Content
) -> None:
    async with pigeons(sqlite_store, content) as (url, app, loft), aiohttp.ClientSession() as http:
        for bird in ("11", "12"):
            for text in ("/start", "/nhantin", "đồng ý"):  # offered: pigeons may write first
                await note(http, url, bird, text)
        assert {s["channel"] for s in rows(sqlite_store, Subscriber)} == {"pigeon"}
        with sqlite_store.transaction() as tx:
            campaign_id = campaigns.create(
                tx,
                text="Tin chương trình",
                button_title="Đăng ký",
                button_url="https://hiendienonline.tenmien.vn",
                segment="all",
                status="scheduled",
                quiet_hours=False,
            )
        await app[SCHEDULER_KEY].run(campaign_id)
        news = "Tin chương trình\nĐăng ký: https://hiendienonline.tenmien.vn"
        assert to(loft, "11")[-1] == news and to(loft, "12")[-1] == news
    with sqlite_store.transaction() as tx:
        assert campaigns.figures(tx, campaign_id)["sent"] == 2


# --- its command line --------------------------------------------------------------------


@pytest.fixture
def environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """``hiendien`` in this process, in an empty folder, with only the settings a test sets."""
    for name in list(os.environ):
        if name.startswith(("HIENDIEN_", "TELEGRAM_", "ZALO_", "PIGEON_")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HIENDIEN_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def hiendien(*args: str) -> int:
    return main(list(args), channels=CHANNELS)


def test_its_command_group_is_on_the_command_line(
    environment: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        hiendien("--help")
    assert "pigeon" in capsys.readouterr().out
    assert hiendien("pigeon", "check") == 2
    assert capsys.readouterr().err == "hiendien: set PIGEON_LOFT first\n"
    monkeypatch.setenv("PIGEON_LOFT", "roof")  # its settings block reads its own variables
    get_settings.cache_clear()
    assert hiendien("pigeon", "check", "--birds", "3") == 0
    assert capsys.readouterr().out == "loft roof: 3 bird(s) ready, weather fair\n"


def test_staff_invites_and_broadcast_tests_know_it(
    environment: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert hiendien("staff", "invite", "--team", "Tổ 1") == 0
    out = capsys.readouterr().out
    code = out.split(": ")[1].split()[0]
    assert f"Pigeon: tie {code} to a bird's leg" in out
    (environment / "tin.txt").write_text("Tin chương trình", encoding="utf-8")
    assert hiendien("broadcast", "create", "--text-file", "tin.txt") == 0
    capsys.readouterr()
    assert hiendien("broadcast", "test", "1", "--to", "pigeon:5") == 2
    assert capsys.readouterr().err == "hiendien: cần đặt PIGEON_LOFT trước\n"
    monkeypatch.setenv("PIGEON_LOFT", "cli-loft")
    get_settings.cache_clear()
    assert hiendien("broadcast", "test", "1", "--to", "pigeon:5") == 0
    assert "tới Pigeon 5." in capsys.readouterr().out
    assert LOFTS.pop("cli-loft") == [("5", "Tin chương trình")]
    assert hiendien("broadcast", "test", "1", "--to", "owl:5") == 2
    err = capsys.readouterr().err
    assert "hãy ghi mã cuộc trò chuyện Telegram hoặc zalo:USER_ID hoặc pigeon:BIRD" in err
    monkeypatch.setenv("PIGEON_WEATHER", "storm")
    get_settings.cache_clear()
    assert hiendien("broadcast", "test", "1", "--to", "pigeon:5") == 1
    assert capsys.readouterr().err == "hiendien: chưa gửi được tới Pigeon 5: storm\n"


def test_campaigns_are_no_longer_than_the_tightest_channel_allows(
    environment: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (environment / "long.txt").write_text("x" * 501, encoding="utf-8")
    assert hiendien("broadcast", "create", "--text-file", "long.txt") == 2
    assert "501 ký tự; Pigeon chỉ nhận tối đa 500 ký tự" in capsys.readouterr().err


def test_no_module_outside_the_channel_packages_names_a_channel() -> None:
    """The app, the command line, /healthz, the outbox and campaigns know channels only
    through the registry: no string in their code is a channel's name."""
    root = ROOT / "bot"
    packages = {c.__module__.split(".")[2] for c in registry.CHANNELS}
    names = {c.name for c in registry.CHANNELS}
    found = []
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root).parts
        if parts[0] == "channels" and (parts[1] in packages or parts[1] == "registry.py"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and node.value in names:
                found.append(f"{'/'.join(parts)}:{node.lineno}: {node.value!r}")
    assert found == []
