"""campaign text in English for subscribers who chose English

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25 18:15:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.add_column(sa.Column("text_en", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "button_title_en", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.drop_column("button_title_en")
        batch_op.drop_column("text_en")
