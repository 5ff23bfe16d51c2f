"""the backups made (``hiendien backup``), for ``hiendien doctor``

``backup_run``: one row per backup written (when, engine, file, size); the doctor says how
old the latest is (issue 14, item 13). Imports nothing of hiendien.

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-29 17:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "backup_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("engine", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("target", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("backup_run", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_backup_run_at"), ["at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("backup_run", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_backup_run_at"))
    op.drop_table("backup_run")
