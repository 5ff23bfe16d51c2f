"""The business registry as ward staff read it, for the command line and the office alike:
an import's results in words (content/<lang>/registry.yaml) and the proposal list "Danh sách
đề xuất tham gia Chương trình" as an XLSX workbook — a title, the programme, the ward and
the day above the table, one row per business by tổ dân phố and team, real date cells,
texts a spreadsheet would run as formulas kept as text (as bot.export does).

:func:`write_proposal` writes the businesses eligible on the day and not yet registered and
records the export in the audit log, in the caller's transaction.

May import: bot.export, db, handlers, openpyxl.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any, BinaryIO

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from bot.export import runs_as_formula
from db import registry
from db.registry_import import BadFile, ImportResult, Problem, RowResult
from db.store import Tx
from handlers.content import Content, vn_date
from handlers.phones import national

DATE_FORMAT = "dd/mm/yyyy"
# (column, width in characters), in the order of the proposal workbook
PROPOSAL_COLUMNS = (
    ("number", 6),
    ("area", 18),
    ("team", 26),
    ("tax_code", 16),
    ("name", 36),
    ("kind", 15),
    ("started_on", 14),
    ("eligible_until", 14),
    ("address", 36),
    ("phone", 14),
    ("email", 26),
)
HEADER_ROW = 5  # the table's header in the proposal workbook (title rows above it)


def problem_words(content: Content, lang: str, kind: str, problem: Problem) -> str:
    """A reason (``kind`` "reject") or a note ("note") in words; a field named in it by its
    column's name."""
    params = dict(problem.params)
    if "field" in params:
        params["field"] = content.render(lang, f"registry.column.{params['field']}")
    return content.render(lang, f"registry.{kind}.{problem.key}", **params)


def bad_file_words(content: Content, lang: str, error: BadFile) -> str:
    params = dict(error.params)
    if "columns" in params:
        params["columns"] = ", ".join(
            content.render(lang, f"registry.column.{c}") for c in params["columns"]
        )
    return content.render(lang, f"registry.bad_file.{error.key}", **params)


def row_reasons(content: Content, lang: str, row: RowResult) -> str:
    return "; ".join(problem_words(content, lang, "reject", p) for p in row.reasons)


def row_notes(content: Content, lang: str, row: RowResult) -> str:
    return "; ".join(problem_words(content, lang, "note", p) for p in row.notes)


def summary_lines(content: Content, lang: str, result: ImportResult) -> list[str]:
    """The import's results as lines: the table found, the counts, each row refused with its
    number and reasons, and what was left out of accepted rows."""

    def say(key: str, **params: Any) -> str:
        return content.render(lang, f"registry.cli.{key}", **params)

    table = result.table
    lines = [say("table", sheet=table.sheet, header_row=table.header_row)]
    if table.ignored:
        lines.append(say("ignored", headers=", ".join(table.ignored)))
    lines.append(say("summary", **result.counts))
    if result.rejected:
        lines.append(say("rejected_title"))
        for row in result.rejected:
            reasons = row_reasons(content, lang, row)
            lines.append("  " + say("rejected_row", row=row.row, name=row.name, reasons=reasons))
    if result.noted:
        lines.append(say("noted_title"))
        for row in result.noted:
            notes = row_notes(content, lang, row)
            lines.append("  " + say("noted_row", row=row.row, name=row.name, notes=notes))
    return lines


# --- the proposal list -----------------------------------------------------------------------


def _text_cell(value: Any) -> Any:
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


def proposal_row(content: Content, lang: str, number: int, business: dict[str, Any]) -> list[Any]:
    verdict = business["verdict"]
    values = {
        "number": number,
        "area": business["area"] or content.render(lang, "registry.proposal.no_area"),
        "team": business["team"] or content.render(lang, "registry.proposal.no_team"),
        "tax_code": registry.shown(business["tax_code"]),
        "name": business["name"],
        "kind": content.render(lang, f"registry.kind.{business['kind']}"),
        "started_on": business["started_on"],
        "eligible_until": verdict.eligible_until if verdict else None,
        "address": business["address"],
        "phone": national(business["phone"]).replace(" ", "") if business["phone"] else None,
        "email": business["email"],
    }
    return [_text_cell(values[column]) for column, _ in PROPOSAL_COLUMNS]


def proposal_workbook(
    businesses: Iterable[dict[str, Any]],
    out: BinaryIO,
    content: Content,
    on: date,
    lang: str = "vi",
) -> int:
    """Write the proposal workbook; how many businesses it lists."""

    def say(key: str, **params: Any) -> str:
        return content.render(lang, f"registry.proposal.{key}", **params)

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = say("sheet")[:31]
    last = get_column_letter(len(PROPOSAL_COLUMNS))
    titles = (say("title"), say("subtitle"), say("ward"), say("day_line", on=vn_date(on)))
    for row, (text, size) in enumerate(zip(titles, (14, 11, 11, 11), strict=True), start=1):
        sheet.cell(row=row, column=1, value=text).font = Font(bold=row <= 2, size=size)
        sheet.cell(row=row, column=1).alignment = Alignment(horizontal="center", wrap_text=True)
        sheet.merge_cells(f"A{row}:{last}{row}")
    sheet.row_dimensions[2].height = 30
    sheet.row_dimensions[4].height = 30
    for i, (column, width) in enumerate(PROPOSAL_COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width
        cell = sheet.cell(row=HEADER_ROW, column=i, value=say(f"columns.{column}"))
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    count = 0
    for count, business in enumerate(businesses, start=1):
        for i, value in enumerate(proposal_row(content, lang, count, business), start=1):
            cell = sheet.cell(row=HEADER_ROW + count, column=i, value=value)
            if isinstance(value, date):
                cell.number_format = DATE_FORMAT
            elif runs_as_formula(value):
                cell.data_type = "s"  # a text, never a formula
                cell.quotePrefix = True
    if count == 0:
        sheet.cell(row=HEADER_ROW + 1, column=1, value=say("none"))
    sheet.freeze_panes = f"A{HEADER_ROW + 1}"
    sheet.auto_filter.ref = f"A{HEADER_ROW}:{last}{HEADER_ROW + max(count, 1)}"
    sheet.page_setup.orientation = "landscape"
    sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    book.save(out)
    return count


def write_proposal(
    tx: Tx,
    out: BinaryIO,
    content: Content,
    on: date,
    *,
    actor: str,
    actor_user_id: int | None = None,
    ip: str | None = None,
    lang: str = "vi",
) -> int:
    """The proposal list of ``on`` written to ``out``, and the export in the audit log; how
    many businesses it lists."""
    rows = registry.proposal(tx, on, content.rules, tuple(content.ward.areas))
    count = proposal_workbook(rows, out, content, on, lang)
    registry.record_proposal_export(tx, actor, count, on, actor_user_id=actor_user_id, ip=ip)
    return count
