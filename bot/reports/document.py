"""The report as a Word document (python-docx) in the form of a Vietnamese administrative
report (Nghị định 30/2020/NĐ-CP, Phụ lục I; ../shared/facts/report-form.md): A4 portrait,
margins 20/20/30/15 mm, Times New Roman 13 pt; the two-column header without borders (the
issuing body with its number line, the national motto with the place and date); "BÁO CÁO"
and its summary line; I. Kết quả thực hiện (the numbers in sentences), II. Khó khăn, vướng
mắc, III. Đề xuất, kiến nghị; "Nơi nhận" and the signature block; then, on a landscape
page, the PHỤ LỤC: the appendix's tasks with "Kết quả thực hiện" filled. Page numbers from
page 2, centred at the top (a PAGE field; the first page has a header of its own, empty).

What only the ward can give (signers, number series, recipients) comes from content/
ward.yaml ``reports:``; what is unset is a dotted line for the clerk. Every sentence is in
content/vi/reports.yaml (``report_doc.*``); the document is always Vietnamese.

May import: bot.reports.data, handlers, docx.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date
from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

from bot.reports.data import ReportData
from handlers.content import Content, ReportSigner

LANG = "vi"
FONT = "Times New Roman"
BODY_PT = 13
BLANK = "……………………"  # a line left for the clerk
NUMBER_GAP = "\u00a0" * 8  # the number is written in by hand: "Số:        /BC-UBND"
# widths of the header's columns and of the appendix's, in cm (A4: 16.5 cm between margins;
# landscape: 25.2 cm)
HEADER_COLUMNS = (6.8, 9.7)
APPENDIX_COLUMNS = (1.1, 6.6, 3.0, 3.1, 3.4, 2.7, 5.3)


def date_line(place: str, day: date) -> str:
    """ "Kiến An, ngày 05 tháng 12 năm 2026": a day below 10 and the months 1 and 2 take a
    leading zero (Nghị định 30/2020, Phụ lục I)."""
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return f"{place}, ngày {day.day:02d} tháng {month} năm {day.year}"


class Words:
    def __init__(self, content: Content) -> None:
        self.content = content

    def __call__(self, key: str, **params: Any) -> str:
        return self.content.render(LANG, "report_doc." + key, **params)


# --- formatting helpers -----------------------------------------------------------------------


def _font(run: Any, size: float, bold: bool = False, italic: bool = False) -> None:
    run.font.name = FONT
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.italic = italic
    rpr = run._element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), FONT)


def _para(
    where: Any,
    text: str = "",
    size: float = BODY_PT,
    *,
    bold: bool = False,
    italic: bool = False,
    align: Any = None,
    indent: bool = False,
    after: float = 0,
    first: bool = False,
) -> Paragraph:
    """A paragraph in a document or a cell (``first``: the cell's own empty one)."""
    p: Paragraph = where.paragraphs[0] if first else where.add_paragraph()
    fmt = p.paragraph_format
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(after)
    if align is not None:
        p.alignment = align
    if indent:
        fmt.first_line_indent = Cm(1.27)
    if text:
        _font(p.add_run(text), size, bold, italic)
    return p


def _rule(where: Any, length_cm: float, width_cm: float) -> Paragraph:
    """A short horizontal line, centred in a column ``width_cm`` wide: an empty paragraph
    with a bottom border, indented on both sides."""
    p = _para(where, size=4)
    side = Cm(max(0.0, (width_cm - length_cm) / 2))
    p.paragraph_format.left_indent = side
    p.paragraph_format.right_indent = side
    ppr = p._p.get_or_add_pPr()
    border = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for k, v in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        bottom.set(qn(k), v)
    border.append(bottom)
    ppr.append(border)
    _font(p.add_run(""), 4)
    return p


def _no_borders(table: Table) -> None:
    tblpr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:val"), "nil")
        borders.append(el)
    tblpr.append(borders)


def _widths(table: Table, widths: tuple[float, ...]) -> None:
    table.autofit = False
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=False):
            cell.width = Cm(width)


def _page_number(section: Any) -> None:
    """The page number centred at the top from page 2: a PAGE field in the header, and a
    first-page header of its own left empty."""
    section.different_first_page_header_footer = True
    header = section.header
    header.is_linked_to_previous = False
    p = header.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = p.add_run()
    _font(run, BODY_PT)
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), ("end", None)):
        if kind is None:
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            run._r.append(instr)
        else:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._r.append(char)


# --- the parts --------------------------------------------------------------------------------


def _bodies(data: ReportData, content: Content) -> tuple[str, str, str]:
    """(superior body, issuing body, number series) of the report's issuer."""
    cfg = content.ward.reports
    ward = content.ward.name.upper()
    ward_body = cfg.ward_body or f"ỦY BAN NHÂN DÂN {ward}"
    if data.level == "team":
        superior = cfg.superior_body or f"UBND {ward}"
        return superior, (data.team or "").upper(), cfg.team_number_series
    return "", ward_body, cfg.ward_number_series


def place_of(content: Content) -> str:
    """The place of the date line: set in ward.yaml, or the ward's name without "phường"."""
    configured = content.ward.reports.place
    if configured:
        return configured
    name = content.ward.name
    for prefix in ("phường ", "xã ", "thị trấn "):
        if name.lower().startswith(prefix):
            return name[len(prefix) :]
    return name


def _header(doc: Any, data: ReportData, content: Content) -> None:
    superior, body, series = _bodies(data, content)
    table = doc.add_table(rows=2, cols=2)
    _no_borders(table)
    _widths(table, HEADER_COLUMNS)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    left, right = table.cell(0, 0), table.cell(0, 1)
    center = WD_ALIGN_PARAGRAPH.CENTER
    first = True
    if superior:
        _para(left, superior, 13, align=center, first=True)
        first = False
    _para(left, body or BLANK, 13, bold=True, align=center, first=first)
    _rule(left, 2.2, HEADER_COLUMNS[0])
    _para(right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 13, bold=True, align=center, first=True)
    _para(right, "Độc lập - Tự do - Hạnh phúc", 14, bold=True, align=center)
    _rule(right, 6.2, HEADER_COLUMNS[1])
    number = f"Số:{NUMBER_GAP}/BC-{series}" if series else f"Số:{NUMBER_GAP}/BC-{BLANK}"
    if series.upper().startswith("BC-"):
        number = f"Số:{NUMBER_GAP}/{series}"
    _para(table.cell(1, 0), number, 13, align=center, first=True)
    when = date_line(place_of(content), data.issued_on)
    _para(table.cell(1, 1), when, 14, italic=True, align=center, first=True)


def _title(doc: Any, data: ReportData, w: Words) -> None:
    center = WD_ALIGN_PARAGRAPH.CENTER
    _para(doc, "", after=6)
    _para(doc, "BÁO CÁO", 14, bold=True, align=center)
    if data.level == "final":
        summary = w("summary_final", programme=data.programme)
    else:
        assert data.quarter is not None
        summary = w(
            "summary_quarter",
            programme=data.programme,
            roman=data.quarter.roman,
            year=data.quarter.year,
        )
    _para(doc, summary, 14, bold=True, align=center)
    _rule(doc, 3.0, 16.5)
    _para(doc, "", after=6)


def _body_para(doc: Any, text: str) -> None:
    for line in text.splitlines() or [""]:
        if line.strip():
            _para(doc, line.strip(), indent=True, after=6, align=WD_ALIGN_PARAGRAPH.JUSTIFY)


def _heading(doc: Any, text: str) -> None:
    _para(doc, text, bold=True, after=6, align=WD_ALIGN_PARAGRAPH.JUSTIFY, indent=True)


def _results(doc: Any, data: ReportData, w: Words) -> None:
    f = data.figures
    _heading(doc, w("section_results"))
    _heading(doc, w("results_general"))
    who = w("who_team", team=data.team) if data.level == "team" else w("who_ward")
    _body_para(
        doc,
        w("leads", on=f.on, who=who, leads=f.leads, contacted=f.contacted, registered=f.registered),
    )
    for key, ratio in (
        ("id_vn", f.id_vn),
        ("biz_vn", f.biz_vn),
        ("businesses_reached", f.businesses_reached),
        ("schools_reached", f.schools_reached),
    ):
        lo, hi = ratio.target if isinstance(ratio.target, tuple) else (ratio.target,) * 2
        words = w(
            key,
            count=ratio.numerator,
            of=ratio.denominator,
            percent=ratio.percent,
            lo=lo,
            hi=hi,
            target=hi,
            band=w("band." + ratio.band) if ratio.band else "",
        )
        _body_para(doc, words)
    month = f"{f.news_month[5:7]}/{f.news_month[:4]}" if f.news_month else ""
    _body_para(doc, w("news", sent=f.news_sent, month=month, target=f.news_target))
    _body_para(
        doc,
        w(
            "training",
            count=f.training_held,
            attended=f.training_attended,
            quarter=data.quarter is not None,
            quarter_count=f.quarter_training_held,
            quarter_attended=f.quarter_training_attended,
        ),
    )
    if data.level != "team" and data.by_team:
        _heading(doc, w("results_by_team"))
        for team in data.by_team:
            f_ = team.funnel
            name = team.name or w("no_team")
            line = w(
                "team_line",
                team=name,
                leads=f_.leads,
                contacted=f_.contacted,
                registered=f_.registered,
            )
            _body_para(doc, line)
        if data.quarter is not None:
            _body_para(
                doc,
                w(
                    "submitted",
                    submitted=len(data.submitted),
                    teams=len(data.submitted) + len(data.missing),
                    missing=", ".join(data.missing),
                ),
            )
    _heading(doc, w("results_tasks"))
    _body_para(doc, w("see_appendix"))
    overdue = [t.code for t in data.tasks if t.overdue]
    if overdue:
        _body_para(doc, w("overdue", codes=", ".join(overdue)))


def _texts(doc: Any, data: ReportData, w: Words, field: str, heading: str) -> None:
    _heading(doc, w(heading))
    written = [t for t in data.texts if getattr(t, field).strip()]
    if not written:
        _body_para(doc, w("nothing_written"))
        return
    several = data.level != "team" and any(t.team for t in written)
    for text in written:
        if several:
            label = text.team or w("ward_own")
            _para(doc, label + ":", italic=True, after=3, indent=True)
        _body_para(doc, getattr(text, field))


def _signer(data: ReportData, content: Content) -> ReportSigner:
    cfg = content.ward.reports
    if data.level == "team":
        return ReportSigner(
            authority=list(cfg.team_signer_title),
            name=cfg.team_signers.get(data.team or "", ""),
        )
    if data.level == "final" and cfg.final_signer is not None:
        return cfg.final_signer
    return cfg.ward_signer


def _closing(doc: Any, data: ReportData, content: Content) -> None:
    cfg = content.ward.reports
    recipients = cfg.team_recipients if data.level == "team" else cfg.ward_recipients
    _para(doc, "", after=6)
    table = doc.add_table(rows=1, cols=2)
    _no_borders(table)
    _widths(table, (7.5, 9.0))
    left, right = table.cell(0, 0), table.cell(0, 1)
    _para(left, "Nơi nhận:", 12, bold=True, italic=True, first=True)
    lines = list(recipients) or [BLANK]
    for i, name in enumerate(lines):
        name = name.strip().rstrip(";.")
        end = "." if i == len(lines) - 1 else ";"
        _para(left, f"- {name}{end}", 11)
    signer = _signer(data, content)
    center = WD_ALIGN_PARAGRAPH.CENTER
    authority = signer.authority or [BLANK]
    for i, line in enumerate(authority):
        _para(right, line.upper(), 13, bold=True, align=center, first=i == 0)
    for _ in range(4):  # the signature and the seal
        _para(right, "", 13)
    _para(right, signer.name or BLANK, 13, bold=True, align=center)


def _cell(cell: _Cell, text: str, *, bold: bool = False, align: Any = None) -> None:
    lines = text.splitlines() or [""]
    for i, line in enumerate(lines):
        _para(cell, line, 12, bold=bold, align=align, first=i == 0)


def _appendix(doc: Any, data: ReportData, w: Words) -> None:
    section = doc.add_section(WD_SECTION.NEW_PAGE)
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)
    section.left_margin, section.right_margin = Mm(20), Mm(15)
    section.top_margin, section.bottom_margin = Mm(30), Mm(20)
    section.different_first_page_header_footer = False
    center = WD_ALIGN_PARAGRAPH.CENTER
    _para(doc, "PHỤ LỤC", 14, bold=True, align=center)
    _para(doc, w("appendix_title"), 13, bold=True, align=center)
    if data.level == "final":
        note = w("appendix_note_final")
    else:
        assert data.quarter is not None
        note = w("appendix_note", roman=data.quarter.roman, year=data.quarter.year)
    _para(doc, note, 13, italic=True, align=center, after=6)
    headers = (
        "STT",
        "Nhiệm vụ",
        "Chỉ tiêu",
        "Đơn vị chủ trì",
        "Đơn vị phối hợp",
        "Thời gian thực hiện",
        "Kết quả thực hiện",
    )
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        _cell(cell, text, bold=True, align=center)
    _repeat_header(table.rows[0])
    titles = {s.code: s.title for s in data.sections}
    shown: set[str] = set()
    for task in data.tasks:
        if task.section not in shown and task.section in titles:
            shown.add(task.section)
            row = table.add_row()
            _cell(row.cells[0], task.section, bold=True, align=center)
            merged = row.cells[1].merge(row.cells[-1])
            _cell(merged, titles[task.section], bold=True)
        row = table.add_row()
        partners = "\n".join(f"- {p}" for p in task.partners) if len(task.partners) > 1 else ""
        result = task.result
        if task.overdue:
            result = (w("overdue_mark") + "\n" + result).strip()
        values = (
            task.number,
            task.task,
            task.target,
            task.lead_unit,
            partners or "".join(task.partners),
            task.when,
            result,
        )
        for i, (cell, text) in enumerate(zip(row.cells, values, strict=True)):
            _cell(cell, text, align=center if i == 0 else None)
    _widths(table, APPENDIX_COLUMNS)


def _repeat_header(row: Any) -> None:
    trpr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    trpr.append(el)


def build(data: ReportData, content: Content) -> Any:
    """The document (a python-docx ``Document``)."""
    w = Words(content)
    doc = Document()
    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(BODY_PT)
    normal.element.get_or_add_rPr()
    rfonts = normal.element.rPr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        normal.element.rPr.insert(0, rfonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        rfonts.set(qn(attr), FONT)
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    _page_number(section)
    _header(doc, data, content)
    _title(doc, data, w)
    _results(doc, data, w)
    _texts(doc, data, w, "difficulties", "section_difficulties")
    _texts(doc, data, w, "proposals", "section_proposals")
    _closing(doc, data, content)
    _appendix(doc, data, w)
    return doc


def docx_bytes(data: ReportData, content: Content) -> bytes:
    out = io.BytesIO()
    build(data, content).save(out)
    return out.getvalue()


Builder = Callable[[ReportData, Content], bytes]
