"""a lead asked for a relative

``lead.for_relative``: the resident asked for someone else (a child, a grandchild: "con tôi
19 tuổi"), so the verdict was about that person while the name and phone are the asker's
(issue 9, item 6). Existing leads were the resident's own: false. Imports nothing of
hiendien.

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-29 17:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("lead", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("for_relative", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("lead", schema=None) as batch_op:
        batch_op.drop_column("for_relative")
