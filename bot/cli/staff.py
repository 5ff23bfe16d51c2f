"""``hiendien staff invite|list|remove`` and ``hiendien staff team add|rename|archive|
unarchive|areas``: the community digital teams, the tổ dân phố each serves, their members
and the chat accounts they link (each channel the team works on says how, see
Channel.staff_link). The same service as the office's pages (db.team); ward staff read
Vietnamese, so the command speaks it (a refused change in the words of
``teams.errors.*`` in content/).

May import: bot.cli.common, bot.channels.base (types), db, handlers.
"""

from __future__ import annotations

from typing import Any

from bot.channels.base import Registry, Subcommands
from bot.cli.common import Command, Fail, content, store
from db import team
from db.store import Tx
from handlers.privacy import local_time
from handlers.text import fold

ROLE = {"member": "thành viên", "admin": "quản trị"}


def add(commands: Subcommands, channels: Registry) -> None:
    staff = commands.add_parser("staff", help="tổ công nghệ số và thành viên (teams, members)")
    staff_sub = staff.add_subparsers(dest="staff_command", required=True)
    invite = staff_sub.add_parser(
        "invite", help="mã mời dùng một lần để liên kết tài khoản chat (a one-time invite code)"
    )
    invite.add_argument("--team", required=True, help='tên tổ, ví dụ "Tổ công nghệ số 1"')
    invite.add_argument(
        "--role",
        choices=team.ROLES,
        default="member",
        help="admin: cập nhật được mọi hồ sơ và nhận hồ sơ chưa có tổ (mặc định: member)",
    )
    invite.set_defaults(handler=run_invite)
    listed = staff_sub.add_parser(
        "list", help="các tổ, tổ dân phố, thành viên và mã mời chưa dùng (teams and members)"
    )
    listed.set_defaults(handler=run_list)
    remove = staff_sub.add_parser("remove", help="gỡ một thành viên (unlink a member)")
    remove.add_argument("member_id", type=int, help="số # của thành viên trong 'staff list'")
    remove.set_defaults(handler=run_remove)
    add_team_commands(staff_sub)


def add_team_commands(staff_sub: Subcommands) -> None:
    teams = staff_sub.add_parser("team", help="tạo, đổi tên, lưu trữ tổ; giao tổ dân phố")
    sub = teams.add_subparsers(dest="team_command", required=True)
    created = sub.add_parser("add", help="tạo tổ mới (create a team)")
    created.add_argument("name", help="tên tổ")
    created.set_defaults(handler=run_team_add)
    renamed = sub.add_parser("rename", help="đổi tên tổ (rename a team)")
    renamed.add_argument("name", help="tên hiện tại")
    renamed.add_argument("new_name", help="tên mới")
    renamed.set_defaults(handler=run_team_rename)
    archived = sub.add_parser("archive", help="lưu trữ tổ (archive a team)")
    archived.add_argument("name", help="tên tổ")
    archived.set_defaults(handler=run_team_archive)
    back = sub.add_parser("unarchive", help="mở lại tổ đã lưu trữ (bring a team back)")
    back.add_argument("name", help="tên tổ")
    back.set_defaults(handler=run_team_unarchive)
    areas = sub.add_parser(
        "areas",
        help="tổ dân phố tổ phụ trách: xem, hoặc giao đúng các tổ dân phố đã kể (set its areas)",
    )
    areas.add_argument("name", help="tên tổ")
    areas.add_argument("areas", nargs="*", help='ví dụ "Tổ dân phố 1" "Tổ dân phố 2"')
    areas.add_argument("--clear", action="store_true", help="bỏ hết tổ dân phố của tổ")
    areas.set_defaults(handler=run_team_areas)


def _refused(cmd: Command, exc: team.TeamError) -> Fail:
    return Fail(content(cmd.settings).render("vi", exc.key, **exc.params))


def _named(tx: Tx, name: str) -> dict[str, Any]:
    found = team.team_by_name(tx, name)
    if found is None:
        raise team.TeamError("missing", name=name)
    return found


# --- members and invites ------------------------------------------------------------------


def run_invite(cmd: Command) -> int:
    args = cmd.args
    try:
        with store(cmd.settings) as db, db.transaction() as tx:
            code = team.create_invite(tx, args.team, args.role)
            name = _named(tx, args.team)["name"]
    except team.TeamError as exc:
        raise _refused(cmd, exc) from exc
    print(f"Mã mời cho {name} ({ROLE[args.role]}), dùng được {team.INVITE_DAYS} ngày: {code}")
    for channel in cmd.channels:
        how = channel.staff_link(cmd.settings, code)
        if how:
            print(how)
    return 0


def run_list(cmd: Command) -> int:
    with store(cmd.settings) as db, db.transaction() as tx:
        teams = team.teams(tx)
        linked = team.members(tx)
        waiting = team.pending_invites(tx)
    if not teams:
        print(
            "Chưa có tổ nào: hiendien staff team add TÊN_TỔ, "
            "rồi hiendien staff invite --team TÊN_TỔ"
        )
        return 0
    for t in teams:
        print(_team_line(t))
        print("  Tổ dân phố: " + (", ".join(t["areas"]) or "chưa giao tổ dân phố nào"))
        mine = [m for m in linked if m["team_id"] == t["id"]]
        if not mine:
            print("  Chưa có thành viên nào liên kết tài khoản chat.")
        for m in mine:
            state = "" if m["active"] else "  (đã gỡ)"
            print(
                f"  #{m['id']}  {m['display_name']}  {m['channel']}:{m['account']}"
                f"  {ROLE.get(m['role'], m['role'])}{state}"
            )
        for i in (i for i in waiting if i["team_id"] == t["id"]):
            print(
                f"  Mã mời chưa dùng: {i['code']}  {ROLE.get(i['role'], i['role'])}"
                f"  hết hạn {local_time(i['expires_at'])}"
            )
    return 0


def _team_line(t: dict[str, Any]) -> str:
    archived = " (đã lưu trữ)" if t["archived_at"] else ""
    line = f"{t['name']}{archived}: {t['members']} thành viên"
    if t["invites"]:
        line += f", {t['invites']} mã mời chưa dùng"
    return line


def run_remove(cmd: Command) -> int:
    member_id = cmd.args.member_id
    with store(cmd.settings) as db, db.transaction() as tx:
        removed = team.remove_member(tx, member_id)
    if removed:
        print(f"Đã gỡ thành viên #{member_id}.")
        return 0
    print(f"Không có thành viên đang hoạt động nào mang số #{member_id}.")
    return 1


# --- teams ----------------------------------------------------------------------------------


def run_team_add(cmd: Command) -> int:
    try:
        with store(cmd.settings) as db, db.transaction() as tx:
            team.create_team(tx, cmd.args.name)
    except team.TeamError as exc:
        raise _refused(cmd, exc) from exc
    print(f'Đã tạo tổ "{team.clean(cmd.args.name)}".')
    return 0


def run_team_rename(cmd: Command) -> int:
    try:
        with store(cmd.settings) as db, db.transaction() as tx:
            old = _named(tx, cmd.args.name)
            new = team.rename_team(tx, old["id"], cmd.args.new_name)
    except team.TeamError as exc:
        raise _refused(cmd, exc) from exc
    print(f'Đã đổi tên tổ "{old["name"]}" thành "{new}".')
    return 0


def run_team_archive(cmd: Command) -> int:
    try:
        with store(cmd.settings) as db, db.transaction() as tx:
            found = _named(tx, cmd.args.name)
            released = team.archive_team(tx, found["id"])
    except team.TeamError as exc:
        raise _refused(cmd, exc) from exc
    print(f'Đã lưu trữ tổ "{found["name"]}": tổ không nhận thêm thành viên hay hồ sơ mới.')
    if released:
        print("Các tổ dân phố này chưa có tổ nào phụ trách: " + ", ".join(released))
    return 0


def run_team_unarchive(cmd: Command) -> int:
    try:
        with store(cmd.settings) as db, db.transaction() as tx:
            found = _named(tx, cmd.args.name)
            team.unarchive_team(tx, found["id"])
    except team.TeamError as exc:
        raise _refused(cmd, exc) from exc
    print(f'Đã mở lại tổ "{found["name"]}". Giao tổ dân phố: hiendien staff team areas …')
    return 0


def run_team_areas(cmd: Command) -> int:
    args = cmd.args
    if args.clear and args.areas:
        raise Fail("--clear: không kể thêm tổ dân phố nào")
    ward_areas = content(cmd.settings).ward.areas
    listed = {fold(a): a for a in ward_areas}
    wanted = [listed.get(fold(team.clean(a)), a) for a in args.areas]  # the ward's spelling
    try:
        with store(cmd.settings) as db, db.transaction() as tx:
            found = _named(tx, args.name)
            changing = bool(wanted) or args.clear
            moved = team.set_areas(tx, found["id"], wanted) if changing else {}
            names = {t["id"]: t["name"] for t in team.teams(tx)}
            areas = team.areas_of(tx, found["id"])
    except team.TeamError as exc:
        raise _refused(cmd, exc) from exc
    print(f'Tổ "{found["name"]}" phụ trách: ' + (", ".join(areas) or "chưa có tổ dân phố nào"))
    for area, before in moved.items():
        print(f'  "{area}" chuyển từ tổ "{names.get(before, before)}"')
    for area in wanted:
        if fold(team.clean(area)) not in listed:
            print(f'  Lưu ý: "{team.clean(area)}" không có trong danh sách tổ dân phố của phường')
    return 0
