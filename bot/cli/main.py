"""``hiendien``'s entry point (the console script, and ``python -m bot``): the parser, built
from the command groups and the channels' own groups, and :func:`main`, which reads the
settings, runs the chosen command's handler and turns bad input into one line on stderr
and exit code 2 (``hiendien --debug …`` prints the traceback above it). Ward staff read
Vietnamese: the description and help are Vietnamese
(argparse's own "usage:", "error" wording stays as argparse writes it).

May import: every bot.cli module, bot.channels.registry, bot.settings.
"""

from __future__ import annotations

import argparse
import logging
import sys
import traceback
from collections.abc import Callable
from typing import NoReturn

from bot import logs
from bot.channels.base import Registry, Subcommands
from bot.channels.registry import CHANNELS
from bot.cli import (
    backup,
    broadcast,
    chat,
    db,
    doctor,
    leads,
    office,
    registrations,
    registry,
    report,
    run,
    sources,
    staff,
    training,
)
from bot.cli.common import USAGE_ERROR, Command, Fail
from bot.settings import SettingError, Settings, get_settings


def channel_groups(commands: Subcommands, channels: Registry) -> None:
    """The command groups each channel brings (``hiendien zalo …``)."""
    for channel in channels:
        channel.add_commands(commands)


# The command groups, in the order ``hiendien --help`` lists them: each adds its commands
# (and may read the registry). A new group (office, registry, report, training) is a module
# in bot/cli/ with an ``add`` and a line here.
GROUPS: tuple[Callable[[Subcommands, Registry], None], ...] = (
    run.add,
    chat.add,
    leads.add,
    staff.add,
    office.add,
    sources.add,
    registry.add,
    report.add,
    registrations.add,
    training.add,
    channel_groups,
    broadcast.add,
    db.add,
    backup.add,
    doctor.add,
)


class Parser(argparse.ArgumentParser):
    """Bad input is one line on stderr and exit code 2 (argparse's usage block is left to
    ``--help``)."""

    def error(self, message: str) -> NoReturn:
        self.exit(USAGE_ERROR, f"{self.prog}: {message} (xem {self.prog} --help)\n")


def parser(channels: Registry = CHANNELS) -> argparse.ArgumentParser:
    p = Parser(
        prog="hiendien",
        description="Trợ lý tên miền .vn của phường: giúp người dân đăng ký tên miền "
        "id.vn/biz.vn miễn phí",
    )
    p.add_argument(
        "--debug", action="store_true", help="khi lỗi, in cả traceback (cho người vận hành)"
    )
    commands = p.add_subparsers(dest="command", required=True)  # of this class too
    for add in GROUPS:
        add(commands, channels)
    return p


def main(argv: list[str] | None = None, channels: Registry = CHANNELS) -> int:
    args = parser(channels).parse_args(argv)
    try:
        settings = get_settings()
        _logging(settings)
        return int(args.handler(Command(args, settings, channels)))
    except Fail as exc:
        return _fail(str(exc), exc if args.debug else None)
    except SettingError as exc:  # a setting with a value that cannot be read
        fix = "sửa: đặt lại biến đó trong môi trường hoặc tệp .env (xem .env.example)"
        return _fail(f"Lỗi: {exc} — {fix}", exc if args.debug else None)


def _logging(settings: Settings) -> None:
    logging.basicConfig(
        level=settings.hiendien_log_level.upper(),
        handlers=[logs.handler(settings.hiendien_log_format)],  # Vietnam's time, text or JSON
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)


def _fail(message: str, debug: BaseException | None = None) -> int:
    """One line on stderr (with ``--debug``, the traceback of what caused it first)."""
    if debug is not None:
        traceback.print_exception(debug, file=sys.stderr)
    print(f"hiendien: {' '.join(message.split())}", file=sys.stderr)
    return USAGE_ERROR
