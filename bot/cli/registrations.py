"""``hiendien registrations import FILE [--dry-run]`` and ``registrations verify [--all]
[--days N]``: registered domains — a registrar's or VNNIC's list reconciled with the leads
and the business registry (db.registrar_list), and each domain checked in the DNS
(bot.dns_check). Messages in Vietnamese, for ward staff; each run goes to the audit log as
done by "cli", with its counts.

May import: bot.cli.common, bot.channels.base (types), bot.clock, bot.dns_check, db,
handlers.
"""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

from bot import dns_check
from bot.channels.base import Registry, Subcommands
from bot.cli.common import Command, Fail, store
from bot.clock import today_in_vietnam
from db import audit, registrar_list, registrations
from db.models import utcnow
from db.registrar_list import Line, ListError

ACTOR = "cli"
RECHECK_DAYS = 7
MATCHES = {
    "lead": "khớp yêu cầu hỗ trợ",
    "business": "khớp doanh nghiệp trong danh sách của phường",
    "both": "khớp cả yêu cầu hỗ trợ và doanh nghiệp",
    "orphan": "không khớp yêu cầu hay doanh nghiệp nào",
}
RECORDED = {"added": "ghi mới", "updated": "bổ sung", "same": "đã có"}
DNS_WORDS = {
    dns_check.VERIFIED: "có trên DNS",
    dns_check.NOT_FOUND: "không tìm thấy trên DNS",
    dns_check.UNKNOWN: "không kiểm tra được (giữ nguyên kết quả trước)",
}


def add(commands: Subcommands, channels: Registry) -> None:
    group = commands.add_parser(
        "registrations", help="tên miền đã đăng ký: danh sách của nhà đăng ký, kiểm tra DNS"
    )
    sub = group.add_subparsers(dest="registrations_command", required=True)
    imported = sub.add_parser(
        "import",
        help="nhập danh sách tên miền đã đăng ký (XLSX/CSV) của nhà đăng ký hoặc VNNIC, đối "
        "chiếu với yêu cầu hỗ trợ và danh sách doanh nghiệp",
    )
    imported.add_argument(
        "file",
        type=Path,
        help="tệp .xlsx hoặc .csv: tên miền, loại (id.vn/biz.vn), mã số thuế hoặc số điện "
        "thoại, ngày đăng ký",
    )
    imported.add_argument(
        "--dry-run", action="store_true", help="chỉ xem kết quả đối chiếu, không ghi gì"
    )
    imported.set_defaults(handler=run_import)
    verify = sub.add_parser(
        "verify", help="kiểm tra các tên miền đã đăng ký có trên DNS không (bản ghi NS)"
    )
    verify.add_argument("--all", action="store_true", help="kiểm tra lại tất cả tên miền")
    verify.add_argument(
        "--days",
        type=int,
        default=RECHECK_DAYS,
        help=f"kiểm tra tên miền chưa kiểm tra trong chừng ấy ngày (mặc định {RECHECK_DAYS})",
    )
    verify.set_defaults(handler=run_verify)


def _said(line: Line) -> str:
    if line.match == "rejected":
        return f"Dòng {line.number}: bị từ chối — {line.reason}"
    parts = [MATCHES[line.match]]
    if line.lead_id is not None:
        parts.append(f"yêu cầu #{line.lead_id}")
    if line.business:
        parts.append(f"doanh nghiệp {line.business}")
    if line.by:
        parts.append("theo " + ", ".join(line.by))
    recorded = RECORDED.get(line.recorded or "", "")
    return f"Dòng {line.number}: {line.domain} — " + "; ".join(parts) + f" ({recorded})"


def run_import(cmd: Command) -> int:
    path: Path = cmd.args.file
    try:
        rows = registrar_list.read(path)
    except ListError as exc:
        raise Fail(str(exc)) from exc
    db = store(cmd.settings)
    today = today_in_vietnam()
    try:
        opened = db.rehearsal() if cmd.args.dry_run else db.transaction()
        with opened as tx:
            lines = registrar_list.reconcile(tx, rows, today, ACTOR)
            counts = registrar_list.counts(lines)
            if not cmd.args.dry_run:
                audit.record(
                    tx,
                    "registrations_imported",
                    ACTOR,
                    target=f"file:{path.name}"[:200],
                    detail=counts,
                )
    finally:
        db.close()
    for line in lines:
        print(_said(line))
    print(
        f"Tổng cộng {counts['rows']} dòng: khớp yêu cầu hỗ trợ {counts['lead']}, khớp doanh "
        f"nghiệp {counts['business']}, khớp cả hai {counts['both']}, không khớp "
        f"{counts['orphan']}, bị từ chối {counts['rejected']}; tên miền ghi mới {counts['added']}."
    )
    if cmd.args.dry_run:
        print("Chạy thử: chưa ghi gì vào cơ sở dữ liệu.")
    return 0


def run_verify(cmd: Command) -> int:
    if cmd.args.days < 0:
        raise Fail("--days cần là số ngày không âm")
    ask = dns_check.resolver(cmd.settings)
    db = store(cmd.settings)
    try:
        with db.transaction() as tx:
            older = None if cmd.args.all else timedelta(days=cmd.args.days)
            due = registrations.due_for_check(tx, utcnow(), older)
        found = {k: 0 for k in DNS_WORDS}
        for row in due:
            status = dns_check.check(row["domain"], ask)
            found[status] += 1
            if status != dns_check.UNKNOWN:
                with db.transaction() as tx:
                    registrations.set_dns(tx, row["id"], status, utcnow())
            print(f"{row['domain']}: {DNS_WORDS[status]}")
        with db.transaction() as tx:
            audit.record(tx, "registrations_verified", ACTOR, detail=found)
    finally:
        db.close()
    if not due:
        print("Không có tên miền nào cần kiểm tra.")
        return 0
    print(
        f"Đã kiểm tra {len(due)} tên miền: có trên DNS {found[dns_check.VERIFIED]}, không "
        f"tìm thấy {found[dns_check.NOT_FOUND]}, không kiểm tra được {found[dns_check.UNKNOWN]}."
    )
    sys.stdout.flush()
    return 0
