"""``hiendien leads export``: the leads the community digital team follows up, as CSV or XLSX,
on standard output or in a file.

May import: bot.cli.common, bot.export, db.
"""

from __future__ import annotations

import sys
from pathlib import Path

from bot.channels.base import Registry, Subcommands
from bot.cli.common import Command, Fail, store
from db import exports


def add(commands: Subcommands, channels: Registry) -> None:
    leads = commands.add_parser("leads", help="the leads the community digital team follows up")
    leads_sub = leads.add_subparsers(dest="leads_command", required=True)
    export = leads_sub.add_parser("export", help="export leads as CSV or XLSX")
    export.add_argument(
        "--format", choices=("csv", "xlsx"), default="csv", help="the file's format (default: csv)"
    )
    export.add_argument("--output", type=Path, help="file to write (default: standard output)")
    export.set_defaults(handler=export_leads)


def export_leads(cmd: Command) -> int:
    from bot.export import write_csv, write_xlsx

    args = cmd.args
    try:
        with store(cmd.settings) as db, db.transaction() as tx:
            leads = exports.leads_for_export(tx)
            if args.format == "xlsx":
                if args.output:
                    with open(args.output, "wb") as out:
                        count = write_xlsx(leads, out)
                else:
                    count = write_xlsx(leads, sys.stdout.buffer)
            elif args.output:
                with open(args.output, "w", encoding="utf-8-sig", newline="") as f:
                    count = write_csv(leads, f)
            else:
                count = write_csv(leads, sys.stdout)
    except OSError as exc:
        where = args.output or "standard output"
        raise Fail(f"cannot write {where}: {exc.strerror or exc}") from exc
    if args.output:
        print(f"{count} leads written to {args.output}", file=sys.stderr)
    return 0
