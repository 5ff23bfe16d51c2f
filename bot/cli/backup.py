"""``hiendien backup --output FILE`` and ``hiendien restore FILE`` (said in Vietnamese, for
the operator): a backup of the live database in one file (db.backup; safe while ``hiendien
run`` serves), recorded in the database for ``hiendien doctor``; a restore into an empty
database only, then migrated to the latest schema.

May import: bot.cli.common, bot.doctor (sizes as people read them), db.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from bot.channels.base import Registry, Subcommands
from bot.cli.common import Command, Fail
from bot.doctor import size as size_text
from db import backup as backups
from db import backups as records
from db.store import Store

log = logging.getLogger(__name__)


def add(commands: Subcommands, channels: Registry) -> None:
    b = commands.add_parser(
        "backup",
        help="sao lưu cơ sở dữ liệu vào một tệp (chạy được khi hiendien run đang chạy)",
        description="Sao lưu cơ sở dữ liệu vào một tệp: SQLite bằng sao lưu trực tuyến, "
        "PostgreSQL bằng pg_dump (định dạng custom). Tệp có sẵn được thay khi bản mới ghi xong.",
    )
    b.add_argument("--output", "-o", required=True, type=Path, help="tệp sao lưu sẽ ghi")
    b.set_defaults(handler=run_backup)
    r = commands.add_parser(
        "restore",
        help="khôi phục một bản sao lưu vào cơ sở dữ liệu TRỐNG ở HIENDIEN_DATABASE_URL",
        description="Khôi phục bản sao lưu vào một cơ sở dữ liệu trống (không có bảng nào), "
        "rồi nâng cấp lên cấu trúc mới nhất. Cơ sở dữ liệu có dữ liệu thì bị từ chối.",
    )
    r.add_argument("file", type=Path, help="tệp do hiendien backup ghi")
    r.set_defaults(handler=run_restore)


def run_backup(cmd: Command) -> int:
    args: argparse.Namespace = cmd.args
    url = cmd.settings.hiendien_database_url
    output = Path(args.output).expanduser().resolve()
    try:
        size = backups.backup(url, output)
    except backups.BackupError as exc:
        raise Fail(str(exc)) from exc
    print(f"Đã sao lưu vào {output} ({size_text(size)}).")
    try:
        with Store(url) as store, store.transaction() as tx:
            records.record(tx, backups.engine_of(url), str(output), size)
    except SQLAlchemyError as exc:  # an older schema without backup_run: the file is fine
        log.debug("backup not recorded: %s", exc)
        print(
            "Chưa ghi được thời điểm sao lưu vào cơ sở dữ liệu (chạy hiendien db upgrade); "
            "tệp sao lưu vẫn dùng được.",
            file=sys.stderr,
        )
    return 0


def run_restore(cmd: Command) -> int:
    url = cmd.settings.hiendien_database_url
    source = Path(cmd.args.file).expanduser()
    try:
        backups.restore(url, source)
    except backups.BackupError as exc:
        raise Fail(str(exc)) from exc
    print(f"Đã khôi phục {source}; cơ sở dữ liệu đã ở phiên bản mới nhất.")
    return 0
