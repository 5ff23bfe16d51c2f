"""``hiendien staff …`` as ward staff type it (bot.cli.main.main in this process, a SQLite
file of the test's own): Vietnamese first, the same teams service as the office."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot.cli.main import main
from bot.settings import get_settings
from db import team
from db.store import Store
from tests.support.environment import CONTENT, db_path
from tests.support.ward_areas import listed_content_dir

Run = tuple[int, str, str]


@pytest.fixture
def hiendien(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Iterator[Callable[..., Run]]:
    """``hiendien(*args, **env)``: the exit code, standard output and standard error of the
    command, with nothing of the machine's settings and ``env`` added."""
    for name in os.environ:
        if name.startswith(("HIENDIEN_", "TELEGRAM_", "ZALO_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HIENDIEN_DATABASE_URL", f"sqlite:///{db_path(tmp_path)}")
    monkeypatch.setenv("HIENDIEN_CONTENT_DIR", str(CONTENT))

    def run(*args: str, **env: str) -> Run:
        with monkeypatch.context() as more:
            for name, value in env.items():
                more.setenv(name, value)
            get_settings.cache_clear()
            code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    yield run
    get_settings.cache_clear()


def database(tmp_path: Path) -> Store:
    return Store(f"sqlite:///{db_path(tmp_path)}")


def test_invite_speaks_vietnamese_and_says_how_to_link_on_each_channel(hiendien) -> None:
    code, out, _ = hiendien("staff", "invite", "--team", "Tổ công nghệ số 1", ZALO_APP_ID="1")
    assert code == 0
    found = re.search(r"Mã mời cho Tổ công nghệ số 1 \(thành viên\), dùng được 7 ngày: (\S+)", out)
    assert found, out
    assert f"start=staff-{found.group(1)}" in out
    assert f'Zalo: nhắn "/staff {found.group(1)}" cho Official Account' in out


def test_zalo_is_not_mentioned_where_it_is_not_set_up(hiendien) -> None:
    code, out, _ = hiendien("staff", "invite", "--team", "Tổ 1", "--role", "admin")
    assert code == 0 and "(quản trị)" in out and "Zalo" not in out


def test_list_shows_teams_with_areas_members_and_pending_invites(hiendien, tmp_path) -> None:
    assert "Chưa có tổ nào" in hiendien("staff", "list")[1]
    hiendien("staff", "team", "add", "Tổ công nghệ số 1")
    listed = str(listed_content_dir(tmp_path))  # a ward that has filled in its tổ dân phố
    code, out, _ = hiendien(
        "staff",
        "team",
        "areas",
        "to cong nghe so 1",
        "tổ dân phố 2",
        "Khu mới",
        "Tổ dân phố 1",
        HIENDIEN_CONTENT_DIR=listed,
    )
    assert code == 0
    assert "phụ trách: Khu mới, Tổ dân phố 1, Tổ dân phố 2" in out  # the ward's spelling
    assert 'Lưu ý: "Khu mới" không có trong danh sách' in out
    invite = hiendien("staff", "invite", "--team", "TỔ CÔNG NGHỆ SỐ 1")[1]
    assert "Mã mời cho Tổ công nghệ số 1 (thành viên)" in invite  # the team's own name
    used = re.search(r"ngày: (\S+)", invite).group(1)
    again = hiendien("staff", "invite", "--team", "Tổ công nghệ số 1")[1]
    waiting = re.search(r"ngày: (\S+)", again).group(1)
    with database(tmp_path) as db, db.transaction() as tx:
        assert team.redeem_invite(tx, used, "zalo", "4242", "Nguyễn Thị Hoa")[0] == "linked"
    out = hiendien("staff", "list")[1]
    assert "Tổ công nghệ số 1: 1 thành viên, 1 mã mời chưa dùng" in out
    assert "Tổ dân phố: Khu mới, Tổ dân phố 1, Tổ dân phố 2" in out
    member = re.search(r"#(\d+)  Nguyễn Thị Hoa  zalo:4242  thành viên", out)
    assert member, out
    assert f"Mã mời chưa dùng: {waiting}  thành viên  hết hạn" in out
    assert used not in out
    code, out, _ = hiendien("staff", "remove", member.group(1))
    assert code == 0 and f"Đã gỡ thành viên #{member.group(1)}" in out
    assert hiendien("staff", "remove", member.group(1))[0] == 1
    assert "(đã gỡ)" in hiendien("staff", "list")[1]


def test_a_duplicate_name_is_refused_in_vietnamese(hiendien) -> None:
    assert hiendien("staff", "team", "add", "Tổ Đồng Hòa")[0] == 0
    code, _, err = hiendien("staff", "team", "add", "to dong hoa")
    assert code == 2
    assert 'Đã có tổ "Tổ Đồng Hòa"' in err
    hiendien("staff", "team", "add", "Tổ 2")
    code, _, err = hiendien("staff", "team", "rename", "Tổ 2", "TỔ ĐỒNG HÒA")
    assert code == 2 and 'Đã có tổ "Tổ Đồng Hòa"' in err
    code, _, err = hiendien("staff", "team", "rename", "Tổ 9", "Tổ 10")
    assert code == 2 and 'Không tìm thấy tổ "Tổ 9"' in err


def test_rename_and_archive_and_areas_moving_between_teams(hiendien) -> None:
    hiendien("staff", "team", "add", "Tổ 1")
    hiendien("staff", "team", "add", "Tổ 2")
    hiendien("staff", "team", "areas", "Tổ 1", "Tổ dân phố 3")
    code, out, _ = hiendien("staff", "team", "areas", "Tổ 2", "Tổ dân phố 3")
    assert code == 0 and '"Tổ dân phố 3" chuyển từ tổ "Tổ 1"' in out
    code, out, _ = hiendien("staff", "team", "rename", "Tổ 2", "Tổ Phù Liễn")
    assert code == 0 and 'Đã đổi tên tổ "Tổ 2" thành "Tổ Phù Liễn"' in out
    code, out, _ = hiendien("staff", "team", "archive", "to phu lien")
    assert code == 0 and "Đã lưu trữ tổ" in out and "Tổ dân phố 3" in out
    code, _, err = hiendien("staff", "invite", "--team", "Tổ Phù Liễn")
    assert code == 2 and "đã được lưu trữ" in err
    listed = hiendien("staff", "list")[1]
    assert "Tổ Phù Liễn (đã lưu trữ): 0 thành viên" in listed
    assert hiendien("staff", "team", "unarchive", "Tổ Phù Liễn")[0] == 0
    assert hiendien("staff", "invite", "--team", "Tổ Phù Liễn")[0] == 0
    code, out, _ = hiendien("staff", "team", "areas", "Tổ 1")
    assert "chưa có tổ dân phố nào" in out
