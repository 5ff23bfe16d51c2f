"""A registrar's or VNNIC's list of registered domains (XLSX or CSV): reading it, and
reconciling each row with the leads and the business registry (``hiendien registrations
import``).

Columns, found by their header without regard to case, diacritics or punctuation: the
domain (required), its kind (id.vn / biz.vn; when absent, the domain's zone says it), the
tax code, the phone number and the day registered. A header row may follow a few title
rows. Each row is matched by tax code (:func:`db.registry.tax_code`, then
:func:`db.registry.find`), by phone (:func:`handlers.phones.parse_phone`, against a lead's
and a business's E.164 number; of several leads with the number, the most recent) and by
domain (a lead that recorded it, a registration that knows it); then recorded as source
"registrar" (:func:`db.registrations.record`). The list's phone numbers only serve to
match: they are never stored.

A file that cannot be read at all raises :class:`ListError` before anything is written; a
row that is wrong is rejected with its number and the reason, the others go on. Imports
db (registrations, registry, store, tables), handlers (dates, domains, phones, text),
openpyxl and the standard library.
"""

from __future__ import annotations

import contextlib
import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils.datetime import from_excel
from sqlalchemy import select

from db import registrations, registry
from db.store import Tx
from db.tables import business_t, lead_t
from handlers.dates import DateProblem, DateRange, parse_founding
from handlers.domains import programme_name
from handlers.phones import parse_phone
from handlers.text import plain

# Header words (folded) for each column, most specific first.
HEADERS: dict[str, tuple[str, ...]] = {
    "registered_on": ("ngay dang ky", "ngay", "date", "registered on", "registration date"),
    "tax_code": ("ma so thue", "mst", "ma so doanh nghiep", "ma doanh nghiep", "tax code"),
    "phone": ("so dien thoai", "dien thoai", "sdt", "so dt", "phone", "mobile"),
    "kind": ("loai ten mien", "loai", "kind", "type", "zone"),
    "domain": ("ten mien", "domain", "domain name"),
}
KINDS = {"id vn": "id.vn", "idvn": "id.vn", "biz vn": "biz.vn", "bizvn": "biz.vn"}
HEADER_ROWS = 10  # the header is looked for in the first rows (titles may come first)
MAX_ROWS = 100_000


class ListError(Exception):
    """The file cannot be read as a list (in Vietnamese, for ward staff)."""


@dataclass(frozen=True)
class Row:
    number: int  # as the spreadsheet numbers it (the header is a row too)
    cells: dict[str, Any]


@dataclass
class Line:
    """What became of one row: ``match`` is "lead", "business", "both", "orphan" or
    "rejected" (with ``reason``)."""

    number: int
    domain: str | None = None
    match: str = "rejected"
    reason: str | None = None
    lead_id: int | None = None
    business: str | None = None  # the business's tax code and name, as shown
    by: list[str] = field(default_factory=list)  # what matched: "mã số thuế", …
    recorded: str | None = None  # added | updated | same


def _column(header: str, taken: set[str]) -> str | None:
    key = plain(header)
    if not key:
        return None
    for column, words in HEADERS.items():
        if column not in taken and key in words:
            return column
    padded = f" {key} "
    for column, words in HEADERS.items():
        if column not in taken and any(f" {w} " in padded for w in words if " " in w):
            return column
    return None


def _header(cells: Sequence[Any]) -> dict[int, str] | None:
    taken: set[str] = set()
    found: dict[int, str] = {}
    for i, cell in enumerate(cells):
        column = _column(str(cell), taken) if cell is not None else None
        if column:
            found[i] = column
            taken.add(column)
    return found if "domain" in taken and len(taken) >= 2 else None  # not a title line


def _table(raw: Iterable[Sequence[Any]]) -> list[Row]:
    rows = iter(raw)
    mapping: dict[int, str] | None = None
    number = 0
    for number, cells in enumerate(rows, start=1):
        mapping = _header(cells)
        if mapping is not None or number >= HEADER_ROWS:
            break
    if mapping is None:
        raise ListError(
            "không thấy dòng tiêu đề có cột «Tên miền» trong "
            f"{HEADER_ROWS} dòng đầu (các cột nhận ra: tên miền, loại, mã số thuế, "
            "số điện thoại, ngày đăng ký)"
        )
    out: list[Row] = []
    for row_number, cells in enumerate(rows, start=number + 1):
        values = {column: cells[i] for i, column in mapping.items() if i < len(cells)}
        values = {k: v.strip() if isinstance(v, str) else v for k, v in values.items()}
        if all(v in (None, "") for v in values.values()):
            continue
        if len(out) >= MAX_ROWS:
            raise ListError(f"tệp có hơn {MAX_ROWS:,} dòng".replace(",", "."))
        out.append(Row(row_number, values))
    if not out:
        raise ListError("tệp không có dòng dữ liệu nào dưới dòng tiêu đề")
    return out


def read(path: Path) -> list[Row]:
    """The rows of the list in ``path`` (.xlsx or .csv)."""
    suffix = path.suffix.lower()
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ListError(f"không đọc được tệp {path}: {exc.strerror or exc}") from exc
    if suffix == ".xlsx":
        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a file that is not XLSX
            raise ListError(f"tệp {path.name} không phải tệp Excel (.xlsx) đọc được") from exc
        try:
            sheet = book.worksheets[0]
            return _table(sheet.iter_rows(values_only=True))
        finally:
            book.close()
    if suffix == ".csv":
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ListError(f"tệp {path.name} không phải văn bản UTF-8") from exc
        dialect: Any = csv.excel
        with contextlib.suppress(csv.Error):  # one column, or nothing to tell: commas
            dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
        return _table(csv.reader(io.StringIO(text), dialect))
    raise ListError(f"tệp {path.name}: chỉ đọc được .xlsx hoặc .csv")


# --- reading the cells ---------------------------------------------------------------------


def _day(value: Any, today: date) -> date | str:
    """The day in a cell, or why there is none (Vietnamese)."""
    if isinstance(value, datetime):
        day = value.date()
    elif isinstance(value, date):
        day = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        try:
            found = from_excel(value)
        except (ValueError, OverflowError):
            return f"ngày «{value}» không đọc được"
        if not isinstance(found, datetime):
            return f"ngày «{value}» không đọc được"
        day = found.date()
    else:
        parsed = parse_founding(str(value), today)
        if parsed == DateProblem.FUTURE:
            return f"ngày «{value}» còn ở tương lai"
        if parsed == DateProblem.IMPOSSIBLE:
            return f"ngày «{value}» không có trên lịch"
        if not isinstance(parsed, DateRange) or parsed.kind != "exact":
            return f"ngày «{value}» không đọc được (cần ngày đủ, ví dụ 15/11/2026)"
        day = parsed.first
    if day > today:
        return f"ngày {day:%d/%m/%Y} còn ở tương lai"
    return day


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


PROBLEMS = {
    "invalid": "tên miền «{}» không hợp lệ",
    "other_zone": "tên miền «{}» không thuộc id.vn hoặc biz.vn của chương trình",
    "diacritics": "tên miền «{}» có chữ có dấu, không có dưới id.vn hay biz.vn",
}


def _business_by_phone(tx: Tx, phone: str) -> dict[str, Any] | None:
    query = select(business_t).where(business_t.c.phone == phone).order_by(business_t.c.id)
    row = tx.conn.execute(query.limit(1)).mappings().first()
    return dict(row) if row else None


def _lead_by(tx: Tx, **where: Any) -> int | None:
    query = select(lead_t.c.id).order_by(lead_t.c.id.desc()).limit(1)
    for column, value in where.items():
        query = query.where(lead_t.c[column] == value)
    found: int | None = tx.conn.execute(query).scalar()
    return found


def _line(tx: Tx, row: Row, today: date, seen: dict[str, int], recorded_by: str) -> Line:
    line = Line(row.number)
    cells = row.cells
    typed = _text(cells.get("domain"))
    if not typed:
        line.reason = "thiếu tên miền"
        return line
    checked = programme_name(typed)
    if not checked.ok or checked.name is None or checked.kind is None:
        line.reason = PROBLEMS[checked.problem or "invalid"].format(typed)
        return line
    line.domain = name = checked.name
    if name in seen:
        line.reason = f"trùng tên miền với dòng {seen[name]}"
        return line
    seen[name] = row.number
    kind = _text(cells.get("kind"))
    if kind and KINDS.get(plain(kind)) != checked.kind:
        line.reason = f"loại «{kind}» không khớp với tên miền {name}"
        return line
    day = _day(cells.get("registered_on"), today) if cells.get("registered_on") else None
    if day is None:
        line.reason = "thiếu ngày đăng ký"
        return line
    if isinstance(day, str):
        line.reason = day
        return line
    code = None
    if given := _text(cells.get("tax_code")):
        code = registry.tax_code(given)
        if code is None:
            line.reason = f"mã số thuế «{given}» không hợp lệ"
            return line
    phone = None
    if given := _text(cells.get("phone")):
        parsed = parse_phone(given)
        if not isinstance(parsed, str):
            line.reason = f"số điện thoại «{given}» không hợp lệ"
            return line
        phone = parsed
    business = registry.find(tx, code) if code else None
    if business is not None:
        line.by.append("mã số thuế")
    elif phone is not None and (business := _business_by_phone(tx, phone)) is not None:
        line.by.append("số điện thoại")
    known = registrations.find(tx, name)
    lead_id = known["lead_id"] if known else None
    if lead_id is None:
        lead_id = _lead_by(tx, domain=name)
    if lead_id is not None:
        line.by.append("tên miền")
    elif phone is not None and (lead_id := _lead_by(tx, phone=phone)) is not None:
        line.by.append("số điện thoại của yêu cầu")
    elif business is not None and (lead_id := _lead_by(tx, business_id=business["id"])):
        line.by.append("yêu cầu đã xác thực mã số thuế")
    if business is None and known and known["business_id"] is not None:
        query = select(business_t).where(business_t.c.id == known["business_id"])
        found = tx.conn.execute(query).mappings().first()
        business = dict(found) if found else None
    line.lead_id = lead_id
    if business is not None:
        line.business = f"{registry.shown(business['tax_code'])} {business['name']}"
    line.match = {
        (True, True): "both",
        (True, False): "lead",
        (False, True): "business",
        (False, False): "orphan",
    }[(lead_id is not None, business is not None)]
    done = registrations.record(
        tx,
        name,
        source=registrations.REGISTRAR,
        registered_on=day,
        recorded_by=recorded_by,
        lead_id=lead_id,
        business_id=business["id"] if business is not None else None,
        tax_code=code,
    )
    line.recorded = done.outcome
    return line


def reconcile(tx: Tx, rows: Sequence[Row], today: date, recorded_by: str) -> list[Line]:
    """Match and record every row of the list, in this transaction."""
    seen: dict[str, int] = {}
    return [_line(tx, row, today, seen, recorded_by) for row in rows]


def counts(lines: Sequence[Line]) -> dict[str, int]:
    """How many rows of each outcome, and how many registrations were new."""
    out = {k: 0 for k in ("rows", "lead", "business", "both", "orphan", "rejected", "added")}
    out["rows"] = len(lines)
    for line in lines:
        out[line.match] += 1
        out["added"] += line.recorded == "added"
    return out
