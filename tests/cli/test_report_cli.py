"""``hiendien report progress``, run for real (``python -m bot report progress`` in a
subprocess, on a SQLite file of its own; the numbers themselves are tested by hand in
tests/db/test_progress.py on SQLite and PostgreSQL): DESIGN.md's JSON object, key for key,
and the Vietnamese text with its line for a denominator not set."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

from sqlalchemy import insert

from db import migrate
from db.store import Store
from db.tables import business_t, registration_t, ward_figure_t
from tests.support.environment import CONTENT, clean_env, db_path


def report(db_url: str, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = clean_env(HIENDIEN_DATABASE_URL=db_url, HIENDIEN_CONTENT_DIR=str(CONTENT))
    return subprocess.run(
        [sys.executable, "-m", "bot", "report", "progress", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def a_ward(tmp_path: Path, youths: int | None) -> str:
    """Two eligible businesses (one registered), one id.vn domain, and the youths figure."""
    url = f"sqlite:///{db_path(tmp_path)}"
    migrate.upgrade(url)
    with Store(url) as store, store.transaction() as tx:
        for n, started in ((1, date(2026, 3, 1)), (2, date(2026, 6, 1))):
            tx.conn.execute(
                insert(business_t),
                {
                    "tax_code": f"010000000{n}",
                    "name": f"Cơ sở {n}",
                    "kind": "enterprise",
                    "started_on": started,
                },
            )
        rows = [("coso1.biz.vn", "biz.vn", 1), ("lan.id.vn", "id.vn", None)]
        for domain, kind, business in rows:
            tx.conn.execute(
                insert(registration_t),
                {
                    "domain": domain,
                    "kind": kind,
                    "registered_on": date(2026, 10, 1),
                    "source": "staff",
                    "recorded_by": "cli",
                    "business_id": business,
                },
            )
        if youths is not None:
            tx.conn.execute(
                insert(ward_figure_t),
                {
                    "key": "youths_18_23",
                    "value": youths,
                    "source": "Công an phường",
                    "as_of": date(2026, 1, 1),
                    "set_by": "cli",
                },
            )
    return url


def test_the_json_is_designs_object_key_for_key(tmp_path: Path) -> None:
    done = report(a_ward(tmp_path, youths=300), tmp_path, "--on", "2026-11-25", "--format", "json")
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert found == {
        "on": "2026-11-25",
        # 1 ÷ 300 = 0.333… → 0.3
        "id_vn": {"registered": 1, "youths": 300, "percent": 0.3, "target_percent": [50, 60]},
        # both founded within the year: 1 ÷ 2 = 50.0
        "biz_vn": {
            "registered": 1,
            "eligible_businesses": 2,
            "percent": 50.0,
            "target_percent": [40, 50],
        },
        # the registration reached coso1: 1 ÷ 2
        "businesses_reached": {"reached": 1, "eligible": 2, "percent": 50.0, "target_percent": 100},
        "schools_reached": {"reached": 0, "schools": 0, "percent": None, "target_percent": 100},
        "news": {"month": "2026-11", "sent": 0, "target_per_month": 2},
    }
    assert [type(found[k]).__name__ for k in found] == ["str"] + ["dict"] * 5


def test_the_text_says_each_target_and_what_is_not_set(tmp_path: Path) -> None:
    done = report(a_ward(tmp_path, youths=None), tmp_path, "--on", "25/11/2026")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "Tiến độ so với chỉ tiêu kế hoạch — Số liệu đến hết ngày 25/11/2026"
    assert (
        "- Doanh nghiệp, hộ kinh doanh đủ điều kiện có tên miền biz.vn: 1 đã đăng ký / "
        "2 đủ điều kiện = 50,0% (chỉ tiêu 40–50%) — đạt chỉ tiêu"
    ) in lines
    assert "- Thanh niên 18–23 có tên miền id.vn: 1 tên miền id.vn / 0 thanh niên 18–23" in lines
    assert "  chưa nhập số thanh niên 18–23 — đặt ở /office/schools" in lines
    assert (
        "- Tin tuyên truyền trong tháng 11/2026: 0 lần (chỉ tiêu ít nhất 2 lần/tháng)"
        " — dưới chỉ tiêu"
    ) in lines
    assert "  23/11/2026–29/11/2026: 0 hồ sơ mới, 0 tên miền" in lines


def test_a_day_that_is_no_day_is_refused_in_vietnamese(tmp_path: Path) -> None:
    done = report(f"sqlite:///{db_path(tmp_path)}", tmp_path, "--on", "31/02/2026")
    assert done.returncode == 2
    assert "ngày chưa đúng '31/02/2026': viết 25/11/2026 hoặc 2026-11-25" in done.stderr
    assert "Traceback" not in done.stderr
