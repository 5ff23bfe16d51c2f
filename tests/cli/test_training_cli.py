"""``hiendien training``, run for real (``python -m bot training …`` in a subprocess, with a
SQLite file of its own; db.training itself is tested on PostgreSQL too): creating sessions
(at a school named any way), refusing what cannot be held in plain Vietnamese, the list and
a session's registrants, cancelling (registrants told), and announcing a session to the
news subscribers of its audience."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.turns import Conversations
from db import campaigns, migrate, schools, training
from db.models import Campaign, Outbox, TrainingSession
from db.store import Store
from handlers.content import Content
from handlers.privacy import VIETNAM
from tests.support import ROOT, TODAY
from tests.support.conversations import subscribe
from tests.support.environment import CONTENT, clean_env, db_path
from tests.support.records import rows

# a time to come, whatever day the tests run (the command compares with the real clock)
AHEAD = (datetime.now(VIETNAM) + timedelta(days=40)).replace(hour=8, minute=0)
AT = f"{AHEAD:%Y-%m-%d %H:%M}"
SHOWN = f"08:00 {AHEAD:%d/%m/%Y}"


def run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = clean_env(
        HIENDIEN_DATABASE_URL=f"sqlite:///{db_path(tmp_path)}",
        HIENDIEN_CONTENT_DIR=str(CONTENT),
        PYTHONPATH=str(ROOT),  # this working copy's code, whichever one is installed
    )
    return subprocess.run(
        [sys.executable, "-m", "bot", "training", *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def database(tmp_path: Path) -> Store:
    url = f"sqlite:///{db_path(tmp_path)}"
    migrate.upgrade(url)
    return Store(url)


def create(tmp_path: Path, *more: str, **options: str) -> subprocess.CompletedProcess[str]:
    given = {
        "title": "Đăng ký tên miền .vn",
        "at": AT,
        "place": "Hội trường UBND phường",
        "capacity": "2",
        "audience": "youth",
        **options,
    }
    args = [a for k, v in given.items() for a in (f"--{k.replace('_', '-')}", v)]
    return run(tmp_path, "create", *args, *more)


def test_a_session_is_created_at_a_school_named_any_way(tmp_path: Path) -> None:
    with database(tmp_path) as store, store.transaction() as tx:
        schools.add(tx, "Trường Cao đẳng Kỹ thuật Hải Phòng", "college", actor="test")
    made = create(
        tmp_path,
        school="truong cao dang ky thuat  hai phong",
        map_url="https://maps.app.goo.gl/abc",
    )
    assert made.returncode == 0, made.stderr
    assert "Đã tạo buổi tập huấn số 1." in made.stdout
    assert (
        f"#1  {SHOWN}  Đăng ký tên miền .vn — Hội trường UBND phường "
        "(Trường Cao đẳng Kỹ thuật Hải Phòng)  [Thanh niên]  0/2 chỗ, 0 chờ, 0 đã đến"
    ) in made.stdout
    [session] = rows(Store(f"sqlite:///{db_path(tmp_path)}"), TrainingSession)
    local = session["starts_at"].astimezone(VIETNAM)
    assert (local.hour, local.minute, session["created_by"]) == (8, 0, "cli")


def test_what_cannot_be_held_is_refused_in_one_plain_line(tmp_path: Path) -> None:
    past = (datetime.now(VIETNAM) - timedelta(days=1)).strftime("%Y-%m-%d %H:%M")
    cases: list[tuple[dict[str, str], str]] = [
        ({"at": past}, "Thời gian bắt đầu đã qua"),
        ({"at": "10/12/2026 8h"}, 'hãy ghi thời điểm dạng "2026-12-01 09:00"'),
        ({"capacity": "0"}, "Số chỗ phải từ 1 trở lên."),
        ({"capacity": "tám mươi"}, "số chỗ chưa đúng 'tám mươi': ghi một số, ví dụ 80"),
        ({"title": "  "}, "Chưa có tên buổi tập huấn."),
        ({"map_url": "maps.google.com/abc"}, "Đường dẫn bản đồ phải bắt đầu bằng http://"),
        ({"school": "Trường Nghề Ma"}, "Không có trường «Trường Nghề Ma»"),
        ({"audience": "sinhvien"}, "invalid choice: 'sinhvien'"),
    ]
    for options, said in cases:
        refused = create(tmp_path, **options)
        assert refused.returncode == 2, (options, refused.stdout)
        assert said in refused.stderr, (options, refused.stderr)
        assert "Traceback" not in refused.stderr
    listed = run(tmp_path, "list")
    assert listed.returncode == 0 and "Chưa có buổi tập huấn nào." in listed.stdout


def signed_up(
    store: Store, session_id: int, who: str, phone: str, channel: str, at: datetime | None = None
) -> str:
    with store.transaction() as tx:
        result = training.sign_up(
            tx,
            session_id,
            channel=channel,
            user_ref=who,
            lang="vi",
            name=who,
            phone=phone,
            consent_id=None,
            now=at or datetime.now(UTC),
        )
    assert result.signup is not None
    return str(result.signup["code"])


def test_the_list_and_a_sessions_people_then_cancelling_tells_them(tmp_path: Path) -> None:
    assert create(tmp_path).returncode == 0
    now = datetime.now(UTC)
    with database(tmp_path) as store:
        with store.transaction() as tx:  # a session held last month
            old = training.create(
                tx,
                title="Buổi tháng trước",
                starts_at=now - timedelta(days=30),
                place="Nhà văn hóa",
                capacity=10,
                audience="all",
                now=now - timedelta(days=40),
                actor="test",
            )
        code = signed_up(
            store, old["id"], "Lê Thị Hoa", "0912 000 111", "telegram", now - timedelta(days=35)
        )
        with store.transaction() as tx:
            training.check_in(tx, old["id"], code, "staff@phuong.vn", now - timedelta(days=30))
        signed_up(store, 1, "Trần Văn Bình", "0912 345 678", "telegram")
        signed_up(store, 1, "Phạm Thu", "0987 654 321", "web")
        signed_up(store, 1, "Vũ Minh", "0903 111 222", "zalo")

    listed = run(tmp_path, "list")
    assert listed.returncode == 0, listed.stderr
    upcoming, past = listed.stdout.split("Đã qua:")
    assert "Sắp tới:" in upcoming and "#1" in upcoming and "2/2 chỗ, 1 chờ, 0 đã đến" in upcoming
    assert "#2" in past and "Buổi tháng trước" in past and "1/10 chỗ, 0 chờ, 1 đã đến" in past

    shown = run(tmp_path, "show", "1")
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    first = "  1. Trần Văn Bình  0912 345 678  Đã có chỗ  mã "
    assert any(line.startswith(first) for line in lines)
    assert any("2. Phạm Thu  0987 654 321  Đã có chỗ" in line for line in lines)
    assert any("3. Vũ Minh  0903 111 222  Danh sách chờ" in line for line in lines)
    shown_old = run(tmp_path, "show", "2")
    assert "✓ đã điểm danh" in shown_old.stdout

    cancelled = run(tmp_path, "cancel", "1", "--reason", "mưa bão")
    assert cancelled.returncode == 0, cancelled.stderr
    assert "Đã hủy buổi tập huấn số 1. Đã gửi tin báo cho 2 người; 1 người không nhận" in (
        cancelled.stdout
    )
    store = Store(f"sqlite:///{db_path(tmp_path)}")
    told = sorted((r["kind"], r["channel"]) for r in rows(store, Outbox))
    assert told == [("training_cancelled", "telegram"), ("training_cancelled", "zalo")]
    again = run(tmp_path, "cancel", "1")
    assert again.returncode == 2 and "Buổi tập huấn này đã bị hủy." in again.stderr
    missing = run(tmp_path, "show", "9")
    assert missing.returncode == 2 and "Không có buổi tập huấn số 9" in missing.stderr
    assert "(đã hủy)" in run(tmp_path, "list").stdout


async def test_a_session_is_announced_to_the_subscribers_of_its_audience(
    tmp_path: Path, content: Content
) -> None:
    with database(tmp_path) as store:
        conv = Conversations(store, content, lambda: TODAY)
        await subscribe(conv, "5001", "ca nhan", "20", "co", "bo qua", "khong")
    assert create(tmp_path, map_url="https://maps.app.goo.gl/abc").returncode == 0
    assert create(tmp_path, audience="team", title="Tổ công nghệ số").returncode == 0

    announced = run(tmp_path, "announce", "1")
    assert announced.returncode == 0, announced.stderr
    assert "Đã tạo chiến dịch số 1 gửi cho 1 người đăng ký nhận tin (nhóm youth)" in (
        announced.stdout
    )
    store = Store(f"sqlite:///{db_path(tmp_path)}")
    [campaign] = rows(store, Campaign)
    assert (campaign["segment"], campaign["status"], campaign["first_at"]) == (
        "youth",
        "scheduled",
        None,
    )
    for part in ("Đăng ký tên miền .vn", SHOWN.split()[0], f"{AHEAD:%d/%m/%Y}"):
        assert part in campaign["text"]
    assert "Hội trường UBND phường" in campaign["text"]
    assert "https://maps.app.goo.gl/abc" in campaign["text"] and "«tập huấn»" in campaign["text"]
    assert '"training"' in campaign["text_en"]
    with store.transaction() as tx:
        assert training.get(tx, 1)["campaign_id"] == campaign["id"]  # type: ignore[index]

    twice = run(tmp_path, "announce", "1")
    assert twice.returncode == 2 and "hiendien broadcast cancel 1" in twice.stderr
    team = run(tmp_path, "announce", "2")
    assert team.returncode == 2 and "tổ công nghệ số cộng đồng không thông báo" in team.stderr
    late = run(tmp_path, "announce", "1", "--at", "2020-01-01 09:00")
    assert late.returncode == 2
    with store.transaction() as tx:  # once its campaign is cancelled it may go again, later
        campaigns.set_status(tx, 1, "cancelled")
    when = (AHEAD - timedelta(days=7)).strftime("%Y-%m-%d %H:%M")
    again = run(tmp_path, "announce", "1", "--at", when)
    assert again.returncode == 0, again.stderr
    latest: dict[str, Any] = max(rows(store, Campaign), key=lambda c: c["id"])
    assert latest["first_at"] is not None
    assert json.dumps(latest["segment"]) == '"youth"'
