"""``hiendien report quarterly``: the quarterly report of a team or of the ward, or the
programme's closing summary, as a Word document (.docx, the administrative form) or a
workbook (.xlsx, the same numbers by team and by source):

    hiendien report quarterly --quarter 2026Q4 --level team --team "Tổ công nghệ số 1" \
        --format docx --output to1.docx
    hiendien report quarterly --quarter 2026Q4 --level ward --format xlsx --output phuong.xlsx
    hiendien report quarterly --level final --format docx --output tongket.docx

``--level final`` is the báo cáo tổng kết of the whole programme (no ``--quarter``). The
file is written whole or not at all; the making of it goes to the audit log ("cli").
:func:`add_quarterly` adds the command to the ``report`` group's subcommands.

May import: bot.cli.common, bot.channels.base (types), bot.reports, db, handlers.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path
from typing import Any

from bot.cli.common import Command, Fail, content, day, store
from bot.clock import today_in_vietnam
from bot.reports import document, workbook
from bot.reports.data import LEVELS
from bot.reports.gather import gather
from db import audit
from db import team as teams
from handlers.quarters import Quarter

FORMATS = ("docx", "xlsx")
ACTOR = "cli"


def add_quarterly(sub: Any) -> None:
    """Add ``quarterly`` to the ``report`` group's subcommands."""
    q = sub.add_parser(
        "quarterly",
        help="báo cáo quý của một tổ hoặc của phường, hoặc báo cáo tổng kết (.docx, .xlsx)",
    )
    q.add_argument("--quarter", help="quý báo cáo, vd. 2026Q4 (không dùng với --level final)")
    q.add_argument(
        "--level",
        required=True,
        choices=LEVELS,
        help="team: báo cáo của một tổ; ward: báo cáo của phường; final: báo cáo tổng kết",
    )
    q.add_argument("--team", help='tên tổ (với --level team), vd. "Tổ công nghệ số cộng đồng số 1"')
    q.add_argument("--format", choices=FORMATS, help="docx hoặc xlsx (mặc định: theo đuôi tệp)")
    q.add_argument("--output", required=True, help="tệp sẽ ghi, vd. baocao-2026Q4.docx")
    q.add_argument(
        "--on",
        type=day,
        help="ngày của báo cáo, 05/12/2026 hoặc 2026-12-05 (mặc định: hôm nay): dòng ngày "
        "tháng, và số liệu tính đến ngày đó (không quá ngày cuối quý)",
    )
    q.set_defaults(handler=run_quarterly)


def _format(args: argparse.Namespace) -> str:
    if args.format:
        return str(args.format)
    suffix = Path(args.output).suffix.lower().lstrip(".")
    if suffix in FORMATS:
        return suffix
    raise Fail(
        "chưa rõ định dạng: thêm --format docx hoặc --format xlsx (hoặc đặt tên tệp .docx, .xlsx)"
    )


def _write(path: Path, data: bytes) -> None:
    """Write the whole file or nothing (a temporary file beside it, then renamed)."""
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise Fail(f"không có thư mục {folder} để ghi tệp")
    fd, tmp = tempfile.mkstemp(prefix=".hiendien-", suffix=path.suffix, dir=folder)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def run_quarterly(cmd: Command) -> int:
    args = cmd.args
    fmt = _format(args)
    quarter: Quarter | None = None
    if args.level == "final":
        if args.quarter:
            raise Fail("báo cáo tổng kết (--level final) là của cả Chương trình: bỏ --quarter")
    else:
        if not args.quarter:
            raise Fail("cần --quarter, vd. --quarter 2026Q4")
        quarter = Quarter.parse(args.quarter)
        if quarter is None:
            raise Fail(f"quý «{args.quarter}» chưa đúng: viết như 2026Q4 (năm, chữ Q, quý 1–4)")
    if args.level != "team" and args.team:
        raise Fail("--team chỉ dùng với --level team")
    words = content(cmd.settings)
    plan = words.plan
    today = args.on or today_in_vietnam()
    db = store(cmd.settings)
    try:
        with db.transaction() as tx:
            team_id = None
            if args.level == "team":
                if not args.team:
                    raise Fail('cần --team "tên tổ" với --level team')
                found = teams.team_by_name(tx, args.team)
                if found is None:
                    known = ", ".join(t["name"] for t in teams.teams(tx, include_archived=False))
                    raise Fail(f"không có tổ «{args.team}»; các tổ: {known or '(chưa có tổ nào)'}")
                team_id = found["id"]
            data = gather(
                tx, words, plan, level=args.level, quarter=quarter, today=today, team_id=team_id
            )
            made = (
                document.docx_bytes(data, words)
                if fmt == "docx"
                else workbook.xlsx_bytes(data, words)
            )
            _write(Path(args.output), made)
            audit.record(
                tx,
                "report_exported",
                ACTOR,
                target=f"report:{data.period}",
                detail={"level": args.level, "team": data.team, "format": fmt},
            )
    finally:
        db.close()
    print(f"Đã ghi {args.output} ({fmt}, {data.period}).")
    return 0
