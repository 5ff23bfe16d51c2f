"""a lead per chat and phone; the reply kept with a delivery seen

``lead.phone`` is no longer unique: a lead is one per (channel, user_ref, phone), so a chat
giving a number another chat gave has a lead of its own and never takes the other one
over (issue 14, D1). The phone keeps an index (staff see the leads sharing a number).
``inbound_seen.reply``: the reply a web request got, as JSON, so a retried message id whose
answer was lost gets it again (D12), and ``inbound_seen.user_ref``, whose it is (an erasure
forgets it). Imports nothing of hiendien.

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-30 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

# SQLite does not name the constraint 0001 made; batch mode reflects it under this name
SQLITE_NAMES = {"uq": "uq_%(table_name)s_%(column_0_name)s"}


def _old_unique() -> tuple[str, dict[str, dict[str, str]]]:
    """The name of 0001's unique constraint on lead.phone, and batch mode's arguments."""
    if op.get_bind().dialect.name == "sqlite":
        return "uq_lead_phone", {"naming_convention": SQLITE_NAMES}
    return "lead_phone_key", {}


def upgrade() -> None:
    old, batch = _old_unique()
    with op.batch_alter_table("lead", schema=None, **batch) as batch_op:  # type: ignore[arg-type]
        batch_op.drop_constraint(old, type_="unique")
        batch_op.create_unique_constraint("uq_lead_chat_phone", ["channel", "user_ref", "phone"])
        batch_op.create_index(batch_op.f("ix_lead_phone"), ["phone"], unique=False)
    with op.batch_alter_table("inbound_seen", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reply", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("user_ref", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )


def downgrade() -> None:
    """Back to one lead per phone; refused while two leads share a number (staff settle
    them first: nothing a resident gave is dropped by a downgrade)."""
    shared = (
        op.get_bind()
        .execute(
            sa.text(
                "SELECT COUNT(*) FROM (SELECT phone FROM lead GROUP BY phone HAVING COUNT(*) > 1) s"
            )
        )
        .scalar()
    )
    if shared:
        raise RuntimeError(
            f"{shared} số điện thoại có ở nhiều hồ sơ: gộp hoặc xóa trước khi hạ cấp"
        )
    with op.batch_alter_table("inbound_seen", schema=None) as batch_op:
        batch_op.drop_column("user_ref")
        batch_op.drop_column("reply")
    old, batch = _old_unique()
    with op.batch_alter_table("lead", schema=None, **batch) as batch_op:  # type: ignore[arg-type]
        batch_op.drop_index(batch_op.f("ix_lead_phone"))
        batch_op.drop_constraint("uq_lead_chat_phone", type_="unique")
        batch_op.create_unique_constraint(old, ["phone"])
