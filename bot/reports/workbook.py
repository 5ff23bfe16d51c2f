"""The report as a workbook (openpyxl), the same numbers as the .docx for those who count:
a summary sheet (the figures against the plan's targets), the funnels by team and by
source, the appendix's tasks with their results, and the words teams wrote. Headers in
Vietnamese (content/vi/reports.yaml, ``report_sheet.*``), bold and frozen; texts that a
spreadsheet would run as a formula stay text (bot.export).

May import: bot.export, bot.reports.data, db (progress, sources), handlers, openpyxl.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from bot.export import local, runs_as_formula
from bot.reports.data import ReportData
from db.progress import Named, Ratio
from db.sources import STEPS
from handlers.content import Content

LANG = "vi"


def _sheet(
    book: Workbook,
    title: str,
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    widths: Sequence[int],
) -> None:
    sheet = book.create_sheet(title[:31])
    sheet.append(list(header))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in rows:
        sheet.append(list(row))
        for cell in sheet[sheet.max_row]:
            if runs_as_formula(cell.value):
                cell.data_type = "s"
                cell.quotePrefix = True
            if isinstance(cell.value, str) and "\n" in cell.value:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    for i, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    sheet.freeze_panes = "A2"


def _funnel_rows(funnels: Iterable[Named], nameless: str) -> Iterable[list[Any]]:
    for row in funnels:
        yield [row.name or nameless, *(getattr(row.funnel, step) for step in STEPS)]


def build(data: ReportData, content: Content) -> Workbook:
    def w(key: str, **params: Any) -> str:
        return content.render(LANG, "report_sheet." + key, **params)

    f = data.figures
    book = Workbook()
    book.remove(book.active)
    period = f"Quý {data.quarter.roman}/{data.quarter.year}" if data.quarter else w("final_period")
    level = w("levels." + data.level) + (f": {data.team}" if data.team else "")

    def share(key: str, r: Ratio) -> list[Any]:
        target = f"{r.target[0]}–{r.target[1]}" if isinstance(r.target, tuple) else r.target
        return [w("rows." + key), r.numerator, r.denominator, r.percent, target]

    summary: list[list[Any]] = [
        [w("period"), period, None, None, None],
        [w("level"), level, None, None, None],
        [w("as_of"), f.on.strftime("%d/%m/%Y"), None, None, None],
        [w("rows.leads"), f.leads, None, None, None],
        [w("rows.contacted"), f.contacted, None, None, None],
        [w("rows.registered"), f.registered, None, None, None],
        share("id_vn", f.id_vn),
        share("biz_vn", f.biz_vn),
        share("businesses_reached", f.businesses_reached),
        share("schools_reached", f.schools_reached),
        [w("rows.news"), f.news_sent, None, None, f"≥ {f.news_target}"],
        [w("rows.training"), f.training_held, None, None, None],
        [w("rows.training_attended"), f.training_attended, None, None, None],
    ]
    if data.quarter is not None:
        summary += [
            [w("rows.quarter_training"), f.quarter_training_held, None, None, None],
            [w("rows.quarter_training_attended"), f.quarter_training_attended, None, None, None],
        ]
    _sheet(
        book,
        w("summary"),
        [w("indicator"), w("value"), w("of"), w("percent"), w("target")],
        summary,
        (58, 16, 14, 11, 13),
    )
    steps = [w("funnel." + s) for s in STEPS]
    widths = (34, *[14] * len(STEPS))
    teams = _funnel_rows(data.by_team, w("no_team"))
    _sheet(book, w("by_team"), [w("team"), *steps], teams, widths)
    sources = _funnel_rows(data.by_source, w("no_source"))
    _sheet(book, w("by_source"), [w("source"), *steps], sources, widths)
    tasks = (
        [
            t.code,
            t.task,
            t.target,
            t.lead_unit,
            "\n".join(t.partners),
            t.when,
            t.result,
            w("overdue_yes") if t.overdue else "",
        ]
        for t in data.tasks
    )
    header = [
        w(k)
        for k in (
            "code",
            "task",
            "task_target",
            "lead_unit",
            "partners",
            "when",
            "result",
            "overdue",
        )
    ]
    _sheet(book, w("tasks"), header, tasks, (8, 60, 30, 30, 30, 22, 60, 10))
    texts = (
        [
            t.team or content.render(LANG, "report_doc.ward_own"),
            t.difficulties,
            t.proposals,
            local(t.submitted_at),
        ]
        for t in data.texts
    )
    _sheet(
        book,
        w("texts"),
        [w("team"), w("difficulties"), w("proposals"), w("submitted_at")],
        texts,
        (34, 60, 60, 18),
    )
    return book


def xlsx_bytes(data: ReportData, content: Content) -> bytes:
    out = io.BytesIO()
    build(data, content).save(out)
    return out.getvalue()
