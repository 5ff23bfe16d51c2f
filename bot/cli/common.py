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
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.engine import make_url
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
    """Create the database or migrate it to the latest schema; its URL. Whatever stops it is
    one line naming HIENDIEN_DATABASE_URL (or the SQLite file's folder) and the fix."""
    url = settings.hiendien_database_url
    memory = in_memory(url)
    if memory:
        raise Fail(
            f"Lỗi: HIENDIEN_DATABASE_URL={memory} là SQLite trong bộ nhớ: mỗi kết nối có một "
            "cơ sở dữ liệu riêng, các bảng vừa tạo không còn — sửa: dùng một tệp, ví dụ "
            "sqlite:///./data/hiendien.db (hoặc postgresql://…)"
        )
    try:
        migrate.upgrade(url)
    except (ArgumentError, OperationalError, OSError) as exc:  # a wrong URL, nobody answers
        reason = " ".join(str(getattr(exc, "orig", None) or exc).split())
        raise Fail(f"Lỗi: HIENDIEN_DATABASE_URL: {reason} — sửa: {_database_fix(url)}") from exc
    return url


def in_memory(url: str) -> str | None:
    """The URL as shown if it is an in-memory SQLite database (each connection its own)."""
    try:
        u = make_url(url)
    except ArgumentError:
        return None
    if u.get_backend_name() != "sqlite":
        return None
    memory = u.database in (None, "", ":memory:") or u.query.get("mode") == "memory"
    return url if memory else None


def _database_fix(url: str) -> str:
    try:
        u = make_url(url)
    except ArgumentError:
        return "viết URL dạng sqlite:///./data/hiendien.db hoặc postgresql://user@host:5432/tên"
    if u.get_backend_name() == "sqlite":
        folder = Path(u.database or ".").resolve().parent
        return (
            f"thư mục {folder} phải tồn tại (hoặc tạo được) và người chạy hiendien phải ghi "
            "được vào nó và vào tệp cơ sở dữ liệu (chmod/chown), còn chỗ trống trên đĩa"
        )
    return (
        f"kiểm tra máy chủ {u.host or 'localhost'}:{u.port or 5432} đang chạy và nhận kết nối, "
        f"cơ sở dữ liệu «{u.database}» đã được tạo (createdb) và tài khoản có quyền"
    )


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
