"""Exporting leads to XLSX or CSV for the ward office, in Vietnamese (or English): the
headers and the values in words come from content/<lang>/exports.yaml (``export.*``), the
statuses from ``lead_status.label``, the verdicts from ``team.reason``.

XLSX: real date cells in Vietnam's time (dd/mm/yyyy hh:mm), a bold frozen header row with
filters, set column widths. A text that a spreadsheet would run as a formula (starting with
= + - @, a tab or a carriage return) stays a text cell marked "quote prefix", so Excel shows
it as typed, without an apostrophe, and never runs it. CSV: UTF-8 with a byte order mark
(spreadsheet programs then read Vietnamese right), the same headers, dates as text, and
such texts prefixed with an apostrophe (OWASP's CSV-injection advice). Phone numbers are
written in the national 0… form, which no spreadsheet takes for a number or a formula.

:func:`export` streams the leads an actor may see (all, from the command line) into a file
and writes the audit row of the export in the same transaction.

May import: db, handlers, jinja2, openpyxl.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any, BinaryIO, TextIO

import jinja2
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from db import exports
from db.followup import Actor, Filters
from db.store import Tx
from handlers.content import Content
from handlers.phones import national
from handlers.privacy import VIETNAM

# (column, width in characters), in the order of the file
COLUMNS = (
    ("id", 7),
    ("created_at", 17),
    ("name", 26),
    ("phone", 13),
    ("area", 18),
    ("applicant", 15),
    ("reason", 30),
    ("status", 20),
    ("assignee", 22),
    ("team", 22),
    ("domain", 26),
    ("source", 24),
    ("channel", 11),
    ("contact_time", 26),
    ("consent_at", 17),
    ("for_relative", 22),
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
DATETIME_FORMAT = "dd/mm/yyyy hh:mm"  # the cell's number format (Excel's codes)
CSV_DATETIME = "%d/%m/%Y %H:%M"
FORMATS = ("xlsx", "csv")


def runs_as_formula(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def safe_cell(value: Any) -> Any:
    """The value for a CSV cell: characters a spreadsheet cannot hold removed, and text it
    would run as a formula prefixed with an apostrophe."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if runs_as_formula(value):
            return "'" + value
    return value


def local(value: datetime | None) -> datetime | None:
    """A stored (UTC) time as a spreadsheet shows it: Vietnam's wall-clock time, naive."""
    return value.astimezone(VIETNAM).replace(tzinfo=None) if value else None


class Words:
    """The export's words in one language."""

    def __init__(self, content: Content, lang: str) -> None:
        self.content = content
        self.lang = lang

    def __call__(self, key: str, fallback: str | None = None) -> str:
        try:
            return self.content.render(self.lang, key)
        except jinja2.TemplateNotFound:  # a code the catalogue has no words for
            if fallback is None:
                raise
            return fallback

    def header(self) -> list[str]:
        return [self(f"export.columns.{column}") for column, _ in COLUMNS]

    def row(self, lead: dict[str, Any]) -> list[Any]:
        """The lead's cells: numbers, naive Vietnam times, texts ("" for nothing)."""
        reason = self(f"team.reason.{lead['reason'] or 'none'}", lead["reason"])
        values = {
            "id": lead["id"],
            "created_at": local(lead["created_at"]),
            "name": lead["name"],
            "phone": national(lead["phone"]).replace(" ", ""),
            "area": lead["area"],
            "applicant": self(f"export.applicant.{lead['applicant']}", lead["applicant"]),
            "reason": reason[:1].upper() + reason[1:],
            "status": self(f"lead_status.label.{lead['status']}", lead["status"]),
            "assignee": lead["assignee"],
            "team": lead.get("team"),
            "domain": lead["domain"],
            "source": lead.get("source_name") or lead["source"],
            "channel": self(f"export.channel.{lead['channel']}", lead["channel"]),
            "contact_time": lead["contact_time"],
            "consent_at": local(lead.get("consent_at")),
            "for_relative": self(
                "export.for_relative." + ("yes" if lead.get("for_relative") else "no")
            ),
        }
        cells = [values[column] for column, _ in COLUMNS]
        return [ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in cells]


def table(leads: Iterable[dict[str, Any]], words: Words) -> Iterator[list[Any]]:
    """The header, then one row per lead."""
    yield words.header()
    for lead in leads:
        yield words.row(lead)


def write_csv(
    leads: Iterable[dict[str, Any]], out: TextIO, content: Content, lang: str = "vi"
) -> int:
    """Write the CSV (byte order mark first) to a text stream; how many leads."""
    out.write("\ufeff")
    writer = csv.writer(out)
    count = -1
    for count, row in enumerate(table(leads, Words(content, lang))):  # noqa: B007
        writer.writerow(
            [v.strftime(CSV_DATETIME) if isinstance(v, datetime) else safe_cell(v) for v in row]
        )
    return count


def write_xlsx(
    leads: Iterable[dict[str, Any]], out: BinaryIO, content: Content, lang: str = "vi"
) -> int:
    """Write the workbook (streamed: one sheet, written row by row); how many leads."""
    words = Words(content, lang)
    book = Workbook(write_only=True)
    sheet = book.create_sheet(words("export.sheet")[:31])
    sheet.freeze_panes = "A2"
    for i, (_, width) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    bold = Font(bold=True)
    count = -1
    for count, row in enumerate(table(leads, words)):
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=value)
            if count == 0:
                cell.font = bold
            elif isinstance(value, datetime):
                cell.number_format = DATETIME_FORMAT
            elif runs_as_formula(value):
                cell.data_type = "s"  # a text, never a formula
                cell.quotePrefix = True
            cells.append(cell)
        sheet.append(cells)
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{count + 1}"
    book.save(out)
    return count


def export(
    tx: Tx,
    fmt: str,
    out: BinaryIO,
    content: Content,
    *,
    lang: str = "vi",
    actor: Actor | None = None,
    filters: Filters | None = None,
    ip: str | None = None,
) -> int:
    """Write the leads ``actor`` may see (None: every lead — the command line) that
    ``filters`` select, as ``fmt`` ("xlsx" or "csv"), to a binary stream, and record the
    export in the audit log (who, rows, format, filters); how many leads."""
    filters = filters or Filters()
    leads = exports.leads_for_export(tx, actor, filters)
    if fmt == "xlsx":
        count = write_xlsx(leads, out, content, lang)
    elif fmt == "csv":
        text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
        try:
            count = write_csv(leads, text, content, lang)
            text.flush()
        finally:
            text.detach()  # the caller's stream stays open
    else:
        raise ValueError(f"unknown export format {fmt!r}")
    exports.record_export(tx, actor, fmt=fmt, rows=count, filters=filters, ip=ip)
    return count
