"""``hiendien leads export`` in this process (``bot.cli.main.main``), on SQLite and
PostgreSQL: the file or standard output, the filters, Vietnamese messages, and the audit
row every export writes."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.cli.main import main
from bot.settings import get_settings
from db import audit, followup
from db.store import Store
from tests.support import ROOT
from tests.support.followup import a_lead, a_team, a_user, user_actor


@pytest.fixture
def cli(store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    """``hiendien`` in this process, in an empty folder, on the test's database."""
    for name in list(os.environ):
        if name.startswith(("HIENDIEN_", "TELEGRAM_", "ZALO_")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HIENDIEN_DATABASE_URL", store.url)
    monkeypatch.setenv("HIENDIEN_CONTENT_DIR", str(ROOT / "content"))
    get_settings.cache_clear()
    a_team(store, "Tổ công nghệ số 1", "Tổ dân phố 1")
    a_team(store, "Tổ công nghệ số 2", "Tổ dân phố 2")
    a_lead(
        store,
        "0912 345 671",
        name="Lê Văn Một",
        area="Tổ dân phố 1",
        created_at=datetime(2026, 11, 24, 16, 30, tzinfo=UTC),  # 24/11 23:30 in Vietnam
    )
    a_lead(
        store,
        "0912 345 672",
        name="Lê Văn Hai",
        area="Tổ dân phố 2",
        created_at=datetime(2026, 11, 24, 17, 30, tzinfo=UTC),  # 25/11 00:30 in Vietnam
    )
    admin = user_actor(store, a_user(store, "boss@phuong.example", "admin"))
    one = a_lead(store, "0912 345 673", name="Lê Văn Ba", area="Tổ dân phố 1")
    with store.transaction() as tx:
        assert followup.claim_lead(tx, one, admin) == "won"
    yield store
    get_settings.cache_clear()


def names_in_csv(raw: bytes) -> list[str]:
    assert raw.startswith(b"\xef\xbb\xbf")
    header, *body = csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""))
    return [dict(zip(header, row, strict=True))["Họ tên"] for row in body]


def test_csv_on_standard_output_with_its_bom(
    cli: Store, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    assert main(["leads", "export"]) == 0
    out, err = capsysbinary.readouterr()
    assert names_in_csv(out) == ["Lê Văn Một", "Lê Văn Hai", "Lê Văn Ba"]
    assert err == b""


def test_xlsx_in_a_file_says_so_in_vietnamese(
    cli: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["leads", "export", "--format", "xlsx", "--output", "ds.xlsx"]) == 0
    out, err = capsys.readouterr()
    assert (out, err) == ("", "Đã ghi 3 yêu cầu hỗ trợ vào ds.xlsx.\n")
    sheet = load_workbook(tmp_path / "ds.xlsx").worksheets[0]
    assert [c.value for c in sheet["C"]] == ["Họ tên", "Lê Văn Một", "Lê Văn Hai", "Lê Văn Ba"]
    assert sheet.freeze_panes == "A2"


def test_the_filters_of_the_command(cli: Store, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    def exported(*args: str) -> list[str]:
        assert main(["leads", "export", *args]) == 0
        return names_in_csv(capsysbinary.readouterr().out)

    assert exported("--status", "claimed") == ["Lê Văn Ba"]
    assert exported("--team", "to cong nghe so 2") == ["Lê Văn Hai"]
    assert exported("--from", "25/11/2026", "--to", "25/11/2026") == ["Lê Văn Hai"]
    assert exported("--to", "2026-11-24") == ["Lê Văn Một"]
    with cli.transaction() as tx:
        logged = audit.events(tx, action="export", limit=2)
    assert [(e["actor"], e["detail"]) for e in logged] == [
        ("cli", {"rows": 1, "format": "csv", "filters": {"created_to": "2026-11-24"}}),
        (
            "cli",
            {
                "rows": 1,
                "format": "csv",
                "filters": {"created_from": "2026-11-25", "created_to": "2026-11-25"},
            },
        ),
    ]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--from", "31/02/2026"], "hiendien: ngày 31/02/2026 không đúng"),
        (["--from", "2/12/2026", "--to", "1/12/2026"], "hiendien: ngày bắt đầu (2/12/2026) sau"),
        (["--team", "Tổ 9"], 'hiendien: không có tổ nào tên "Tổ 9"'),
        (["--output", "no/such/dir/x.csv"], "hiendien: không ghi được no/such/dir/x.csv"),
    ],
)
def test_bad_input_is_told_in_vietnamese(
    cli: Store, capsys: pytest.CaptureFixture[str], args: list[str], expected: str
) -> None:
    assert main(["leads", "export", *args]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.startswith(expected) and err.count("\n") == 1, err
    with cli.transaction() as tx:
        assert audit.events(tx, action="export") == []  # nothing exported, nothing logged
