"""The business registry (table ``business``): finding a business by its tax code, and the
reading of a tax code every part shares (the chat, the import, the registrar lists).

A tax code (mã số thuế / mã số doanh nghiệp) is 10 digits with a check digit, or 13 for a
branch ("0101234567-001"); :func:`tax_code` reads one written with spaces, dots or a dash
and checks it with ``python-stdnum`` (``stdnum.vn.mst``). Stored as digits only.

Imports db.store, db.tables and stdnum.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from stdnum import exceptions as stdnum_errors
from stdnum.vn import mst

from db.store import Tx
from db.tables import business_t

ENTERPRISE = "enterprise"
HOUSEHOLD = "household"
KINDS = (ENTERPRISE, HOUSEHOLD)


def tax_code(text: str) -> str | None:
    """The tax code written in ``text`` as digits only (10 or 13), or None when it is not a
    valid one (wrong length, wrong check digit, letters)."""
    try:
        return str(mst.validate(text.strip()))
    except stdnum_errors.ValidationError:
        return None


def shown(code: str) -> str:
    """A stored tax code as people write it: "0101234567" or "0101234567-001"."""
    return f"{code[:10]}-{code[10:]}" if len(code) == 13 else code


def find(tx: Tx, code: str) -> dict[str, Any] | None:
    """The registry's business with this tax code (as :func:`tax_code` gives it), or None."""
    row = tx.conn.execute(select(business_t).where(business_t.c.tax_code == code)).first()
    return dict(row._mapping) if row else None
