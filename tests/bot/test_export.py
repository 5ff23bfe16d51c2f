"""Exporting leads for the ward office: CSV and XLSX, safe to open in a spreadsheet.

Leads are left the way residents leave them, by driving the real conversation; the files
are read back with the csv module and openpyxl, as the ward office's software would.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from openpyxl import load_workbook

from bot.export import write_csv, write_xlsx
from bot.turns import Conversations
from db import exports
from db.store import Store
from handlers.content import Content
from handlers.types import Inbound
from tests.support import TODAY

COLUMNS = [
    "id",
    "created_at",
    "channel",
    "source",
    "applicant_kind",
    "verdict_reason",
    "name",
    "phone",
    "to_dan_pho",
    "status",
    "consent_at",
]
FORMULA_STARTS = ("=", "+", "-", "@")

# (user, source, name, typed phone, typed tổ dân phố, typed contact time)
RESIDENTS = [
    (
        "lan",
        "hoiphunu",
        "Nguyễn Thị Hương Lan",
        "0912 345 678",
        "Tổ dân phố 3",
        "sau 17h các ngày trong tuần",
    ),
    (
        "evil-1",
        None,
        '=HYPERLINK("http://evil.example","Bấm vào đây")',
        "0987 654 321",
        '=HYPERLINK("http://x","y")',
        "@SUM(1)",
    ),
    ("evil-2", "-cmd", "+Trần Văn An", "0903 123 456", "Tổ dân phố 1", "-1+1"),
    ("evil-3", None, "@Lan Anh", "0358 123 456", "+Tổ 11 mới", "=1+1"),
    ("evil-4", None, "-Đặng Thuý Hằng", "0771 234 567", "Tổ dân phố 7", "chiều thứ Bảy"),
]


def leave_lead(
    conversations: Conversations,
    user: str,
    source: str | None,
    name: str,
    phone: str,
    area: str,
    when: str,
) -> None:
    """A resident born on 15/03/2005 checks, then asks the team to call back."""
    turns: list[tuple[str | None, str | None]] = [
        (f"/start {source}" if source else "/start", None),
        (None, "kind:person"),
        ("15/03/2005", None),
        (None, "yes"),
        (None, "skip"),
        (None, "help"),
        ("Đồng ý", None),
        (name, None),
        (phone, None),
        (area, None),
        (when, None),
    ]
    reply = None
    for text, payload in turns:
        reply = conversations.handle_sync(Inbound("web", user, text=text, payload=payload))
        assert reply is not None
    assert reply is not None
    recorded = reply.messages[0].text
    as_stored = " ".join(name.replace("\x01", " ").split())  # control characters become spaces
    assert as_stored in recorded and area in recorded and when in recorded, recorded


@pytest.fixture
def seeded(store: Store, content: Content) -> Store:
    conversations = Conversations(store, content, lambda: TODAY)
    for resident in RESIDENTS:
        leave_lead(conversations, *resident)
    return store


def leads(store: Store) -> list[dict[str, Any]]:
    with store.transaction() as tx:
        return list(exports.leads_for_export(tx))


def csv_rows(store: Store) -> list[list[str]]:
    raw = io.BytesIO()
    text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
    count = write_csv(leads(store), text)
    text.flush()
    assert count == len(RESIDENTS)
    decoded = raw.getvalue().decode("utf-8")  # strict: must be valid UTF-8
    return list(csv.reader(io.StringIO(decoded, newline="")))


def xlsx_rows(store: Store) -> list[list[Any]]:
    out = io.BytesIO()
    count = write_xlsx(leads(store), out)
    assert count == len(RESIDENTS)
    out.seek(0)
    book = load_workbook(out)
    sheet = book.worksheets[0]
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f", cell.value  # nothing is a formula
    return [["" if v is None else v for v in row] for row in sheet.iter_rows(values_only=True)]


def by_column(table: list[list[Any]]) -> list[dict[str, Any]]:
    header, *body = table
    return [dict(zip(header, row, strict=True)) for row in body]


@pytest.mark.parametrize("read", [csv_rows, xlsx_rows], ids=["csv", "xlsx"])
def test_columns_and_values(seeded: Store, read: Any) -> None:
    table = read(seeded)
    header = table[0]
    for column in COLUMNS:
        assert column in header
    assert len(table) == 1 + len(RESIDENTS)

    records = by_column(table)
    lan = records[0]
    assert lan["name"] == "Nguyễn Thị Hương Lan"
    assert lan["phone"] == "0912345678"
    assert lan["to_dan_pho"] == "Tổ dân phố 3"
    assert lan["channel"] == "web"
    assert lan["source"] == "hoiphunu"
    assert lan["applicant_kind"] == "person"
    assert lan["verdict_reason"] == "eligible_youth"
    assert lan["status"] == "new"
    assert lan["created_at"] and lan["consent_at"]
    assert str(lan["id"]).isdigit()

    phones = [r["phone"] for r in records]
    assert phones == ["0912345678", "0987654321", "0903123456", "0358123456", "0771234567"]


@pytest.mark.parametrize("read", [csv_rows, xlsx_rows], ids=["csv", "xlsx"])
def test_cells_a_spreadsheet_would_run_start_with_an_apostrophe(seeded: Store, read: Any) -> None:
    table = read(seeded)
    records = by_column(table)
    evil = records[1]
    assert evil["name"] == '\'=HYPERLINK("http://evil.example","Bấm vào đây")'
    assert evil["to_dan_pho"] == '\'=HYPERLINK("http://x","y")'
    assert evil["contact_time"] == "'@SUM(1)"
    assert records[2]["name"] == "'+Trần Văn An"
    assert records[2]["source"] == "'-cmd"
    assert records[2]["contact_time"] == "'-1+1"
    assert records[3]["name"] == "'@Lan Anh"
    assert records[3]["to_dan_pho"] == "'+Tổ 11 mới"
    assert records[3]["contact_time"] == "'=1+1"
    assert records[4]["name"] == "'-Đặng Thuý Hằng"

    for row in table:
        for value in row:
            if isinstance(value, str):
                assert not value.startswith(FORMULA_STARTS), value
    # The plain cells are left alone.
    assert records[0]["name"] == "Nguyễn Thị Hương Lan"
    assert records[4]["to_dan_pho"] == "Tổ dân phố 7"


def test_csv_file_as_the_command_writes_it_opens_with_vietnamese_intact(
    seeded: Store, tmp_path: Any
) -> None:
    path = tmp_path / "leads.csv"
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        write_csv(leads(seeded), f)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: spreadsheet programs read it as UTF-8
    with open(path, encoding="utf-8-sig", newline="") as f:
        records = list(csv.DictReader(f))
    assert records[0]["name"] == "Nguyễn Thị Hương Lan"
    assert records[4]["name"] == "'-Đặng Thuý Hằng"
    assert records[4]["contact_time"] == "chiều thứ Bảy"


def test_an_empty_export_is_just_the_header(store: Store) -> None:
    out = io.StringIO()
    assert write_csv(leads(store), out) == 0
    header = next(csv.reader(io.StringIO(out.getvalue())))
    for column in COLUMNS:
        assert column in header
    book = io.BytesIO()
    assert write_xlsx(leads(store), book) == 0
    book.seek(0)
    rows = list(load_workbook(book).worksheets[0].iter_rows(values_only=True))
    assert len(rows) == 1 and "name" in rows[0]


def test_a_control_character_in_a_name_does_not_break_the_xlsx_export(
    store: Store, content: Content
) -> None:
    conversations = Conversations(store, content, lambda: TODAY)
    leave_lead(
        conversations, "ctrl", None, "Lê\x01Văn Tám", "0868 123 456", "Tổ dân phố 2", "sau 20h"
    )
    out = io.BytesIO()
    assert write_xlsx(leads(store), out) == 1
    out.seek(0)
    (_, row) = load_workbook(out).worksheets[0].iter_rows(values_only=True)
    assert "Lê Văn Tám" in "".join(str(v) for v in row)
