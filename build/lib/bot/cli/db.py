"""``hiendien db upgrade``: create the database or migrate it to the latest schema.

May import: bot.cli.common, db.
"""

from __future__ import annotations

import sys

from bot.channels.base import Registry, Subcommands
from bot.cli.common import Command, upgrade


def add(commands: Subcommands, channels: Registry) -> None:
    dbp = commands.add_parser("db", help="database maintenance")
    db_sub = dbp.add_subparsers(dest="db_command", required=True)
    upgrade = db_sub.add_parser(
        "upgrade", help="create or migrate the database to the latest schema"
    )
    upgrade.set_defaults(handler=run_upgrade)


def run_upgrade(cmd: Command) -> int:
    upgrade(cmd.settings)
    print("database is up to date", file=sys.stderr)
    return 0
