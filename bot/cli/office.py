"""``hiendien office add-user|reset-password|list-users``: ward office accounts from the
command line. A password is never typed here: each command that opens an account prints a
one-time link (24 hours) where the person sets their own.

May import: bot.cli.common, bot.channels.base (types), db.
"""

from __future__ import annotations

from bot.channels.base import Registry, Subcommands
from bot.cli.common import Command, Fail, content, store
from bot.settings import Settings
from db import audit, office
from db import team as db_team
from db.models import utcnow
from handlers.privacy import local_time

ACTOR = "cli"


def add(commands: Subcommands, channels: Registry) -> None:
    group = commands.add_parser("office", help="tài khoản trang làm việc của phường (/office/)")
    sub = group.add_subparsers(dest="office_command", required=True)
    user = sub.add_parser("add-user", help="thêm tài khoản; in đường dẫn đặt mật khẩu")
    user.add_argument("email", help="email của người dùng")
    user.add_argument("--name", required=True, help='họ tên, ví dụ "Nguyễn Thị Lan"')
    user.add_argument(
        "--role",
        required=True,
        choices=office.ROLES,
        help="admin: Phòng VH-XH, mọi tổ; leader: tổ trưởng; member: thành viên tổ",
    )
    user.add_argument("--team", help="tên tổ (bắt buộc với leader và member)")
    user.set_defaults(handler=add_user)
    reset = sub.add_parser("reset-password", help="đường dẫn mới để đặt lại mật khẩu")
    reset.add_argument("email", help="email của tài khoản cần đặt lại mật khẩu")
    reset.set_defaults(handler=reset_password)
    listed = sub.add_parser("list-users", help="các tài khoản")
    listed.set_defaults(handler=list_users)


def link(settings: Settings, token: str) -> str:
    base = settings.hiendien_public_url or (
        f"http://{settings.hiendien_host}:{settings.hiendien_port}"
    )
    return f"{base.rstrip('/')}/office/password/{token}"


def _problem(settings: Settings, exc: office.AccountError) -> Fail:
    words = content(settings).render("vi", f"office.errors.{exc.code}")
    return Fail(f"{words} ({exc.value})" if exc.value else words)


def add_user(cmd: Command) -> int:
    args = cmd.args
    with store(cmd.settings) as db, db.transaction() as tx:
        team_id = None
        if args.team and args.role != "admin":
            team = db_team.team_by_name(tx, args.team)
            if team is None or team["archived_at"] is not None:
                known = db_team.teams(tx, include_archived=False)
                names = ", ".join(t["name"] for t in known) or "chưa có tổ nào"
                raise Fail(
                    f'chưa có tổ "{args.team}" (các tổ: {names}); tạo tổ trước: '
                    f'hiendien staff team add "{args.team}"'
                )
            team_id = team["id"]
        try:
            user_id, token = office.add_user(tx, args.email, args.name, args.role, team_id)
        except office.AccountError as exc:
            raise _problem(cmd.settings, exc) from exc
        audit.record(
            tx,
            "user_added",
            ACTOR,
            target=f"user:{user_id}",
            detail={"email": args.email.strip().lower(), "role": args.role},
        )
    print(f"Đã thêm tài khoản {args.email.strip().lower()} ({args.role}).")
    print("Đường dẫn đặt mật khẩu (dùng một lần, trong 24 giờ):")
    print(link(cmd.settings, token))
    return 0


def reset_password(cmd: Command) -> int:
    with store(cmd.settings) as db, db.transaction() as tx:
        user = office.user_by_email(tx, cmd.args.email.strip())
        if user is None:
            raise Fail(f"không có tài khoản {cmd.args.email.strip()}")
        token = office.new_link(tx, user["id"])
        audit.record(tx, "password_link", ACTOR, target=f"user:{user['id']}")
    print(f"Đường dẫn đặt lại mật khẩu cho {user['email']} (dùng một lần, trong 24 giờ):")
    print(link(cmd.settings, token))
    print("Mật khẩu cũ vẫn dùng được cho đến khi đặt mật khẩu mới.")
    return 0


def list_users(cmd: Command) -> int:
    with store(cmd.settings) as db, db.transaction() as tx:
        rows = office.users(tx)
    if not rows:
        print("Chưa có tài khoản nào: hiendien office add-user EMAIL --name … --role admin")
        return 0
    now = utcnow()
    for u in rows:
        state = "đang dùng" if u["active"] else "đã khoá"
        if u["locked_until"] and u["locked_until"] > now:
            state = "tạm khoá"
        if u["password_hash"] is None:
            state += ", chưa đặt mật khẩu"
        last = local_time(u["last_login_at"]) or "chưa đăng nhập"
        team = f"  {u['team']}" if u["team"] else ""
        print(f"{u['id']:>4}  {u['email']}  {u['name']}  {u['role']}{team}  {state}  {last}")
    return 0
