"""registrations of the leads already marked registered

Before this revision a lead's status "registered" kept its domain only on the lead. Each
such lead with a domain directly under id.vn or biz.vn (one label of a-z, 0-9 and
hyphens) gets its ``registration`` row — source "staff", the lead and its business, the
day of its last change to "registered" in Vietnam time (else the lead's last update) —
unless the domain has one already. Other names (under com.vn, directly under .vn, none)
are not registrations of the programme and are left as they are. Imports nothing of
hiendien.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-29 15:00:00
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

RECORDED_BY = "migration:0013"
ZONES = ("id.vn", "biz.vn")
_LABEL = re.compile(r"^(?!-)(?!.*--)[a-z0-9-]{1,63}(?<!-)$")
VIETNAM = timedelta(hours=7)  # Asia/Ho_Chi_Minh keeps no summer time


def _day(at: datetime | str) -> datetime:
    if isinstance(at, str):  # SQLite hands back text
        at = datetime.fromisoformat(at)
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC) + VIETNAM


INSERT = sa.text(
    "INSERT INTO registration (domain, kind, registered_on, source, lead_id, business_id, "
    "recorded_by, created_at) VALUES (:domain, :kind, :on, 'staff', :lead_id, :business_id, "
    ":by, :now)"
).bindparams(
    sa.bindparam("on", type_=sa.Date()),
    sa.bindparam("now", type_=sqlmodel.sql.sqltypes.UTCDateTime()),
)


def upgrade() -> None:
    conn = op.get_bind()
    leads = conn.execute(
        sa.text(
            "SELECT l.id, l.domain, l.business_id, l.updated_at, "
            "(SELECT MAX(e.at) FROM lead_event e WHERE e.lead_id = l.id "
            "AND e.status = 'registered') AS registered_at "
            "FROM lead l WHERE l.status = 'registered' AND l.domain IS NOT NULL ORDER BY l.id"
        )
    ).all()
    now = datetime.now(UTC)
    for lead in leads:
        domain = lead.domain.strip().lower()
        label, _, zone = domain.partition(".")
        if zone not in ZONES or not _LABEL.match(label):
            continue
        taken = conn.execute(
            sa.text("SELECT 1 FROM registration WHERE domain = :d"), {"d": domain}
        ).first()
        if taken:
            continue
        conn.execute(
            INSERT,
            {
                "domain": domain,
                "kind": zone,
                "on": _day(lead.registered_at or lead.updated_at).date(),
                "lead_id": lead.id,
                "business_id": lead.business_id,
                "by": RECORDED_BY,
                "now": now,
            },
        )


def downgrade() -> None:
    op.get_bind().execute(
        sa.text("DELETE FROM registration WHERE recorded_by = :by"), {"by": RECORDED_BY}
    )
