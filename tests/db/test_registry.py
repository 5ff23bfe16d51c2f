"""Importing the business list (db.registry_import) into a real database, SQLite and
PostgreSQL: spreadsheets built with openpyxl and CSV files written to disk as a ward office
would send them — the header below title rows, headers in other wordings, dates as text,
as date cells and as Excel serials, bad tax codes, duplicates, a re-import, a dry run, and
files that cannot be imported; and each business's eligibility on boundary days, which must
be exactly handlers.rules' verdict."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook
from sqlalchemy import func, insert, select

from db import audit, registry
from db.registry_import import BadFile, ImportResult, import_table, read_table
from db.store import Store
from db.tables import business_t, lead_t, registration_t
from handlers import rules
from handlers.content import Content
from tests.support import TODAY

HEADER = ["STT", "Mã số thuế", "Tên doanh nghiệp", "Loại hình", "Ngày thành lập", "Địa chỉ"]
# Real check digits (stdnum.vn.mst): 0100233488 is valid, 0100233489 is not.
GOOD = "0100233488"
GOOD2 = "0101245486"
GOOD3 = "0100109106"
AREAS = ("Tổ dân phố 1", "Tổ dân phố 2", "Tổ dân phố 3")


def xlsx(path: Path, rows: list[list[Any]], titles: int = 0, sheet: str = "DS") -> Path:
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = sheet
    for i in range(titles):
        ws.append([f"DANH SÁCH DOANH NGHIỆP — dòng tiêu đề {i + 1}"])
    for row in rows:
        ws.append(row)
    book.save(path)
    return path


def csv_file(path: Path, lines: list[str], bom: bool = False) -> Path:
    path.write_bytes(("\ufeff" if bom else "").encode() + "\r\n".join(lines).encode("utf-8"))
    return path


def run(store: Store, path: Path, dry_run: bool = False, today: date = TODAY) -> ImportResult:
    table = read_table(path.read_bytes(), path.name)
    with store.transaction() as tx:
        return import_table(tx, table, today=today, areas=AREAS, dry_run=dry_run, actor="cli")


def businesses(store: Store) -> dict[str, dict[str, Any]]:
    with store.transaction() as tx:
        rows = tx.conn.execute(select(business_t)).mappings().all()
    return {r["tax_code"]: dict(r) for r in rows}


def reasons(result: ImportResult) -> dict[int, list[str]]:
    return {r.row: [p.key for p in r.reasons] for r in result.rejected}


def test_a_list_with_titles_above_its_header_is_imported(store: Store, tmp_path: Path) -> None:
    path = xlsx(
        tmp_path / "ds.xlsx",
        [
            [*HEADER, "Tổ dân phố", "SĐT", "Địa chỉ email", "Số CCCD chủ hộ"],
            [
                1,
                GOOD,
                "Công ty TNHH Hải Âu",
                "Công ty TNHH",
                "15/03/2026",
                "12 Trần Thành Ngọ",
                "tdp 2",
                "0912.345.678",
                "HaiAu@Example.vn",
                "031234567890",
            ],
            [
                2,
                GOOD2,
                "Hộ kinh doanh Bánh đa cua",
                "HKD",
                "2/1/25",
                None,
                "Tổ 3",
                None,
                None,
                None,
            ],
        ],
        titles=3,
    )
    result = run(store, path)
    assert result.table.header_row == 4
    assert result.counts == {"accepted": 2, "updated": 0, "unchanged": 0, "rejected": 0}
    assert "STT" in result.table.ignored and "Số CCCD chủ hộ" in result.table.ignored
    stored = businesses(store)
    hai_au = stored[GOOD]
    assert hai_au["name"] == "Công ty TNHH Hải Âu"
    assert hai_au["kind"] == "enterprise" and hai_au["started_on"] == date(2026, 3, 15)
    assert hai_au["area"] == "Tổ dân phố 2"  # the ward's spelling
    assert hai_au["phone"] == "+84912345678" and hai_au["email"] == "haiau@example.vn"
    assert "031234567890" not in str(stored)  # the owner's ID card number is never read
    household = stored[GOOD2]
    assert household["kind"] == "household" and household["started_on"] == date(2025, 1, 2)
    assert household["area"] == "Tổ dân phố 3"
    with store.transaction() as tx:
        (event,) = audit.events(tx, action="registry_imported")
    assert event["detail"] == {"accepted": 2, "updated": 0, "unchanged": 0, "rejected": 0}


def test_headers_in_other_wordings_and_without_diacritics_are_understood(
    store: Store, tmp_path: Path
) -> None:
    path = xlsx(
        tmp_path / "ds.xlsx",
        [
            ["MST", "TEN HO KINH DOANH", "loai hinh (DN/HKD)", "Ngày cấp GCN ĐKKD", "Ghi chú"],
            [GOOD, "Tiệm may Hoa", "hộ kinh doanh", "01/02/2026", "đã gọi"],
        ],
    )
    result = run(store, path)
    assert result.counts["accepted"] == 1
    assert result.table.ignored == ["Ghi chú"]
    assert businesses(store)[GOOD]["kind"] == "household"


def test_dates_as_text_date_cells_and_excel_serials_all_read(store: Store, tmp_path: Path) -> None:
    path = xlsx(
        tmp_path / "ds.xlsx",
        [
            HEADER[1:5],
            [GOOD, "A", "Doanh nghiệp", datetime(2026, 3, 15)],  # a date cell
            [GOOD2, "B", "Doanh nghiệp", 46096],  # an Excel serial: 15/03/2026
            [GOOD3, "C", "Doanh nghiệp", "2026-03-15"],
        ],
    )
    result = run(store, path)
    assert result.counts["accepted"] == 3, reasons(result)
    assert {b["started_on"] for b in businesses(store).values()} == {date(2026, 3, 15)}


def test_bad_tax_codes_are_refused_with_why(store: Store, tmp_path: Path) -> None:
    path = xlsx(
        tmp_path / "ds.xlsx",
        [
            HEADER[1:5],
            ["0100233489", "Sai chữ số kiểm tra", "DN", "01/01/2026"],
            ["010023348", "Chín chữ số", "DN", "01/01/2026"],
            ["01002334AB", "Có chữ", "DN", "01/01/2026"],
            ["031234567890", "Số căn cước", "HKD", "01/01/2026"],
            [None, "Không có mã", "DN", "01/01/2026"],
            ["0100233488-001", "Chi nhánh", "Doanh nghiệp", "01/01/2026"],
            [100233488, "Số bị mất số 0", "DN", "01/01/2026"],  # a number cell
        ],
    )
    result = run(store, path)
    assert reasons(result) == {
        2: ["bad_tax_code_check"],
        3: ["bad_tax_code_length"],
        4: ["bad_tax_code_format"],
        5: ["tax_code_is_id_card"],
        6: ["missing_tax_code"],
    }
    assert result.rejected[1].reasons[0].params["digits"] == 9
    assert "031234567890" not in str(result.rejected[3].reasons)
    assert set(businesses(store)) == {"0100233488001", GOOD}  # the branch: 13 digits


def test_rows_with_missing_or_wrong_values_are_refused_and_the_rest_imported(
    store: Store, tmp_path: Path
) -> None:
    path = xlsx(
        tmp_path / "ds.xlsx",
        [
            HEADER[1:5],
            [GOOD, None, "DN", "01/01/2026"],
            [GOOD2, "Hợp tác xã", "Hợp tác xã", "01/01/2026"],
            [GOOD3, "Tương lai", "DN", (TODAY + timedelta(days=1)).strftime("%d/%m/%Y")],
            ["0100112437", "Không ngày", "DN", None],
            ["0100114106", "Hộ không ngày", "HKD", None],  # a household's date is not needed
            ["0100111761", "Sai ngày", "DN", "31/02/2026"],
        ],
    )
    result = run(store, path)
    assert reasons(result) == {
        2: ["missing_name"],
        3: ["unknown_kind"],
        4: ["future_date"],
        5: ["missing_founding_date"],
        7: ["bad_date"],
    }
    assert set(businesses(store)) == {"0100114106"}


def test_a_tax_code_twice_in_one_file_keeps_the_first_row(store: Store, tmp_path: Path) -> None:
    path = xlsx(
        tmp_path / "ds.xlsx",
        [HEADER[1:5], [GOOD, "Lần đầu", "DN", "01/01/2026"], [GOOD, "Lần hai", "DN", "02/01/2026"]],
    )
    result = run(store, path)
    assert reasons(result) == {3: ["duplicate"]}
    assert result.rejected[0].reasons[0].params == {"row": 2}
    assert businesses(store)[GOOD]["name"] == "Lần đầu"


def test_a_re_import_updates_by_tax_code_and_never_duplicates(store: Store, tmp_path: Path) -> None:
    first = xlsx(
        tmp_path / "a.xlsx",
        [
            [*HEADER[1:5], "SĐT"],
            [GOOD, "Công ty A", "DN", "01/01/2026", "0912345678"],
            [GOOD2, "Công ty B", "DN", "01/02/2026", None],
        ],
    )
    run(store, first)
    second = xlsx(
        tmp_path / "b.xlsx",
        [
            [*HEADER[1:5], "SĐT"],
            [GOOD, "Công ty A (đổi tên)", "DN", "01/01/2026", None],  # no phone: kept
            [GOOD2, "Công ty B", "DN", "01/02/2026", None],
            [GOOD3, "Công ty C", "DN", "01/03/2026", None],
        ],
    )
    result = run(store, second)
    assert result.counts == {"accepted": 1, "updated": 1, "unchanged": 1, "rejected": 0}
    assert result.rows[0].changed == ("name",)
    stored = businesses(store)
    assert len(stored) == 3
    assert stored[GOOD]["name"] == "Công ty A (đổi tên)"
    assert stored[GOOD]["phone"] == "+84912345678"


def test_a_dry_run_reports_and_writes_nothing(store: Store, tmp_path: Path) -> None:
    path = xlsx(tmp_path / "ds.xlsx", [HEADER[1:5], [GOOD, "A", "DN", "01/01/2026"]])
    result = run(store, path, dry_run=True)
    assert result.counts["accepted"] == 1
    assert businesses(store) == {}
    with store.transaction() as tx:
        assert audit.events(tx, action="registry_imported") == []


def test_a_csv_with_a_byte_order_mark_and_semicolons(store: Store, tmp_path: Path) -> None:
    path = csv_file(
        tmp_path / "ds.csv",
        [
            "Danh sách hộ kinh doanh;;;",
            "Mã số doanh nghiệp;Tên cơ sở;Loại;Ngày đăng ký",
            f"{GOOD};Quán cà phê Gió;Hộ kinh doanh;05/06/2026",
            f"{GOOD2};Cửa hàng Tạp hoá, số 5;HKD;45800",
        ],
        bom=True,
    )
    result = run(store, path)
    assert result.table.header_row == 2
    assert result.counts["accepted"] == 2, reasons(result)
    stored = businesses(store)
    assert stored[GOOD]["name"] == "Quán cà phê Gió"
    assert stored[GOOD2]["started_on"] == date(2025, 5, 23)  # serial 45800


def test_a_comma_csv_without_a_byte_order_mark(store: Store, tmp_path: Path) -> None:
    path = csv_file(
        tmp_path / "ds.csv",
        ["tax code,name,kind,ngay thanh lap", f'{GOOD},"Công ty A, chi nhánh",DN,1/3/26'],
    )
    result = run(store, path)
    assert result.counts["accepted"] == 1
    assert businesses(store)[GOOD]["name"] == "Công ty A, chi nhánh"


@pytest.mark.parametrize(
    ("name", "data", "key"),
    [
        ("empty.xlsx", None, "empty"),
        ("empty.csv", b"", "empty"),
        ("header-only.csv", "Mã số thuế,Tên,Loại hình,Ngày thành lập\n".encode(), "no_rows"),
        ("no-kind.csv", f"Mã số thuế,Tên\n{GOOD},A\n".encode(), "missing_columns"),
        ("other.csv", "Họ tên,Ngày sinh\nLan,1/1/2000\n".encode(), "no_header"),
        ("broken.xlsx", b"PK\x03\x04 not really a workbook", "unreadable_xlsx"),
        ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "old_xls"),
        ("latin.csv", b"Ma so thue,T\xean,Lo\xe0i,Ng\xe0y\n", "not_utf8"),  # Windows-1258
    ],
)
def test_a_file_that_cannot_be_imported_changes_nothing(
    store: Store, tmp_path: Path, name: str, data: bytes | None, key: str
) -> None:
    run(store, xlsx(tmp_path / "first.xlsx", [HEADER[1:5], [GOOD, "A", "DN", "01/01/2026"]]))
    before = businesses(store)
    path = tmp_path / name
    if data is None:
        Workbook().save(path)
    else:
        path.write_bytes(data)
    with pytest.raises(BadFile) as raised:
        run(store, path)
    assert raised.value.key == key
    if key == "missing_columns":
        assert raised.value.params["columns"] == ["kind", "started_on"]
    assert businesses(store) == before


def test_a_failure_while_writing_leaves_the_registry_as_it_was(
    store: Store, tmp_path: Path
) -> None:
    """One transaction: when anything fails midway, nothing of the file is kept."""
    path = xlsx(
        tmp_path / "ds.xlsx",
        [HEADER[1:5], [GOOD, "A", "DN", "01/01/2026"], [GOOD2, "B", "DN", "01/01/2026"]],
    )
    table = read_table(path.read_bytes(), path.name)
    with pytest.raises(RuntimeError), store.transaction() as tx:
        import_table(tx, table, today=TODAY, actor="cli")
        raise RuntimeError("the disk is full")
    assert businesses(store) == {}


# --- eligibility: handlers.rules decides ---------------------------------------------------------


def test_eligibility_on_boundary_days_is_the_rules_verdict(
    store: Store, tmp_path: Path, content: Content
) -> None:
    founded = date(2025, 11, 25)
    path = xlsx(
        tmp_path / "ds.xlsx",
        [
            HEADER[1:5],
            [GOOD, "Mới thành lập", "DN", founded.strftime("%d/%m/%Y")],
            [GOOD2, "Hộ có giấy chứng nhận", "HKD", "01/01/2010"],
        ],
    )
    run(store, path)
    program = content.rules
    anniversary = rules.anniversary(founded, program.enterprise_max_years)
    days = [
        anniversary - timedelta(days=1),
        anniversary,
        program.end_date,
        program.end_date + timedelta(days=1),
    ]
    with store.transaction() as tx:
        for on in days:
            listed = {b["tax_code"]: b for b in registry.listing(tx, on, program)}
            enterprise, household = listed[GOOD], listed[GOOD2]
            assert enterprise["verdict"] == rules.check_enterprise(founded, on, program)
            assert household["verdict"] == rules.check_household(True, on, program)
    with store.transaction() as tx:
        day_before = {b["tax_code"]: b for b in registry.listing(tx, days[0], program)}
        on_the_day = {b["tax_code"]: b for b in registry.listing(tx, days[1], program)}
    assert day_before[GOOD]["eligible"] and day_before[GOOD]["verdict"].eligible_until == days[0]
    assert not on_the_day[GOOD]["eligible"]
    assert on_the_day[GOOD]["verdict"].reason == rules.ENTERPRISE_TOO_OLD
    # before its founding day an enterprise has no verdict at all
    with store.transaction() as tx:
        earlier = registry.listing(tx, founded - timedelta(days=1), program)
    assert next(b for b in earlier if b["tax_code"] == GOOD)["verdict"] is None


def test_the_proposal_leaves_out_the_registered_and_the_ineligible(
    store: Store, tmp_path: Path, content: Content
) -> None:
    path = xlsx(
        tmp_path / "ds.xlsx",
        [
            [*HEADER[1:5], "Tổ dân phố"],
            [GOOD, "Đã có biz.vn", "DN", "01/06/2026", "Tổ dân phố 1"],
            [GOOD2, "Đăng ký qua tổ", "HKD", "01/01/2020", "Tổ dân phố 2"],
            [GOOD3, "Đã quá một năm", "DN", "01/06/2024", "Tổ dân phố 1"],
            ["0100112437", "Chưa đăng ký", "DN", "01/06/2026", "Tổ dân phố 10"],
            ["0100114106", "Hộ chưa đăng ký", "HKD", "01/06/2020", "Tổ dân phố 2"],
        ],
    )
    run(store, path)
    ids = {code: b["id"] for code, b in businesses(store).items()}
    with store.transaction() as tx:
        tx.conn.execute(
            insert(registration_t),
            {
                "domain": "haiau.biz.vn",
                "kind": "biz.vn",
                "registered_on": TODAY,
                "source": "registrar",
                "business_id": ids[GOOD],
                "recorded_by": "cli",
            },
        )
        tx.conn.execute(
            insert(lead_t),
            {
                "channel": "web",
                "user_ref": "u1",
                "applicant": "household",
                "name": "Chị Hoa",
                "phone": "+84912000111",
                "area": "Tổ dân phố 2",
                "contact_time": "sáng",
                "status": "registered",
                "business_id": ids[GOOD2],
            },
        )
    with store.transaction() as tx:
        chosen = registry.proposal(tx, TODAY, content.rules, AREAS)
        count = tx.conn.execute(select(func.count()).select_from(business_t)).scalar()
    assert count == 5
    assert [b["name"] for b in chosen] == ["Hộ chưa đăng ký", "Chưa đăng ký"]  # TDP 2, then 10
