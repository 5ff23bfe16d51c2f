"""The business registry (table ``business``): finding a business by its tax code, and the
reading of a tax code every part shares (the chat, the import, the registrar lists).

A tax code (mã số thuế / mã số doanh nghiệp) is 10 digits with a check digit, or 13 for a
branch ("0101234565-001"); :func:`tax_code` (the one reading, in :mod:`handlers.taxcodes`)
reads one written with spaces, dots or a dash and checks it with ``python-stdnum``
(``stdnum.vn.mst``). Stored as digits only.

Imports db.store, db.tables and handlers (taxcodes, types).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from db.store import Tx
from db.tables import business_t
from handlers.taxcodes import shown, tax_code
from handlers.types import RegistryBusiness

__all__ = ["ENTERPRISE", "HOUSEHOLD", "KINDS", "find", "for_chat", "shown", "tax_code"]

ENTERPRISE = "enterprise"
HOUSEHOLD = "household"
KINDS = (ENTERPRISE, HOUSEHOLD)


def find(tx: Tx, code: str) -> dict[str, Any] | None:
    """The registry's business with this tax code (as :func:`tax_code` gives it), or None."""
    row = tx.conn.execute(select(business_t).where(business_t.c.tax_code == code)).first()
    return dict(row._mapping) if row else None


def for_chat(tx: Tx, code: str) -> RegistryBusiness | None:
    """What the chat learns of the registry's business with this tax code: who it is, its
    kind and its founding or certificate day (nothing of its contacts); None when absent."""
    row = tx.conn.execute(
        select(
            business_t.c.id, business_t.c.name, business_t.c.kind, business_t.c.started_on
        ).where(business_t.c.tax_code == code)
    ).first()
    if row is None:
        return None
    return RegistryBusiness(int(row.id), code, str(row.name), str(row.kind), row.started_on)
