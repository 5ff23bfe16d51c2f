"""Importing the business list from Phòng Kinh tế, Hạ tầng và Đô thị (XLSX or CSV) into the
registry (table ``business``): ``hiendien registry import`` and the upload on
``/office/registry`` both come here.

:func:`read_table` finds the table in the file: the sheet, the header row (ward spreadsheets
often carry titles above it) and which column holds what — headers are compared without
case, diacritics or punctuation, and in their usual wordings ("Mã số thuế", "MST", "Mã số
doanh nghiệp"…). Columns that say they hold an owner's personal data (CCCD, ngày sinh…) are
never read. :func:`import_table` checks every row and sorts it: accepted (new), updated (same
tax code, something changed), unchanged, or rejected with the reason; it writes (unless a dry
run) in the caller's transaction, so a file is imported whole or not at all, and records the
import's counts in the audit log. A file that cannot be read raises :class:`BadFile`.

Reasons and notes are codes with parameters; their words are in content/<lang>/registry.yaml
(``registry.reject.*``, ``registry.note.*``, ``registry.bad_file.*``).

Imports db (audit, registry, store, tables), handlers (dates, phones, text) and openpyxl.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils.datetime import from_excel
from sqlalchemy import insert, select, update
from stdnum import exceptions as stdnum_errors
from stdnum.vn import mst

from db import audit
from db.models import utcnow
from db.registry import ENTERPRISE, HOUSEHOLD
from db.store import Tx
from db.tables import business_t
from handlers.dates import DateProblem, parse_founding
from handlers.phones import parse_phone
from handlers.text import nfc, plain

# --- the columns -----------------------------------------------------------------------------

TAX_CODE, NAME, KIND, STARTED_ON = "tax_code", "name", "kind", "started_on"
ADDRESS, AREA, PHONE, EMAIL = "address", "area", "phone", "email"
FIELDS = (TAX_CODE, NAME, KIND, STARTED_ON, ADDRESS, AREA, PHONE, EMAIL)
REQUIRED = (TAX_CODE, NAME, KIND, STARTED_ON)
OPTIONAL = (ADDRESS, AREA, PHONE, EMAIL)  # an empty cell keeps what the registry has

# The wordings of each column's header, as plain() gives them. A header is the column of the
# field whose wording it equals or (for wordings of two words or more) contains; the longest
# wording wins ("Địa chỉ email" is the e-mail, not the address).
HEADERS: dict[str, tuple[str, ...]] = {
    TAX_CODE: (
        "ma so thue",
        "mst",
        "ma so doanh nghiep",
        "msdn",
        "ma so dn",
        "ma dn",
        "ma so thue doanh nghiep",
        "ma so ho kinh doanh",
        "ma so thue ho kinh doanh",
        "tax code",
    ),
    NAME: (
        "ten",
        "ten doanh nghiep",
        "ten ho kinh doanh",
        "ten co so",
        "ten co so kinh doanh",
        "ten cong ty",
        "ten don vi",
        "ten dn",
        "ten hkd",
        "name",
    ),
    KIND: (
        "loai hinh",
        "loai",
        "loai hinh doanh nghiep",
        "loai hinh kinh doanh",
        "loai hinh to chuc",
        "doi tuong",
        "kind",
    ),
    STARTED_ON: (
        "ngay thanh lap",
        "ngay cap",
        "ngay cap gcn",
        "ngay cap giay chung nhan",
        "ngay dang ky",
        "ngay dang ky kinh doanh",
        "ngay dang ky lan dau",
        "ngay cap phep",
        "ngay hoat dong",
        "ngay bat dau hoat dong",
    ),
    ADDRESS: ("dia chi", "dia chi tru so", "dia chi kinh doanh", "tru so", "address"),
    AREA: ("to dan pho", "tdp", "to dp", "to", "khu dan cu", "area"),
    PHONE: ("so dien thoai", "dien thoai", "sdt", "dt", "so dt", "phone"),
    EMAIL: ("email", "e mail", "dia chi email", "thu dien tu", "dia chi thu dien tu"),
}
# Words that mark an owner's personal data: such a column is never read.
PERSONAL = ("cccd", "cmnd", "can cuoc", "chung minh", "ngay sinh", "chu ho", "dai dien")
HEADER_SEARCH_ROWS = 30  # the header is looked for in the first rows of each sheet

# The wordings of the two kinds (plain()); a kind cell equal to one or starting with one.
KINDS: dict[str, tuple[str, ...]] = {
    ENTERPRISE: (
        "doanh nghiep",
        "dn",
        "cong ty",
        "cty",
        "ct",
        "doanh nghiep tu nhan",
        "dntn",
        "ctcp",
        "tnhh",
        "enterprise",
    ),
    HOUSEHOLD: ("ho kinh doanh", "hkd", "ho kd", "ho ca the", "ho kinh doanh ca the", "household"),
}

LIMITS = {NAME: 200, ADDRESS: 300, AREA: 100, EMAIL: 254}
EXCEL_SERIALS = (10_000, 100_000)  # 1927 … 2173: a whole number in this range may be a date
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]{2,}$")
_DIGITS = re.compile(r"\d")
ID_CARD_DIGITS = 12  # a citizen's identity card number: never kept


# --- results ---------------------------------------------------------------------------------


class BadFile(Exception):
    """The file cannot be imported at all (its words: ``registry.bad_file.<key>``)."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


@dataclass(frozen=True)
class Problem:
    """Why a row is rejected, or what of it was left out (``registry.reject.<key>`` /
    ``registry.note.<key>``)."""

    key: str
    params: dict[str, Any] = field(default_factory=dict)


ACCEPTED, UPDATED, UNCHANGED, REJECTED = "accepted", "updated", "unchanged", "rejected"
OUTCOMES = (ACCEPTED, UPDATED, UNCHANGED, REJECTED)


@dataclass
class RowResult:
    row: int  # the row number in the spreadsheet (1 = its first row)
    outcome: str
    tax_code: str | None = None  # digits only, when valid
    name: str | None = None
    reasons: list[Problem] = field(default_factory=list)  # why rejected
    notes: list[Problem] = field(default_factory=list)  # what was left out of an accepted row
    changed: tuple[str, ...] = ()  # the fields an update changes
    record: dict[str, Any] = field(default_factory=dict)


@dataclass
class Table:
    """The table found in a file: rows numbered as the spreadsheet numbers them."""

    sheet: str | None
    header_row: int
    columns: dict[str, list[int]]  # field → its columns (several date columns may exist)
    headers: list[str]
    ignored: list[str]  # headers of columns not read
    rows: list[tuple[int, list[Any]]]


@dataclass
class ImportResult:
    table: Table
    rows: list[RowResult]
    dry_run: bool

    def count(self, outcome: str) -> int:
        return sum(1 for r in self.rows if r.outcome == outcome)

    @property
    def counts(self) -> dict[str, int]:
        return {outcome: self.count(outcome) for outcome in OUTCOMES}

    @property
    def rejected(self) -> list[RowResult]:
        return [r for r in self.rows if r.outcome == REJECTED]

    @property
    def noted(self) -> list[RowResult]:
        return [r for r in self.rows if r.outcome != REJECTED and r.notes]


# --- reading the file ------------------------------------------------------------------------


def _field_of(header: Any) -> str | None:
    if header is None:
        return None
    text = plain(str(header))
    if not text or any(word in f" {text} " for word in (f" {p} " for p in PERSONAL)):
        return None
    best: tuple[int, str] | None = None
    padded = f" {text} "
    for name, wordings in HEADERS.items():
        for wording in wordings:
            size = len(wording.split())
            hit = text == wording or (size >= 2 and f" {wording} " in padded)
            if hit and (best is None or size > best[0] or (text == wording and size == best[0])):
                best = (size, name)
    return best[1] if best else None


def _columns(cells: Sequence[Any]) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for i, cell in enumerate(cells):
        name = _field_of(cell)
        if name is not None:
            found.setdefault(name, []).append(i)
    return found


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _find_table(sheet: str | None, rows: list[list[Any]]) -> Table | None:
    """The table of these rows: the first row among the first ones that names the most
    fields (at least two) is the header."""
    best: tuple[int, int, dict[str, list[int]]] | None = None
    for index, cells in enumerate(rows[:HEADER_SEARCH_ROWS]):
        found = _columns(cells)
        if len(found) >= 2 and (best is None or len(found) > len(best[2])):
            best = (index, len(found), found)
    if best is None:
        return None
    index, _, columns = best
    headers = ["" if _blank(c) else nfc(str(c)) for c in rows[index]]
    used = {i for cols in columns.values() for i in cols}
    ignored = [h for i, h in enumerate(headers) if h and i not in used]
    body = [(number, cells) for number, cells in enumerate(rows[index + 1 :], start=index + 2)]
    return Table(sheet, index + 1, columns, headers, ignored, body)


def _xlsx_sheets(data: bytes) -> Iterator[tuple[str, list[list[Any]]]]:
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        raise BadFile("unreadable_xlsx") from exc
    try:
        for sheet in book.worksheets:
            yield sheet.title, [list(row) for row in sheet.iter_rows(values_only=True)]
    finally:
        book.close()


def _csv_text(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadFile("not_utf8") from exc


def _csv_tables(text: str) -> Iterator[tuple[str | None, list[list[Any]]]]:
    for delimiter in (",", ";", "\t"):
        try:
            rows = [list(r) for r in csv.reader(io.StringIO(text), delimiter=delimiter)]
        except csv.Error:
            continue
        yield None, rows


def read_table(data: bytes, filename: str) -> Table:
    """The table of business rows in an XLSX or CSV file. BadFile: empty, unreadable, not
    UTF-8, an old .xls, no header row, or a required column missing."""
    name = filename.lower()
    if not data.strip(b"\xef\xbb\xbf \t\r\n"):
        raise BadFile("empty")
    if name.endswith(".xls") or data.startswith(b"\xd0\xcf\x11\xe0"):
        raise BadFile("old_xls")
    is_xlsx = data.startswith(b"PK\x03\x04")
    if name.endswith((".xlsx", ".xlsm")) and not is_xlsx:
        raise BadFile("unreadable_xlsx")
    candidates: Iterable[tuple[str | None, list[list[Any]]]] = (
        _xlsx_sheets(data) if is_xlsx else _csv_tables(_csv_text(data))
    )
    best: Table | None = None
    anything = False
    for sheet, rows in candidates:
        anything = anything or any(not _blank(c) for r in rows for c in r)
        table = _find_table(sheet, rows)
        if table is not None and (best is None or len(table.columns) > len(best.columns)):
            best = table
    if not anything:
        raise BadFile("empty")
    if best is None:
        raise BadFile("no_header")
    missing = [f for f in REQUIRED if f not in best.columns]
    if missing:
        raise BadFile("missing_columns", columns=missing, header_row=best.header_row)
    best.rows = [(n, cells) for n, cells in best.rows if any(not _blank(c) for c in cells)]
    if not best.rows:
        raise BadFile("no_rows", header_row=best.header_row)
    return best


# --- reading a row's cells -------------------------------------------------------------------


def _cell(cells: Sequence[Any], columns: list[int] | None) -> Any:
    """The first non-empty cell of the field's columns."""
    for i in columns or ():
        if i < len(cells) and not _blank(cells[i]):
            value = cells[i]
            return nfc(value) if isinstance(value, str) else value
    return None


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(nfc(str(value)).split())


def read_tax_code(value: Any) -> tuple[str | None, Problem | None]:
    """A tax code cell as digits only, or why it is not one. A number cell of 9 digits lost
    its leading 0 to the spreadsheet (codes start with 0: "0200…" in Hải Phòng): the 0 is
    put back, and the check digit decides."""
    if value is None:
        return None, Problem("missing_tax_code")
    if isinstance(value, bool):
        return None, Problem("bad_tax_code_format", {"value": str(value)})
    if isinstance(value, int | float) and float(value).is_integer() and value > 0:
        text = str(int(value))
        text = text.zfill(10) if len(text) == 9 else text
    else:
        text = _text(value)
    digits = "".join(_DIGITS.findall(text))
    if len(digits) == ID_CARD_DIGITS and re.fullmatch(r"[\d .-]+", text):
        return None, Problem("tax_code_is_id_card")  # its value is not repeated anywhere
    try:
        return str(mst.validate(text)), None
    except stdnum_errors.InvalidChecksum:
        return None, Problem("bad_tax_code_check", {"value": text})
    except stdnum_errors.InvalidLength:
        if re.search(r"[^\d .\-/]", text):
            return None, Problem("bad_tax_code_format", {"value": text})
        return None, Problem("bad_tax_code_length", {"value": text, "digits": len(digits)})
    except stdnum_errors.ValidationError:
        return None, Problem("bad_tax_code_format", {"value": text})


def read_kind(value: Any) -> tuple[str | None, Problem | None]:
    if value is None:
        return None, Problem("missing_kind")
    text = plain(_text(value))
    for kind, wordings in KINDS.items():
        if any(text == w or text.startswith(w + " ") for w in wordings):
            return kind, None
    return None, Problem("unknown_kind", {"value": _text(value)})


def read_day(value: Any, today: date) -> tuple[date | None, Problem | None]:
    """A date cell: a date cell of the spreadsheet, an Excel serial number, or text
    (dd/mm/yyyy, d/m/yy, yyyy-mm-dd — handlers.dates reads it, day first). Not after
    ``today``."""
    if value is None:
        return None, None
    day: date | None = None
    if isinstance(value, datetime):
        day = value.date()
    elif isinstance(value, date):
        day = value
    else:
        text = _text(value)
        number = int(text) if text.isdigit() and len(text) <= 6 else None
        if number is not None and EXCEL_SERIALS[0] <= number < EXCEL_SERIALS[1]:
            converted = from_excel(number)
            day = converted.date() if isinstance(converted, datetime) else None
        else:
            found = parse_founding(text, today)
            if found is DateProblem.FUTURE:
                return None, Problem("future_date", {"value": text})
            if isinstance(found, DateProblem):
                return None, Problem("bad_date", {"value": text})
            if not found.exact:
                return None, Problem("partial_date", {"value": text})
            day = found.first
    if day is None:
        return None, Problem("bad_date", {"value": _text(value)})
    if day > today:
        return None, Problem("future_date", {"value": day.strftime("%d/%m/%Y")})
    return day, None


def read_area(value: str | None, known: Sequence[str]) -> str | None:
    """A tổ dân phố as the ward spells it (content/ward.yaml, the teams' areas) when the cell
    names one — "tdp 3", "Tổ 3" and "to dan pho 3" are "Tổ dân phố 3" — or as written."""
    if not value:
        return None
    key = plain(value)
    by_key = {plain(a): a for a in known}
    if key in by_key:
        return by_key[key]
    number = re.fullmatch(r"(?:to dan pho|tdp|to dp|to)? ?(\d+)", key)
    if number:
        for area in known:
            if re.fullmatch(rf"to dan pho 0*{int(number.group(1))}", plain(area)):
                return area
    return value


# --- checking and importing ------------------------------------------------------------------


def check_row(
    number: int, cells: Sequence[Any], table: Table, today: date, areas: Sequence[str]
) -> RowResult:
    """One row read and checked (the registry is not looked at here)."""
    col = table.columns
    result = RowResult(number, REJECTED)
    code, problem = read_tax_code(_cell(cells, col[TAX_CODE]))
    result.tax_code = code
    reasons = [problem] if problem else []
    raw_name = _cell(cells, col[NAME])
    name = _text(raw_name) if raw_name is not None else ""
    result.name = name or None
    if not name:
        reasons.append(Problem("missing_name"))
    kind, problem = read_kind(_cell(cells, col[KIND]))
    if problem:
        reasons.append(problem)
    started_on, problem = read_day(_cell(cells, col[STARTED_ON]), today)
    if problem:
        reasons.append(problem)
    elif started_on is None and kind == ENTERPRISE:
        reasons.append(Problem("missing_founding_date"))
    record: dict[str, Any] = {
        TAX_CODE: code,
        NAME: name,
        KIND: kind,
        STARTED_ON: started_on,
    }
    for name_ in (ADDRESS, AREA):
        raw = _cell(cells, col.get(name_))
        record[name_] = _text(raw) if raw is not None else None
    record[AREA] = read_area(record[AREA], areas)
    raw_phone = _cell(cells, col.get(PHONE))
    record[PHONE] = None
    if raw_phone is not None:
        phone = parse_phone(_text(raw_phone))
        if isinstance(phone, str):
            record[PHONE] = phone
        else:
            result.notes.append(Problem("phone_unreadable", {"value": _text(raw_phone)}))
    raw_email = _cell(cells, col.get(EMAIL))
    record[EMAIL] = None
    if raw_email is not None:
        email = _text(raw_email)
        if _EMAIL.match(email):
            record[EMAIL] = email.lower() if email.isascii() else email
        else:
            result.notes.append(Problem("email_unreadable", {"value": email}))
    for name_, limit in LIMITS.items():
        if record[name_] and len(record[name_]) > limit:
            reasons.append(Problem("too_long", {"field": name_, "limit": limit}))
    result.reasons = reasons
    if not reasons:
        result.record = record
    return result


def _existing(tx: Tx, codes: list[str]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(codes), 500):
        chunk = codes[start : start + 500]
        query = select(business_t).where(business_t.c.tax_code.in_(chunk))
        for row in tx.conn.execute(query).mappings():
            found[row["tax_code"]] = dict(row)
    return found


def _changes(before: dict[str, Any], record: dict[str, Any]) -> dict[str, Any]:
    """What the row changes: a required field that differs, an optional one the file gives."""
    out = {}
    for name in (NAME, KIND, STARTED_ON, *OPTIONAL):
        value = record[name]
        if name in OPTIONAL and value is None:
            continue  # an empty cell keeps what the registry has
        if value != before[name]:
            out[name] = value
    return out


def import_table(
    tx: Tx,
    table: Table,
    *,
    today: date,
    areas: Sequence[str] = (),
    dry_run: bool = False,
    actor: str = "cli",
    actor_user_id: int | None = None,
    ip: str | None = None,
    now: datetime | None = None,
) -> ImportResult:
    """Check every row of ``table`` against the registry and, unless ``dry_run``, write the
    new and changed businesses and the audit row (counts only) in ``tx``."""
    results: list[RowResult] = []
    first_row: dict[str, int] = {}
    for number, cells in table.rows:
        result = check_row(number, cells, table, today, areas)
        code = result.tax_code
        if code is not None:
            if code in first_row:
                result.reasons.insert(0, Problem("duplicate", {"row": first_row[code]}))
                result.record = {}
            else:
                first_row[code] = number
        results.append(result)
    valid = [r for r in results if not r.reasons]
    existing = _existing(tx, [str(r.tax_code) for r in valid])
    moment = now or utcnow()
    inserts: list[dict[str, Any]] = []
    for result in results:
        if result.reasons:
            continue
        before = existing.get(str(result.tax_code))
        if before is None:
            result.outcome = ACCEPTED
            inserts.append({**result.record, "imported_at": moment, "updated_at": moment})
            continue
        changes = _changes(before, result.record)
        result.outcome = UPDATED if changes else UNCHANGED
        result.changed = tuple(changes)
        if changes and not dry_run:
            tx.conn.execute(
                update(business_t)
                .where(business_t.c.id == before["id"])
                .values(**changes, updated_at=moment)
            )
    imported = ImportResult(table, results, dry_run)
    if not dry_run:
        if inserts:
            tx.conn.execute(insert(business_t), inserts)
        audit.record(
            tx,
            "registry_imported",
            actor,
            actor_user_id=actor_user_id,
            detail=imported.counts,
            ip=ip,
        )
    return imported
