"""The settings: the service's own and each channel's block read the environment variables
.env.example lists — all of them, and no others."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.channels.registry import CHANNELS
from bot.channels.telegram.settings import TelegramSettings
from bot.settings import SettingError, Settings, read
from tests.support import ROOT


def names(kind: type) -> set[str]:
    prefix = kind.model_config.get("env_prefix", "")
    return {(prefix + field).upper() for field in kind.model_fields}


def test_env_example_lists_every_setting_of_the_service_and_its_channels() -> None:
    listed = set(re.findall(r"^([A-Z][A-Z0-9_]*)=", (ROOT / ".env.example").read_text(), re.M))
    read_ = names(Settings).union(*(names(c.settings_block) for c in CHANNELS))
    assert listed == read_


def test_a_channel_block_reads_its_variables_from_the_environment_and_dotenv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.delenv("TELEGRAM_LEADS_CHAT_ID", raising=False)
    (tmp_path / ".env").write_text("TELEGRAM_BOT_TOKEN=1:FROM_FILE\nHIENDIEN_PORT=9000\n")
    monkeypatch.setenv("TELEGRAM_LEADS_CHAT_ID", "-100")
    settings = Settings()
    assert settings.hiendien_port == 9000
    block = settings.block(TelegramSettings)
    assert (block.bot_token, block.leads_chat_id) == ("1:FROM_FILE", "-100")
    assert settings.block(TelegramSettings) is block  # read once
    assert Settings.defaults().block(TelegramSettings).bot_token is None  # nothing read


def test_a_value_that_does_not_fit_names_its_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_MAX_PER_SECOND", "fast")
    with pytest.raises(SettingError, match=r"^TELEGRAM_MAX_PER_SECOND: "):
        Settings().block(TelegramSettings)
    monkeypatch.setenv("HIENDIEN_PORT", "eighty")
    with pytest.raises(SettingError, match=r"^HIENDIEN_PORT: "):
        read(Settings)
