"""What every command group uses: the :class:`Command` a handler gets, :class:`Fail` for bad
input or missing configuration (one line on stderr, exit code 2, never a traceback; in
Vietnamese, for ward staff), and opening content/ and the database the way every command
does (content checked, the database created or upgraded first).

May import: bot.settings, bot.channels.base (types only), db, handlers.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy.exc import ArgumentError, OperationalError

from bot.settings import Settings
from db import migrate
from db.store import Store
from handlers.content import Content, load_content
from handlers.yamlfile import ContentError

if TYPE_CHECKING:
    from bot.channels.base import Registry

USAGE_ERROR = 2
_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


class Fail(Exception):
    """Bad input or missing configuration: ``hiendien: <message>`` on stderr, exit code 2."""


@dataclass(frozen=True)
class Command:
    """What a handler gets: the parsed arguments, the settings, the channels of the registry."""

    args: argparse.Namespace
    settings: Settings
    channels: Registry


Handler = Callable[[Command], int]


def day(value: str) -> date:
    """A day on the command line: 25/11/2026 or 2026-11-25 (an argparse ``type``)."""
    m = _DMY.match(value.strip())
    try:
        if m:
            return date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
        return date.fromisoformat(value.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"ngày chưa đúng '{value}': viết 25/11/2026 hoặc 2026-11-25"
        ) from None


def content(settings: Settings) -> Content:
    try:
        return load_content(settings.hiendien_content_dir)
    except ContentError as exc:
        raise Fail(f"lỗi trong nội dung (content/): {exc}") from exc


def upgrade(settings: Settings) -> str:
    """Create the database or migrate it to the latest schema; its URL."""
    url = settings.hiendien_database_url
    try:
        migrate.upgrade(url)
    except (ArgumentError, OperationalError) as exc:  # a wrong URL, or nobody answers there
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise Fail(f"không dùng được cơ sở dữ liệu ở HIENDIEN_DATABASE_URL: {reason}") from exc
    return url


def store(settings: Settings) -> Store:
    """The database, created or upgraded to the latest schema first."""
    return Store(upgrade(settings))


def read_secret(prompt: str) -> str:
    """A secret typed (not echoed) or piped in: kept out of the shell's history, and a value
    starting with "-" (which a command line would take for an option) comes through."""
    if sys.stdin.isatty():
        import getpass

        return getpass.getpass(prompt).strip()
    return sys.stdin.readline().strip()
