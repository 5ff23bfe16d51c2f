"""``hiendien office add-user|reset-password|list-users``, run as a person would (a
subprocess on a fresh database), and the printed link used in the real office."""

from __future__ import annotations

import re
from pathlib import Path

from db.store import Store
from handlers.content import Content
from tests.cli.test_cli import hiendien
from tests.support.environment import configured, db_path
from tests.support.office import PASSWORD, browser, office_app, team_id

LINK = re.compile(r"https?://\S+/office/password/(\S+)")


async def test_an_account_made_on_the_command_line_sets_its_password_through_the_link(
    tmp_path: Path, content: Content
) -> None:
    env = configured(tmp_path, HIENDIEN_PUBLIC_URL="https://hiendien.kienan.example")
    made = hiendien(
        "office",
        "add-user",
        "Lan@Phuong.vn",
        "--name",
        "Nguyễn Thị Lan",
        "--role",
        "admin",
        cwd=tmp_path,
        env=env,
    )
    assert made.returncode == 0, made.stderr.decode()
    out = made.stdout.decode()
    assert "Đã thêm tài khoản lan@phuong.vn (admin)." in out
    assert "https://hiendien.kienan.example/office/password/" in out
    token = LINK.search(out).group(1)
    listed = hiendien("office", "list-users", cwd=tmp_path, env=env).stdout.decode()
    assert "lan@phuong.vn  Nguyễn Thị Lan  admin  đang dùng, chưa đặt mật khẩu" in listed

    with Store(f"sqlite:///{db_path(tmp_path)}") as store:
        async with office_app(store, content) as (base, _clock), browser(base) as b:
            await b.get(f"/office/password/{token}")
            done = await b.post(
                f"/office/password/{token}", {"password": PASSWORD, "again": PASSWORD}
            )
            assert done.status == 303
            assert (await b.login("lan@phuong.vn")).status == 303

            reset = hiendien("office", "reset-password", "lan@phuong.vn", cwd=tmp_path, env=env)
            assert reset.returncode == 0
            fresh = LINK.search(reset.stdout.decode()).group(1)
            assert fresh != token
            assert (await b.get(f"/office/password/{token}")).status == 404
            assert (await b.get(f"/office/password/{fresh}")).status == 200


def test_a_member_joins_a_team_that_exists(tmp_path: Path) -> None:
    env = configured(tmp_path)
    no_team = hiendien(
        "office",
        "add-user",
        "hoa@phuong.vn",
        "--name",
        "Hoa",
        "--role",
        "member",
        cwd=tmp_path,
        env=env,
    )
    assert no_team.returncode == 2
    assert no_team.stderr.decode().strip() == (
        "hiendien: Tổ trưởng và thành viên cần thuộc một tổ. (member)"
    )
    unknown = hiendien(
        "office",
        "add-user",
        "hoa@phuong.vn",
        "--name",
        "Hoa",
        "--role",
        "member",
        "--team",
        "Tổ 9",
        cwd=tmp_path,
        env=env,
    )
    assert unknown.returncode == 2
    assert 'chưa có tổ "Tổ 9"' in unknown.stderr.decode()
    with Store(f"sqlite:///{db_path(tmp_path)}") as store:
        team_id(store, "Tổ công nghệ số 1")
    joined = hiendien(
        "office",
        "add-user",
        "hoa@phuong.vn",
        "--name",
        "Hoa",
        "--role",
        "member",
        "--team",
        "to cong nghe so 1",
        cwd=tmp_path,
        env=env,
    )
    assert joined.returncode == 0, joined.stderr.decode()
    listed = hiendien("office", "list-users", cwd=tmp_path, env=env).stdout.decode()
    assert "hoa@phuong.vn  Hoa  member  Tổ công nghệ số 1" in listed


def test_bad_input_is_one_line_in_vietnamese(tmp_path: Path) -> None:
    env = configured(tmp_path)
    bad = hiendien(
        "office",
        "add-user",
        "khong-phai-email",
        "--name",
        "X",
        "--role",
        "admin",
        cwd=tmp_path,
        env=env,
    )
    assert bad.returncode == 2
    assert bad.stderr.decode().splitlines() == [
        "hiendien: Địa chỉ email chưa đúng. (khong-phai-email)"
    ]
    hiendien(
        "office", "add-user", "a@b.vn", "--name", "A", "--role", "admin", cwd=tmp_path, env=env
    )
    twice = hiendien(
        "office", "add-user", "A@B.vn", "--name", "A", "--role", "admin", cwd=tmp_path, env=env
    )
    assert twice.returncode == 2 and "Email này đã có tài khoản." in twice.stderr.decode()
    missing = hiendien("office", "reset-password", "ai@b.vn", cwd=tmp_path, env=env)
    assert missing.returncode == 2
    assert missing.stderr.decode().strip() == "hiendien: không có tài khoản ai@b.vn"
