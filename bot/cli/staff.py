"""``hiendien staff invite|list|remove``: the community digital team's members and the chat
accounts they link (each channel the team works on says how, see Channel.staff_link).

May import: bot.cli.common, bot.channels.base (types), db.
"""

from __future__ import annotations

from bot.channels.base import Registry, Subcommands
from bot.cli.common import Command, store
from db import team


def add(commands: Subcommands, channels: Registry) -> None:
    staff = commands.add_parser("staff", help="community digital team members")
    staff_sub = staff.add_subparsers(dest="staff_command", required=True)
    invite = staff_sub.add_parser("invite", help="a one-time code that links a chat account")
    invite.add_argument("--team", required=True, help='e.g. "Tổ công nghệ số 1"')
    invite.add_argument(
        "--role",
        choices=("member", "admin"),
        default="member",
        help="admin: may update any lead and hears of leads nobody took (default: member)",
    )
    invite.set_defaults(handler=run_invite)
    listed = staff_sub.add_parser("list", help="teams and their linked members")
    listed.set_defaults(handler=run_list)
    remove = staff_sub.add_parser("remove", help="unlink a member")
    remove.add_argument("member_id", type=int, help="the id shown by 'hiendien staff list'")
    remove.set_defaults(handler=run_remove)


def run_invite(cmd: Command) -> int:
    args = cmd.args
    with store(cmd.settings) as db, db.transaction() as tx:
        code = team.create_invite(tx, args.team, args.role)
    print(f"Invite code for {args.team} ({args.role}), valid {team.INVITE_DAYS} days: {code}")
    for channel in cmd.channels:
        how = channel.staff_link(cmd.settings, code)
        if how:
            print(how)
    return 0


def run_list(cmd: Command) -> int:
    with store(cmd.settings) as db, db.transaction() as tx:
        rows = team.members(tx)
    if not rows:
        print("No team members yet: hiendien staff invite --team NAME")
    for m in rows:
        state = "active" if m["active"] else "removed"
        print(
            f"{m['id']:>4}  {m['team']}  {m['display_name']}  {m['channel']}:{m['account']}"
            f"  {m['role']}  {state}"
        )
    return 0


def run_remove(cmd: Command) -> int:
    member_id = cmd.args.member_id
    with store(cmd.settings) as db, db.transaction() as tx:
        removed = team.remove_member(tx, member_id)
    print("removed" if removed else f"no active member with id {member_id}")
    return 0 if removed else 1
