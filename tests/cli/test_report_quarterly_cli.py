"""``hiendien report quarterly``, run for real (``python -m bot report quarterly …`` in a
subprocess, on a SQLite file holding a ward with known numbers): the team's and the ward's
report as .docx and .xlsx read back, the closing summary with ``--level final``, and bad
input answered in one Vietnamese line (exit 2) without writing a file."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import docx
import openpyxl

from db import audit
from db.store import Store
from tests.support.environment import configured, db_path
from tests.support.plan_ward import DIFFICULTIES_1, TEAM_1, plan_ward


def run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "report", "quarterly", *args],
        cwd=tmp_path,
        env=configured(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def seeded(tmp_path: Path) -> str:
    url = f"sqlite:///{db_path(tmp_path)}"
    from db import migrate

    migrate.upgrade(url)
    with Store(url) as store:
        plan_ward(store)
    return url


def lines_of(path: Path) -> list[str]:
    return [p.text for p in docx.Document(io.BytesIO(path.read_bytes())).paragraphs]


def test_team_and_ward_reports_as_word_and_excel(tmp_path: Path) -> None:
    url = seeded(tmp_path)
    team = tmp_path / "to1.docx"
    done = run(
        tmp_path,
        "--quarter",
        "2026Q4",
        "--level",
        "team",
        "--team",
        "to cong nghe so 1",
        "--format",
        "docx",
        "--output",
        str(team),
        "--on",
        "2026-12-05",
    )
    assert done.returncode == 0, done.stderr
    assert "Đã ghi" in done.stdout
    lines = lines_of(team)
    assert "BÁO CÁO" in lines and DIFFICULTIES_1 in lines
    assert any(
        line.startswith(f"Tính đến ngày 05/12/2026, {TEAM_1} đã tiếp nhận 4") for line in lines
    )
    ward = tmp_path / "phuong.xlsx"
    done = run(tmp_path, "--quarter", "2026q4", "--level", "ward", "--output", str(ward))
    assert done.returncode == 0, done.stderr
    book = openpyxl.load_workbook(ward)
    assert "Theo nguồn" in book.sheetnames
    final = tmp_path / "tongket.docx"
    done = run(tmp_path, "--level", "final", "--output", str(final), "--on", "2026-11-20")
    assert done.returncode == 0, done.stderr
    assert any(line.startswith("Tổng kết kết quả triển khai") for line in lines_of(final))
    with Store(url) as store, store.transaction() as tx:
        made = audit.events(tx, action="report_exported")
    assert sorted(e["detail"]["level"] for e in made) == ["final", "team", "ward"]


def test_bad_input_is_one_vietnamese_line_and_no_file(tmp_path: Path) -> None:
    seeded(tmp_path)
    out = tmp_path / "x.docx"
    cases = [
        (("--quarter", "2026Q5", "--level", "ward"), "quý «2026Q5» chưa đúng"),
        (("--level", "ward"), "cần --quarter"),
        (("--quarter", "2026Q4", "--level", "team"), "cần --team"),
        (("--quarter", "2026Q4", "--level", "team", "--team", "Tổ 9"), "không có tổ «Tổ 9»"),
        (("--quarter", "2026Q4", "--level", "final"), "bỏ --quarter"),
    ]
    for args, words in cases:
        done = run(tmp_path, *args, "--output", str(out))
        assert done.returncode == 2, (args, done.stderr)
        assert words in done.stderr and "Traceback" not in done.stderr
        assert len(done.stderr.strip().splitlines()) == 1
    done = run(
        tmp_path, "--quarter", "2026Q4", "--level", "ward", "--output", str(tmp_path / "x.pdf")
    )
    assert done.returncode == 2 and "--format docx" in done.stderr
    assert not out.exists() and not (tmp_path / "x.pdf").exists()
