"""training sessions and their sign-ups

``training_session`` (a tập huấn: when, where, for whom, seats; its school for the plan's
I.5; the broadcast that announced it) and ``training_signup`` (a person registered, waiting
or cancelled, with their check-in code, check-in and reminders). Imports nothing of
hiendien.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-29 14:15:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "training_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("starts_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("place", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("map_url", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("audience", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("cancelled_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("campaign_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaign.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["school_id"], ["school.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("training_session", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_training_session_school_id"), ["school_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_training_session_starts_at"), ["starts_at"], unique=False
        )

    op.create_table(
        "training_signup",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("user_ref", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("lang", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("phone", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("consent_id", sa.Integer(), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("queued_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("walk_in", sa.Boolean(), nullable=False),
        sa.Column("checked_in_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("checked_in_by", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=True),
        sa.Column("promoted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("cancelled_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("reminded_day_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("reminded_soon_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["consent_id"], ["consent.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["session_id"], ["training_session.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
        sa.UniqueConstraint("session_id", "phone", name="uq_training_signup_phone"),
    )
    with op.batch_alter_table("training_signup", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_training_signup_session_id"), ["session_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_training_signup_status"), ["status"], unique=False)
        batch_op.create_index("ix_training_signup_user", ["channel", "user_ref"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("training_signup", schema=None) as batch_op:
        batch_op.drop_index("ix_training_signup_user")
        batch_op.drop_index(batch_op.f("ix_training_signup_status"))
        batch_op.drop_index(batch_op.f("ix_training_signup_session_id"))

    op.drop_table("training_signup")
    with op.batch_alter_table("training_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_training_session_starts_at"))
        batch_op.drop_index(batch_op.f("ix_training_session_school_id"))

    op.drop_table("training_session")
