"""TELEGRAM_BASE_URL (issue 14, D4): a Bot API server's address is accepted with or without
the trailing ``/bot`` and with or without a trailing slash — the token is never glued to
the port. Read from the environment as ``hiendien run`` reads it, and used against the Bot
API stand-in on loopback."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from bot.channels.telegram.channel import TelegramChannel
from bot.channels.telegram.settings import TelegramSettings
from bot.settings import Settings, read
from tests.support.telegram_standin import BotApiStandIn

FORMS = ["{root}", "{root}/", "{root}/bot", "{root}/bot/", "  {root}/bot  "]


@pytest.mark.parametrize("form", FORMS)
def test_every_form_of_the_address_becomes_one(form: str) -> None:
    given = form.format(root="http://127.0.0.1:8081")
    assert TelegramSettings(base_url=given).base_url == "http://127.0.0.1:8081/bot"


def test_from_the_environment_and_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BASE_URL", "https://tg.example.vn/api/")
    assert read(TelegramSettings).base_url == "https://tg.example.vn/api/bot"
    monkeypatch.setenv("TELEGRAM_BASE_URL", "")
    assert read(TelegramSettings).base_url == "https://api.telegram.org/bot"
    monkeypatch.delenv("TELEGRAM_BASE_URL")
    assert read(TelegramSettings).base_url == "https://api.telegram.org/bot"


@pytest.fixture
async def api() -> AsyncIterator[BotApiStandIn]:
    async with BotApiStandIn(token="42:BASEURL", bot_username="kienan_base_bot") as stand_in:
        yield stand_in


@pytest.mark.parametrize("form", ["{root}", "{root}/", "{root}/bot/"])
async def test_the_bot_api_is_reached_whichever_form_is_given(
    api: BotApiStandIn, form: str
) -> None:
    given = form.format(root=api.base_url.removesuffix("/bot"))
    config = Settings.defaults().given(TelegramSettings(bot_token=api.token, base_url=given))
    link = await asyncio.to_thread(TelegramChannel.source_link, config, "loa")
    assert link == "https://t.me/kienan_base_bot?start=loa"
    assert len(api.calls_to("getMe")) == 1
