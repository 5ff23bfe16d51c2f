"""Exporting leads to CSV or XLSX for the ward office.

Cells that a spreadsheet would run as a formula (starting with = + - @, a tab or a carriage
return) are prefixed with an apostrophe (OWASP's CSV-injection advice); phone numbers are
written in the national 0… form so they are not mistaken for formulas in the first place.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import Any, BinaryIO

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from handlers.phones import national
from handlers.privacy import local_time

COLUMNS = (
    ("id", "id"),
    ("created_at", "created_at"),
    ("channel", "channel"),
    ("source", "source"),
    ("applicant", "applicant_kind"),
    ("reason", "verdict_reason"),
    ("name", "name"),
    ("phone", "phone"),
    ("area", "to_dan_pho"),
    ("contact_time", "contact_time"),
    ("status", "status"),
    ("assignee", "assignee"),
    ("consent_at", "consent_at"),
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """The value, with text that a spreadsheet would execute neutralised and characters
    a spreadsheet cannot hold removed."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if value.startswith(FORMULA_STARTS):
            return "'" + value
    return value


def rows(leads: Iterable[dict[str, Any]]) -> Iterator[list[Any]]:
    yield [header for _, header in COLUMNS]
    for lead in leads:
        values = dict(lead)
        values["created_at"] = local_time(values.get("created_at"))
        values["consent_at"] = local_time(values.get("consent_at"))
        values["phone"] = national(values["phone"]).replace(" ", "")
        yield [safe_cell("" if values.get(k) is None else values.get(k)) for k, _ in COLUMNS]


def write_csv(leads: Iterable[dict[str, Any]], out: io.TextIOBase) -> int:
    writer = csv.writer(out)
    count = -1
    for count, row in enumerate(rows(leads)):  # noqa: B007
        writer.writerow(row)
    return count


def write_xlsx(leads: Iterable[dict[str, Any]], out: BinaryIO) -> int:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("leads")
    count = -1
    for count, row in enumerate(rows(leads)):  # noqa: B007
        sheet.append([str(v) if isinstance(v, str) else v for v in row])
    book.save(out)
    return count
