"""Formula injection in the workbooks (issue 14, D13): a text a spreadsheet would run (=, +,
-, @ …) is written as a text cell styled "quote prefix" — Excel and LibreOffice show it as
typed, without an apostrophe, and never run it. The leads export has its own tests
(tests/bot/test_export.py); here the registry's proposal list, written for real and read
back with openpyxl."""

from __future__ import annotations

import io
from datetime import date

from openpyxl import load_workbook

from bot.registry import PROPOSAL_COLUMNS, proposal_workbook
from handlers.content import Content

ATTACKS = ['=HYPERLINK("http://evil.example","Bấm vào đây")', "+84 912", "-1+2", "@SUM(A1)"]


def test_the_proposal_list_keeps_formulas_as_text_without_an_apostrophe(
    content: Content,
) -> None:
    businesses = [
        {
            "verdict": None,
            "area": "Tổ dân phố 1",
            "team": None,
            "tax_code": "0101234567",
            "name": attack,
            "kind": "household",
            "started_on": date(2026, 1, 5),
            "address": attack,
            "phone": None,
            "email": None,
        }
        for attack in ATTACKS
    ]
    out = io.BytesIO()
    assert proposal_workbook(businesses, out, content, date(2026, 11, 20)) == len(ATTACKS)
    sheet = load_workbook(io.BytesIO(out.getvalue())).active
    assert sheet is not None
    columns = [column for column, _ in PROPOSAL_COLUMNS]
    found = {}
    for row in sheet.iter_rows():
        cells = dict(zip(columns, row, strict=False))
        if cells["name"].value in ATTACKS:
            found[cells["name"].value] = cells
    assert set(found) == set(ATTACKS)
    for attack, cells in found.items():
        for column in ("name", "address"):
            cell = cells[column]
            assert (cell.value, cell.data_type, cell.quotePrefix) == (attack, "s", True)
            assert not str(cell.value).startswith("'")
