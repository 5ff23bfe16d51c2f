"""The log's two forms (bot.logs): text and JSON lines, both stamped in Vietnam's time with
the zone written out, whatever the server's zone; the traceback and ``extra=`` fields kept;
HIENDIEN_LOG_FORMAT read and checked."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

import pytest

from bot.logs import JsonFormatter, TextFormatter, handler
from bot.settings import SettingError, Settings, read

AT = datetime(2026, 11, 29, 17, 30, 5, 250_000, tzinfo=UTC)  # 00:30:05.250 on 30/11 in Vietnam


def record(
    message: str = "đã gửi %d thông báo", *args: object, **extra: object
) -> logging.LogRecord:
    try:
        raise ValueError("hỏng")
    except ValueError:
        exc = sys.exc_info()
    made = logging.LogRecord("bot.outbox", logging.WARNING, __file__, 1, message, args, exc)
    made.created = AT.timestamp()
    made.__dict__.update(extra)
    return made


def test_text_lines_carry_vietnam_time_and_zone() -> None:
    line = TextFormatter().format(record("đã gửi %d thông báo", 3))
    first = line.splitlines()[0]
    assert first == "2026-11-30T00:30:05.250+07:00 WARNING bot.outbox: đã gửi 3 thông báo"
    assert "ValueError: hỏng" in line


def test_json_lines_are_one_object_each_with_the_zone() -> None:
    line = JsonFormatter().format(record("đã gửi %d thông báo", 3, request_id="abc123"))
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["time"] == "2026-11-30T00:30:05.250+07:00"
    assert datetime.fromisoformat(entry["time"]) == AT
    assert entry["level"] == "WARNING" and entry["logger"] == "bot.outbox"
    assert entry["message"] == "đã gửi 3 thông báo" and "thông báo" in line  # not \\u-escaped
    assert "ValueError: hỏng" in entry["exception"]
    assert entry["request_id"] == "abc123"


def test_the_setting_chooses_the_form(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HIENDIEN_LOG_FORMAT", "json")
    chosen = read(Settings).hiendien_log_format
    assert isinstance(handler(chosen).formatter, JsonFormatter)
    assert isinstance(handler("text").formatter, TextFormatter)
    monkeypatch.setenv("HIENDIEN_LOG_FORMAT", "xml")
    with pytest.raises(SettingError, match="HIENDIEN_LOG_FORMAT"):
        read(Settings)
