"""How the log is written: text (the default) or one JSON object per line
(``HIENDIEN_LOG_FORMAT=json``, for a log collector), both with timestamps in Vietnam's time
and its zone written out (``2026-11-30T09:15:02.123+07:00``), whatever the server's zone.

May import: bot.clock (the zone) and the standard library.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Any

from bot.clock import VIETNAM

TEXT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# What every LogRecord has; anything else on a record was passed with ``extra=`` and is kept.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


def vietnam_time(record: logging.LogRecord) -> str:
    moment = datetime.fromtimestamp(record.created, VIETNAM)
    return moment.isoformat(timespec="milliseconds")


class TextFormatter(logging.Formatter):
    """``2026-11-30T09:15:02.123+07:00 INFO bot.app: …`` (and the traceback, if any)."""

    def __init__(self) -> None:
        super().__init__(TEXT)

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return vietnam_time(record)


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, the traceback as ``exception``
    and whatever was passed with ``extra=``."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": vietnam_time(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in entry:
                entry[key] = value
        return json.dumps(entry, ensure_ascii=False, default=str)


def handler(kind: str) -> logging.Handler:
    """A handler to standard error writing the log as ``kind`` says: "text" or "json"."""
    out = logging.StreamHandler()
    out.setFormatter(JsonFormatter() if kind == "json" else TextFormatter())
    return out
