"""``hiendien db upgrade``: create the database or migrate it to the latest schema (said in
Vietnamese, for ward staff).

May import: bot.cli.common, db.
"""

from __future__ import annotations

import sys

from bot.channels.base import Registry, Subcommands
from bot.cli.common import Command, upgrade


def add(commands: Subcommands, channels: Registry) -> None:
    dbp = commands.add_parser("db", help="bảo trì cơ sở dữ liệu")
    db_sub = dbp.add_subparsers(dest="db_command", required=True)
    upgrade = db_sub.add_parser(
        "upgrade", help="tạo cơ sở dữ liệu, hoặc nâng cấp lên cấu trúc mới nhất"
    )
    upgrade.set_defaults(handler=run_upgrade)


def run_upgrade(cmd: Command) -> int:
    upgrade(cmd.settings)
    print("Cơ sở dữ liệu đã ở phiên bản mới nhất.", file=sys.stderr)
    return 0
