"""``hiendien leads export``: the leads the community digital teams follow up, as XLSX or CSV
(Vietnamese headers and values; ``--lang en`` for English), on standard output or in a
file, narrowed by status, team and dates if asked. Every export is written to the audit log
(who: "cli").

May import: bot.cli.common, bot.export, db, handlers.
"""

from __future__ import annotations

import dataclasses
import sys
from datetime import date, datetime
from pathlib import Path

from bot.channels.base import Registry, Subcommands
from bot.cli.common import Command, Fail, content, store
from db import team
from db.followup import ALL_STATUSES, Filters
from handlers.content import Content

DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d")


def add(commands: Subcommands, channels: Registry) -> None:
    leads = commands.add_parser(
        "leads", help="yêu cầu hỗ trợ các tổ công nghệ số theo dõi (the teams' leads)"
    )
    leads_sub = leads.add_subparsers(dest="leads_command", required=True)
    export = leads_sub.add_parser(
        "export", help="xuất danh sách yêu cầu ra XLSX hoặc CSV (export leads)"
    )
    export.add_argument(
        "--format",
        choices=("xlsx", "csv"),
        default="csv",
        help="định dạng tệp (mặc định: csv)",
    )
    export.add_argument("--output", type=Path, help="tệp cần ghi (mặc định: đầu ra chuẩn)")
    export.add_argument("--status", choices=ALL_STATUSES, help="chỉ các yêu cầu có trạng thái này")
    export.add_argument("--team", help='chỉ các yêu cầu của tổ này, ví dụ "Tổ công nghệ số 1"')
    export.add_argument("--from", dest="start", help="tạo từ ngày (ngày/tháng/năm, giờ Việt Nam)")
    export.add_argument("--to", dest="end", help="tạo đến hết ngày (ngày/tháng/năm)")
    export.add_argument(
        "--lang", choices=("vi", "en"), default="vi", help="ngôn ngữ của tệp (mặc định: vi)"
    )
    export.set_defaults(handler=export_leads)


def _day(words: Content, lang: str, value: str | None) -> date | None:
    if not value:
        return None
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(value.strip(), pattern).date()
        except ValueError:
            continue
    raise Fail(words.render(lang, "export.cli.bad_date", value=value))


def export_leads(cmd: Command) -> int:
    from bot.export import export

    args = cmd.args
    words = content(cmd.settings)
    lang = args.lang
    start, end = _day(words, lang, args.start), _day(words, lang, args.end)
    if start and end and start > end:
        raise Fail(words.render(lang, "export.cli.bad_range", start=args.start, end=args.end))
    filters = Filters(status=args.status, created_from=start, created_to=end)
    where = str(args.output) if args.output else words.render(lang, "export.cli.stdout")
    try:
        with store(cmd.settings) as db, db.transaction() as tx:
            if args.team:
                found = team.team_by_name(tx, args.team)
                team_id = found["id"] if found else None
                if team_id is None:
                    raise Fail(words.render(lang, "export.cli.no_team", name=args.team))
                filters = dataclasses.replace(filters, team_id=team_id)
            if args.output:
                with open(args.output, "wb") as out:
                    count = export(tx, args.format, out, words, lang=lang, filters=filters)
            else:
                count = export(
                    tx, args.format, sys.stdout.buffer, words, lang=lang, filters=filters
                )
                sys.stdout.buffer.flush()
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise Fail(
            words.render(lang, "export.cli.cannot_write", where=where, reason=reason)
        ) from exc
    if args.output:
        print(
            words.render(lang, "export.cli.written", count=count, path=args.output), file=sys.stderr
        )
    return 0
