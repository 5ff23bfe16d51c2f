"""``hiendien sources``, run for real (``python -m bot sources …`` in a subprocess, with a
SQLite file of its own; db.sources itself is tested on PostgreSQL too): adding, listing,
showing, changing and archiving sources, their QR codes and poster, in Vietnamese."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bot.turns import Conversations
from db import audit
from db.store import Store
from handlers.content import Content
from tests.support import TODAY
from tests.support.conversations import LEAD_DIALOGUE, talk
from tests.support.environment import CONTENT, clean_env, db_path
from tests.support.qr_reader import read_qr

PUBLIC = "https://chat.kienan.example.vn"


def run(db_url: str, cwd: Path, *args: str, **settings: str) -> subprocess.CompletedProcess[str]:
    env = clean_env(HIENDIEN_DATABASE_URL=db_url, HIENDIEN_CONTENT_DIR=str(CONTENT), **settings)
    return subprocess.run(
        [sys.executable, "-m", "bot", "sources", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_sources_are_added_listed_shown_changed_and_archived(
    tmp_path: Path, content: Content
) -> None:
    db_url = f"sqlite:///{db_path(tmp_path)}"
    added = run(
        db_url,
        tmp_path,
        "add",
        "HoiPhuNu",
        "--name",
        "Họp chi hội  tháng 12",
        "--organisation",
        "hoi phu nu",
    )
    assert added.returncode == 0, added.stderr
    assert "Đã thêm nguồn hoiphunu: Họp chi hội tháng 12 (Hội Phụ nữ)." in added.stdout
    assert "Mã nguồn được lưu bằng chữ thường: hoiphunu." in added.stdout
    assert "Web: /?source=hoiphunu" in added.stdout

    again = run(db_url, tmp_path, "add", "hoiphunu", "--name", "x", "--organisation", "y")
    assert again.returncode == 2
    assert 'Đã có nguồn mang mã "hoiphunu"' in again.stderr

    with Store(db_url) as store:  # residents arrive by the source's link
        conv = Conversations(store, content, lambda: TODAY)
        talk(conv, "lan", "/start hoiphunu", *LEAD_DIALOGUE[1:])
        talk(conv, "minh", "/start tdp7")

    listed = run(db_url, tmp_path, "list")
    assert listed.returncode == 0, listed.stderr
    assert "hoiphunu — Hội Phụ nữ: Họp chi hội tháng 12" in listed.stdout
    line = (
        "1 trò chuyện → 1 lượt kiểm tra → 1 đủ điều kiện → 1 yêu cầu hỗ trợ → 0 đã liên hệ được"
        " → 0 đã đăng ký"
    )
    assert line in listed.stdout
    assert "tdp7: 1 trò chuyện → 0 lượt kiểm tra" in listed.stdout  # a code nobody added

    shown = run(
        db_url,
        tmp_path,
        "show",
        "HOIPHUNU",
        HIENDIEN_PUBLIC_URL=PUBLIC,
        TELEGRAM_BOT_USERNAME="phuong_bot",
        ZALO_OA_ID="123456",
    )
    assert shown.returncode == 0, shown.stderr
    for expected in (
        "Mã nguồn: hoiphunu",
        "Đơn vị: Hội Phụ nữ",
        f"Web: {PUBLIC}/?source=hoiphunu",
        "Telegram: https://t.me/phuong_bot?start=hoiphunu",
        "Zalo: https://zalo.me/123456",
        "Zalo không chuyển mã nguồn",
        "Cuộc trò chuyện: 1",
        "Đủ điều kiện: 1",
        "Đã đăng ký: 0",
    ):
        assert expected in shown.stdout
    period = run(db_url, tmp_path, "show", "hoiphunu", "--since", "26/11/2026")
    assert "Số liệu từ 26/11/2026." in period.stdout
    assert "Lượt kiểm tra điều kiện: 0" in period.stdout  # the verdict was on the 25th

    changed = run(db_url, tmp_path, "change", "hoiphunu", "--organisation", "doan thanh nien")
    assert "Đã cập nhật nguồn hoiphunu: Họp chi hội tháng 12 (Đoàn Thanh niên)." in changed.stdout

    archived = run(db_url, tmp_path, "archive", "hoiphunu")
    assert archived.returncode == 0 and "Đã lưu trữ nguồn hoiphunu." in archived.stdout
    assert "(đã lưu trữ)" in run(db_url, tmp_path, "list", "--archived").stdout
    assert "Đã bỏ lưu trữ" in run(db_url, tmp_path, "archive", "hoiphunu", "--undo").stdout

    unknown = run(db_url, tmp_path, "show", "nope")
    assert unknown.returncode == 2 and 'Không có nguồn nào mang mã "nope".' in unknown.stderr

    with Store(db_url) as store, store.transaction() as tx:
        changes = [e["detail"]["change"] for e in audit.events(tx, actor="cli")]
    assert changes == ["unarchived", "archived", "changed", "added"]


def test_qr_codes_and_the_poster_are_written_for_a_source(tmp_path: Path) -> None:
    db_url = f"sqlite:///{db_path(tmp_path)}"
    run(db_url, tmp_path, "add", "loa-t5", "--name", "Loa tổ 5", "--organisation", "Loa")
    relative = run(db_url, tmp_path, "qr", "loa-t5", "--output", "x.svg")
    assert relative.returncode == 2
    assert "liên kết tương đối" in relative.stderr and "HIENDIEN_PUBLIC_URL" in relative.stderr
    assert not (tmp_path / "x.svg").exists()
    no_zalo = run(db_url, tmp_path, "qr", "loa-t5", "--channel", "zalo", "--output", "z.svg")
    assert no_zalo.returncode == 2 and "ZALO_OA_ID" in no_zalo.stderr

    made = run(
        db_url,
        tmp_path,
        "qr",
        "loa-t5",
        "--format",
        "png",
        "--scale",
        "4",
        "--output",
        "loa.png",
        HIENDIEN_PUBLIC_URL=PUBLIC,
    )
    assert made.returncode == 0, made.stderr
    assert "Đã ghi mã QR (Web, PNG) của nguồn loa-t5 vào loa.png" in made.stderr
    found = read_qr((tmp_path / "loa.png").read_bytes())
    assert found is not None and found.text == f"{PUBLIC}/?source=loa-t5"
    svg = run(
        db_url,
        tmp_path,
        "qr",
        "loa-t5",
        "--channel",
        "telegram",
        "--output",
        "tg.svg",
        TELEGRAM_BOT_USERNAME="phuong_bot",
    )
    assert svg.returncode == 0, svg.stderr
    assert (tmp_path / "tg.svg").read_text().startswith("<?xml")

    no_poster = run(db_url, tmp_path, "poster", "loa-t5", "--output", "p.html")
    assert no_poster.returncode == 2 and "Chưa in được áp phích" in no_poster.stderr
    poster = run(
        db_url, tmp_path, "poster", "loa-t5", "--output", "p.html", HIENDIEN_PUBLIC_URL=PUBLIC
    )
    assert poster.returncode == 0, poster.stderr
    html = (tmp_path / "p.html").read_text()
    assert 'href="poster.css"' in html and "chat.kienan.example.vn/?source=loa-t5" in html
    assert "@page" in (tmp_path / "poster.css").read_text()
