"""``hiendien doctor``: one line per check (bot.doctor), Vietnamese first, marked ✓ (ok),
! (warning) or ✗ (failure); the exit code is 0 when all are ok, 1 with a warning, 2 with a
failure, so a cron job or a monitor can act on it. Changes nothing.

May import: bot.cli.common, bot.doctor.
"""

from __future__ import annotations

from bot.channels.base import Registry, Subcommands
from bot.cli.common import Command
from bot.doctor import FAILURE, WARNING, Doctor, exit_code


def add(commands: Subcommands, channels: Registry) -> None:
    d = commands.add_parser(
        "doctor",
        help="kiểm tra hiendien: cấu hình, cơ sở dữ liệu, đĩa, Telegram, Zalo, lập lịch, "
        "hàng đợi thông báo, sao lưu",
        description="Kiểm tra hiendien, mỗi mục một dòng: ✓ ổn, ! cảnh báo, ✗ lỗi. Mã thoát: "
        "0 tất cả ổn, 1 có cảnh báo, 2 có lỗi. Không thay đổi gì.",
    )
    d.set_defaults(handler=run_doctor)


def run_doctor(cmd: Command) -> int:
    checks = Doctor(cmd.settings, cmd.channels).checks()
    for check in checks:
        print(check.line())
    warnings = sum(c.level == WARNING for c in checks)
    failures = sum(c.level == FAILURE for c in checks)
    print(
        f"— {len(checks)} mục: {failures} lỗi, {warnings} cảnh báo (mã thoát {exit_code(checks)})"
    )
    return exit_code(checks)
