"""``hiendien registry import|proposal``, run for real (``python -m bot registry …`` in a
subprocess, this repository's code, a SQLite file of its own; the import itself is tested
on PostgreSQL too in tests/db/test_registry.py): a dry run, the import with its refused rows
in Vietnamese, a bad file answered on one line with exit code 2, and the proposal list read
back with openpyxl."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from db import audit
from db.store import Store
from db.tables import business_t
from tests.support import ROOT
from tests.support.environment import configured, db_path
from tests.support.ward_areas import listed_content_dir

GOOD, GOOD2, GOOD3 = "0100233488", "0101245486", "0100109106"


def hiendien(
    tmp_path: Path, *args: str, content: Path | None = None
) -> subprocess.CompletedProcess[str]:
    env = configured(tmp_path) if content is None else configured(tmp_path, content)
    return subprocess.run(
        [sys.executable, "-m", "bot", "registry", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def workbook(path: Path, rows: list[list[Any]]) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["DANH SÁCH DOANH NGHIỆP THÀNH LẬP MỚI, HỘ KINH DOANH"])
    sheet.append([])
    sheet.append(["STT", "Mã số thuế", "Tên", "Loại hình", "Ngày cấp", "Tổ dân phố", "SĐT"])
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def stored(tmp_path: Path) -> dict[str, dict[str, Any]]:
    with Store(f"sqlite:///{db_path(tmp_path)}") as store, store.transaction() as tx:
        return {r["tax_code"]: dict(r) for r in tx.conn.execute(select(business_t)).mappings()}


ROWS = [
    [1, GOOD, "Công ty TNHH Hải Âu", "Công ty", "15/10/2026", "Tổ dân phố 2", "0912345678"],
    [2, "0100233489", "Công ty sai mã", "Công ty", "01/10/2026", "Tổ dân phố 2", None],
    [3, GOOD2, "Hộ kinh doanh Hoa", "Hộ kinh doanh", "01/01/2020", "tdp 1", None],
    [4, GOOD, "Công ty TNHH Hải Âu", "Công ty", "15/10/2026", "Tổ dân phố 2", None],
]


def test_a_dry_run_then_the_import_and_a_re_import(tmp_path: Path) -> None:
    path = workbook(tmp_path / "ds.xlsx", ROWS)
    dry = hiendien(tmp_path, "import", str(path), "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "Chạy thử: chưa ghi gì vào danh sách." in dry.stdout
    assert "Dòng tiêu đề của bảng: dòng 3" in dry.stdout
    assert "2 thêm mới, 0 cập nhật, 0 không đổi, 2 không nhận." in dry.stdout
    assert "Dòng 5 (Công ty sai mã): mã số thuế 0100233489 sai chữ số kiểm tra" in dry.stdout
    assert "Dòng 7 (Công ty TNHH Hải Âu): trùng mã số thuế với dòng 4 trong cùng tệp" in dry.stdout
    assert stored(tmp_path) == {}

    done = hiendien(tmp_path, "import", str(path))
    assert done.returncode == 0, done.stderr
    assert "Đã nhập vào danh sách." in done.stdout
    assert set(stored(tmp_path)) == {GOOD, GOOD2}

    again = hiendien(tmp_path, "import", str(path))
    assert "0 thêm mới, 0 cập nhật, 2 không đổi, 2 không nhận." in again.stdout
    assert len(stored(tmp_path)) == 2
    with Store(f"sqlite:///{db_path(tmp_path)}") as store, store.transaction() as tx:
        events = audit.events(tx, action="registry_imported")
    assert [e["actor"] for e in events] == ["cli", "cli"]


def test_a_bad_file_is_one_vietnamese_line_and_exit_code_2(tmp_path: Path) -> None:
    hiendien(tmp_path, "import", str(workbook(tmp_path / "ds.xlsx", ROWS[:1])))
    empty = tmp_path / "trong.csv"
    empty.write_bytes(b"\xef\xbb\xbf\r\n")
    answer = hiendien(tmp_path, "import", str(empty))
    assert answer.returncode == 2
    assert (
        answer.stderr.strip() == "hiendien: Tệp trống, không có dữ liệu nào. Không có gì thay đổi."
    )
    missing = hiendien(tmp_path, "import", str(tmp_path / "khong-co.xlsx"))
    assert missing.returncode == 2
    assert "không đọc được" in missing.stderr and "Traceback" not in missing.stderr
    columns = tmp_path / "thieu-cot.csv"
    columns.write_text(f"Mã số thuế;Tên doanh nghiệp\n{GOOD3};Công ty C\n", encoding="utf-8")
    lacking = hiendien(tmp_path, "import", str(columns))
    assert lacking.returncode == 2
    assert "thiếu cột: Loại hình, Ngày thành lập / ngày cấp" in lacking.stderr
    assert set(stored(tmp_path)) == {GOOD}


def test_the_proposal_list_is_written_and_reads_back(tmp_path: Path) -> None:
    listed = listed_content_dir(tmp_path)  # the ward's tổ dân phố: its spelling, its order
    hiendien(tmp_path, "import", str(workbook(tmp_path / "ds.xlsx", ROWS)), content=listed)
    out = tmp_path / "de-xuat.xlsx"
    answer = hiendien(
        tmp_path, "proposal", "--output", str(out), "--on", "25/11/2026", content=listed
    )
    assert answer.returncode == 0, answer.stderr
    assert "2 cơ sở đủ điều kiện ngày 25/11/2026" in answer.stdout
    sheet = load_workbook(out).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "DANH SÁCH ĐỀ XUẤT THAM GIA CHƯƠNG TRÌNH"
    assert rows[2][0] == "Phường Kiến An, thành phố Hải Phòng"
    assert "25/11/2026" in str(rows[3][0])
    assert rows[4][:5] == (
        "STT",
        "Tổ dân phố",
        "Tổ công nghệ số phụ trách",
        "Mã số thuế",
        "Tên doanh nghiệp / hộ kinh doanh",
    )
    body = [r for r in rows[5:] if r[0] is not None]
    assert [(r[0], r[1], r[3], r[4]) for r in body] == [
        (1, "Tổ dân phố 1", GOOD2, "Hộ kinh doanh Hoa"),
        (2, "Tổ dân phố 2", GOOD, "Công ty TNHH Hải Âu"),
    ]
    hai_au = body[1]
    assert hai_au[6].date() == date(2026, 10, 15)  # a real date cell
    assert hai_au[7].date() == date(2026, 12, 31)  # eligible until the programme's end
    assert hai_au[9] == "0912345678"

    later = hiendien(tmp_path, "proposal", "--output", str(out), "--on", "2027-01-01")
    assert "0 cơ sở" in later.stdout  # the programme has ended
    bad = hiendien(tmp_path, "proposal", "--output", str(out), "--on", "31/02/2026")
    assert bad.returncode == 2 and "ngày 31/02/2026 không đúng" in bad.stderr
