"""The quarterly report made from a ward with known numbers (tests.support.plan_ward) and read
back: the .docx with python-docx — the page, the national motto, the date line with its
leading zeros, the title, the sections with the numbers in sentences, the teams' words, the
closing with no signer made up, the appendix table with "Kết quả thực hiện" filled, page
numbers from page 2 — and the .xlsx with openpyxl. On SQLite and PostgreSQL."""

from __future__ import annotations

import io
from datetime import date

import docx
import openpyxl
import pytest
from docx.enum.section import WD_ORIENT

from bot.reports import document, workbook
from bot.reports.data import ReportData
from bot.reports.gather import gather
from db.store import Store
from handlers.content import Content
from handlers.quarters import Quarter
from tests.support.plan_ward import (
    DIFFICULTIES_1,
    PROPOSALS_1,
    TEAM_1,
    TEAM_2,
    WARD_DIFFICULTIES,
    plan_ward,
)

Q4 = Quarter(2026, 4)
ISSUED = date(2026, 12, 5)


def made(
    store: Store,
    content: Content,
    level: str = "ward",
    team_id: int | None = None,
    today: date = ISSUED,
) -> ReportData:
    with store.transaction() as tx:
        return gather(
            tx,
            content,
            content.plan,
            level=level,
            quarter=None if level == "final" else Q4,
            today=today,
            team_id=team_id,
        )


def read(data: ReportData, content: Content) -> docx.document.Document:
    return docx.Document(io.BytesIO(document.docx_bytes(data, content)))


def texts(doc: docx.document.Document) -> list[str]:
    return [p.text for p in doc.paragraphs]


def cells(table: docx.table.Table) -> list[list[str]]:
    return [[c.text for c in row.cells] for row in table.rows]


def test_date_line_takes_leading_zeros() -> None:
    assert document.date_line("Kiến An", date(2026, 12, 5)) == "Kiến An, ngày 05 tháng 12 năm 2026"
    assert document.date_line("Kiến An", date(2027, 1, 5)) == "Kiến An, ngày 05 tháng 01 năm 2027"
    assert document.date_line("Kiến An", date(2027, 2, 28)) == "Kiến An, ngày 28 tháng 02 năm 2027"
    assert document.date_line("Kiến An", date(2027, 3, 10)) == "Kiến An, ngày 10 tháng 3 năm 2027"


def test_ward_report_in_the_administrative_form(store: Store, content: Content) -> None:
    plan_ward(store)
    doc = read(made(store, content), content)
    page = doc.sections[0]
    assert page.orientation == WD_ORIENT.PORTRAIT
    mm = [
        round(x.mm)
        for x in (
            page.page_width,
            page.page_height,
            page.left_margin,
            page.right_margin,
            page.top_margin,
            page.bottom_margin,
        )
    ]
    assert mm == [210, 297, 30, 15, 20, 20]
    assert doc.styles["Normal"].font.name == "Times New Roman"
    header = cells(doc.tables[0])
    assert header[0][0].strip() == "ỦY BAN NHÂN DÂN PHƯỜNG KIẾN AN"
    assert header[0][1].splitlines()[:2] == [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
    ]
    assert header[1][0].startswith("Số:") and "/BC-" in header[1][0]
    assert header[1][1] == "Kiến An, ngày 05 tháng 12 năm 2026"
    date_run = doc.tables[0].cell(1, 1).paragraphs[0].runs[0]
    assert date_run.italic
    motto = doc.tables[0].cell(0, 1).paragraphs[0].runs[0]
    assert motto.bold
    lines = texts(doc)
    title = lines.index("BÁO CÁO")
    assert lines[title + 1].startswith("Kết quả triển khai Chương trình thúc đẩy, hỗ trợ")
    assert lines[title + 1].endswith("Quý IV năm 2026")
    for heading in ("I. KẾT QUẢ THỰC HIỆN", "II. KHÓ KHĂN, VƯỚNG MẮC", "III. ĐỀ XUẤT, KIẾN NGHỊ"):
        assert heading in lines
    body = "\n".join(lines)
    assert "đã tiếp nhận 6 yêu cầu" in body and "đã liên hệ, hướng dẫn 4 trường hợp" in body
    assert "2 trường hợp đã đăng ký được tên miền" in body
    assert "2 thanh niên từ đủ 18 đến 23 tuổi đã đăng ký, đạt 2,0% trên tổng số 100" in body
    assert "chỉ tiêu từ 50% đến 60%: chưa đạt" in body
    assert "1/2 trường cao đẳng, dạy nghề" in body
    assert "1/2 Tổ công nghệ số cộng đồng đã gửi báo cáo; chưa gửi: Tổ công nghệ số 2" in body
    # every team's words under its team's name, the ward's own first
    difficulties = lines[
        lines.index("II. KHÓ KHĂN, VƯỚNG MẮC") : lines.index("III. ĐỀ XUẤT, KIẾN NGHỊ")
    ]
    assert WARD_DIFFICULTIES in difficulties and DIFFICULTIES_1 in difficulties
    assert difficulties.index(TEAM_1 + ":") < difficulties.index(DIFFICULTIES_1)
    assert PROPOSALS_1 in lines[lines.index("III. ĐỀ XUẤT, KIẾN NGHỊ") :]


def test_no_signer_is_made_up_when_the_ward_set_none(store: Store, content: Content) -> None:
    plan_ward(store)
    assert content.ward.reports.ward_signer.name == ""  # content/ward.yaml leaves it to the ward
    doc = read(made(store, content), content)
    closing = cells(doc.tables[1])[0]
    assert closing[0].startswith("Nơi nhận:")
    signer = [line for line in closing[1].splitlines() if line.strip()]
    assert signer == [document.BLANK, document.BLANK]  # authority and name left for the clerk
    nơi_nhận = doc.tables[1].cell(0, 0).paragraphs[0].runs[0]
    assert nơi_nhận.bold and nơi_nhận.italic


def test_signer_and_recipients_come_from_ward_configuration(store: Store, content: Content) -> None:
    plan_ward(store)
    reports = content.ward.reports.model_copy(
        update={
            "ward_signer": content.ward.reports.ward_signer.model_copy(
                update={
                    "authority": ["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"],
                    "name": "Người Ký Thử",
                }
            ),
            "ward_recipients": ["UBND thành phố", "Lưu: VT, VHXH"],
            "ward_number_series": "BC-UBND",
        }
    )
    configured = content.__class__(
        **{**content.__dict__, "ward": content.ward.model_copy(update={"reports": reports})}
    )
    doc = read(made(store, configured), configured)
    assert cells(doc.tables[0])[1][0] == "Số:" + document.NUMBER_GAP + "/BC-UBND"
    left, right = cells(doc.tables[1])[0]
    assert left.splitlines() == ["Nơi nhận:", "- UBND thành phố;", "- Lưu: VT, VHXH."]
    assert [x for x in right.splitlines() if x] == [
        "TM. ỦY BAN NHÂN DÂN",
        "KT. CHỦ TỊCH",
        "PHÓ CHỦ TỊCH",
        "Người Ký Thử",
    ]


def test_appendix_table_with_results_on_a_landscape_page(store: Store, content: Content) -> None:
    plan_ward(store)
    doc = read(made(store, content), content)
    appendix = doc.sections[-1]
    assert appendix.orientation == WD_ORIENT.LANDSCAPE and round(appendix.page_width.mm) == 297
    assert "PHỤ LỤC" in texts(doc)
    table = doc.tables[-1]
    rows = cells(table)
    assert rows[0] == [
        "STT",
        "Nhiệm vụ",
        "Chỉ tiêu",
        "Đơn vị chủ trì",
        "Đơn vị phối hợp",
        "Thời gian thực hiện",
        "Kết quả thực hiện",
    ]
    assert all(run.bold for cell in table.rows[0].cells for run in cell.paragraphs[0].runs)
    by_task = {r[1]: r for r in rows[1:]}
    sections = [r[0] for r in rows[1:] if r[1] == r[-1]]  # a section row spans the columns
    assert sections == ["I", "II", "III", "IV"]
    plan = {t.code: t for t in content.plan.tasks}
    logo = by_task[plan["I.4"].task]
    assert logo[0] == "4" and logo[3] == "Trung tâm sự nghiệp công"
    assert "12/11/2025: Đặt logo trên Cổng — https://kienan.vn/a" in logo[-1]
    news = by_task[plan["I.6"].task][-1]
    assert news.startswith("3 tin, bài, chuyên đề trong tháng 12/2026")
    assert "02/12/2026: Phát chuyên đề trên loa (3 lần)" in news
    assert by_task[plan["I.5"].task][-1].startswith("Đã tuyên truyền tới 1/2 trường")
    assert "03/12/2025" in by_task[plan["II.1"].task][-1]  # the proposal list exported
    assert by_task[plan["III"].task][-1].startswith(
        "Đã tiếp nhận 6 yêu cầu; đã liên hệ, hướng dẫn 4"
    )
    assert by_task[plan["IV.1"].task][-1].startswith("Đã đăng ký: 2 tên miền id.vn (2,0%)")
    assert (
        by_task[plan["IV.1b"].task][-1]
        == "1/2 Tổ công nghệ số cộng đồng đã gửi báo cáo Quý IV/2026."
    )
    assert by_task[plan["I.3"].task][-1].startswith("QUÁ HẠN")  # November 2025, nothing recorded
    assert "Các nhiệm vụ đã quá thời hạn mà chưa có kết quả: I.3, II.3" in "\n".join(texts(doc))


def test_page_numbers_from_page_two(store: Store, content: Content) -> None:
    plan_ward(store)
    doc = read(made(store, content), content)
    first = doc.sections[0]
    assert first.different_first_page_header_footer
    assert "PAGE" in first.header._element.xml
    assert "PAGE" not in first.first_page_header._element.xml


def test_team_report_has_only_its_team(store: Store, content: Content) -> None:
    ids = plan_ward(store)
    doc = read(made(store, content, "team", ids["team_1"]), content)
    header = cells(doc.tables[0])
    assert header[0][0].splitlines()[:2] == ["UBND PHƯỜNG KIẾN AN", TEAM_1.upper()]
    body = "\n".join(texts(doc))
    assert "Tổ công nghệ số 1 đã tiếp nhận 4 yêu cầu" in body
    assert DIFFICULTIES_1 in body and WARD_DIFFICULTIES not in body
    assert TEAM_2 not in body


def test_final_summary(store: Store, content: Content) -> None:
    plan_ward(store)
    doc = read(made(store, content, "final", today=date(2026, 11, 20)), content)
    lines = texts(doc)
    summary = lines[lines.index("BÁO CÁO") + 1]
    assert summary.startswith("Tổng kết kết quả triển khai Chương trình") and "Quý" not in summary
    assert "(Kèm theo Báo cáo tổng kết)" in lines


def test_workbook_carries_the_same_numbers(store: Store, content: Content) -> None:
    plan_ward(store)
    book = openpyxl.load_workbook(io.BytesIO(workbook.xlsx_bytes(made(store, content), content)))
    assert book.sheetnames == ["Tổng hợp", "Theo tổ", "Theo nguồn", "Nhiệm vụ", "Khó khăn, đề xuất"]
    summary = {row[0]: row[1:] for row in book["Tổng hợp"].iter_rows(values_only=True)}
    assert summary["Kỳ báo cáo"][0] == "Quý IV/2026"
    assert summary["Yêu cầu hỗ trợ tiếp nhận"][0] == 6
    assert summary["Tên miền id.vn đã đăng ký (thanh niên 18–23 tuổi)"][:4] == (
        2,
        100,
        2.0,
        "50–60",
    )
    teams = list(book["Theo tổ"].iter_rows(values_only=True))
    assert teams[0][0] == "Tổ" and teams[0][4] == "Yêu cầu hỗ trợ"
    assert {r[0]: r[4] for r in teams[1:]} == {TEAM_1: 4, TEAM_2: 2}
    tasks = list(book["Nhiệm vụ"].iter_rows(values_only=True))
    assert [r[0] for r in tasks[1:]] == [t.code for t in content.plan.tasks]
    texts_ = list(book["Khó khăn, đề xuất"].iter_rows(values_only=True))
    assert texts_[2][:3] == (TEAM_1, DIFFICULTIES_1, PROPOSALS_1)


@pytest.mark.parametrize("level", ["ward", "final"])
def test_a_report_is_made_from_an_empty_database(
    store: Store, content: Content, level: str
) -> None:
    data = made(store, content, level)
    assert read(data, content).paragraphs  # no team, no numbers: still a document
    assert workbook.xlsx_bytes(data, content)
