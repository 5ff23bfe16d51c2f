"""``hiendien registry import FILE [--dry-run]`` and ``hiendien registry proposal --output
FILE.xlsx [--on DATE]``: the business list from Phòng Kinh tế, Hạ tầng và Đô thị (XLSX or
CSV) into the registry — every row accepted, updated, unchanged or refused with its row
number and reason, all written in one transaction or nothing —, and the proposal list of
businesses eligible on a day and not yet on biz.vn. Messages in Vietnamese
(content/vi/registry.yaml); the import and the export go to the audit log as done by "cli".

May import: bot.cli.common, bot.registry, bot.clock, db, handlers.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy.exc import IntegrityError

from bot.channels.base import Registry, Subcommands
from bot.cli.common import Command, Fail, content, store
from bot.clock import today_in_vietnam
from bot.registry import bad_file_words, summary_lines, write_proposal
from db.registry_import import BadFile, import_table, read_table
from handlers.content import Content, vn_date
from handlers.dates import DateProblem, parse_founding

LANG = "vi"  # ward staff read Vietnamese
ACTOR = "cli"


def add(commands: Subcommands, channels: Registry) -> None:
    group = commands.add_parser(
        "registry",
        help="danh sách doanh nghiệp, hộ kinh doanh của phường (the business registry)",
    )
    sub = group.add_subparsers(dest="registry_command", required=True)
    imported = sub.add_parser(
        "import", help="nhập danh sách của Phòng Kinh tế, Hạ tầng và Đô thị (XLSX hoặc CSV)"
    )
    imported.add_argument("file", type=Path, help="tệp .xlsx hoặc .csv (UTF-8)")
    imported.add_argument(
        "--dry-run", action="store_true", help="chạy thử: chỉ báo kết quả, không ghi gì"
    )
    imported.set_defaults(handler=run_import)
    proposal = sub.add_parser(
        "proposal",
        help="danh sách đề xuất tham gia Chương trình: đủ điều kiện, chưa đăng ký biz.vn (XLSX)",
    )
    proposal.add_argument("--output", type=Path, required=True, help="tệp .xlsx ghi ra")
    proposal.add_argument("--on", help="tính đến ngày (ngày/tháng/năm; mặc định: hôm nay)")
    proposal.set_defaults(handler=run_proposal)


def _say(words: Content, key: str, **params: object) -> str:
    return words.render(LANG, "registry.cli." + key, **params)


def run_import(cmd: Command) -> int:
    args, words = cmd.args, content(cmd.settings)
    path: Path = args.file
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise Fail(_say(words, "cannot_read", path=path, why=exc.strerror or exc)) from exc
    today = today_in_vietnam()
    try:
        table = read_table(data, path.name)
        with store(cmd.settings) as db, db.transaction() as tx:
            result = import_table(
                tx,
                table,
                today=today,
                areas=words.ward.areas,
                dry_run=args.dry_run,
                actor=ACTOR,
            )
    except BadFile as exc:
        raise Fail(bad_file_words(words, LANG, exc)) from exc
    except IntegrityError as exc:  # another import added the same tax code meanwhile
        raise Fail(bad_file_words(words, LANG, BadFile("conflict"))) from exc
    if args.dry_run:
        print(_say(words, "dry_run"))
    for line in summary_lines(words, LANG, result):
        print(line)
    if not args.dry_run:
        print(_say(words, "done"))
    return 0


def _day(words: Content, value: str | None) -> date:
    """--on: a full date (25/11/2026, 2026-11-25), past or future; today when not given."""
    today = today_in_vietnam()
    if not value:
        return today
    found = parse_founding(value, date(today.year + 10, 12, 31))  # a later day is allowed
    if isinstance(found, DateProblem) or not found.exact:
        raise Fail(_say(words, "bad_date", value=value))
    return found.first


def run_proposal(cmd: Command) -> int:
    args, words = cmd.args, content(cmd.settings)
    on = _day(words, args.on)
    try:
        with store(cmd.settings) as db, db.transaction() as tx, open(args.output, "wb") as out:
            count = write_proposal(tx, out, words, on, actor=ACTOR)
    except OSError as exc:
        raise Fail(_say(words, "cannot_write", path=args.output, why=exc.strerror or exc)) from exc
    print(_say(words, "proposal_written", count=count, on=vn_date(on), path=args.output))
    return 0
