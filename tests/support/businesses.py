"""The ward's business registry seeded directly, as an import from Phòng Kinh tế leaves it:
one business per tax code, with its kind and its founding or certificate day.

May import: db.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import insert

from db.models import utcnow
from db.store import Store
from db.tables import business_t

# Made-up tax codes with a right check digit (stdnum.vn.mst), and one with a wrong one.
ENTERPRISE_CODE = "0101234565"
HOUSEHOLD_CODE = "0309876547"
UNLISTED_CODE = "0100109106"  # valid, and never put in the registry by these tests
WRONG_CHECK_DIGIT = "0101234566"


def a_business(
    store: Store, tax_code: str, name: str, kind: str, started_on: date | None = None
) -> int:
    """A registry business; its id."""
    now = utcnow()
    row = {
        "tax_code": tax_code,
        "name": name,
        "kind": kind,
        "started_on": started_on,
        "imported_at": now,
        "updated_at": now,
    }
    with store.transaction() as tx:
        business_id: int = tx.conn.execute(
            insert(business_t).returning(business_t.c.id), row
        ).scalar_one()
    return business_id
