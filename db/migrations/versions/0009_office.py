"""office: users, sessions, audit, sources, team areas; a lead's team, holder and domain

The ward office's tables (office_user, office_session, audit_event, source, team_area), and
what the board needs on existing ones: a lead's team, office holder and registered domain;
a note on a lead's event; a member's office account; an invite made for an office user; a
team's folded name (unique: no two teams differ only by case or diacritics) and archive
time. Existing teams get their folded name here. Imports handlers.text (the folding).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 10:37:06
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

from handlers.text import fold

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "source",
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("organisation", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("archived_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_table(
        "office_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("lang", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("password_hash", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("totp_secret", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("link_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("link_expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("last_login_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["team.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("email"),
        sa.UniqueConstraint("link_hash"),
    )
    with op.batch_alter_table("office_user", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_office_user_team_id"), ["team_id"], unique=False)

    op.create_table(
        "team_area",
        sa.Column("area", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("area"),
    )
    with op.batch_alter_table("team_area", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_team_area_team_id"), ["team_id"], unique=False)

    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("actor_user_id", sa.Integer(), nullable=True),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("target", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("ip", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.ForeignKeyConstraint(["actor_user_id"], ["office_user.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_event_action"), ["action"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_audit_event_actor_user_id"), ["actor_user_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_audit_event_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_event_ip"), ["ip"], unique=False)

    op.create_table(
        "office_session",
        sa.Column("id_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("csrf", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("last_seen_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("ip", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["office_user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id_hash"),
    )
    with op.batch_alter_table("office_session", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_office_session_last_seen_at"), ["last_seen_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_office_session_user_id"), ["user_id"], unique=False)

    with op.batch_alter_table("invite", schema=None) as batch_op:
        batch_op.add_column(sa.Column("office_user_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_invite_office_user", "office_user", ["office_user_id"], ["id"], ondelete="CASCADE"
        )

    with op.batch_alter_table("lead", schema=None) as batch_op:
        batch_op.add_column(sa.Column("team_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("assignee_user_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("domain", sqlmodel.sql.sqltypes.AutoString(length=253), nullable=True)
        )
        batch_op.create_index(batch_op.f("ix_lead_team_id"), ["team_id"], unique=False)
        batch_op.create_foreign_key("fk_lead_team", "team", ["team_id"], ["id"])
        batch_op.create_foreign_key(
            "fk_lead_assignee_user",
            "office_user",
            ["assignee_user_id"],
            ["id"],
            ondelete="SET NULL",
        )

    with op.batch_alter_table("lead_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("actor_user_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("note", sa.Text(), nullable=True))
        batch_op.create_foreign_key(
            "fk_lead_event_actor_user",
            "office_user",
            ["actor_user_id"],
            ["id"],
            ondelete="SET NULL",
        )

    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.add_column(sa.Column("office_user_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_member_office_user_id"), ["office_user_id"], unique=False
        )
        batch_op.create_foreign_key(
            "fk_member_office_user", "office_user", ["office_user_id"], ["id"], ondelete="SET NULL"
        )

    with op.batch_alter_table("team", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("name_key", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True)
        )
        batch_op.add_column(
            sa.Column("archived_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )
    team = sa.table(
        "team",
        sa.column("id", sa.Integer),
        sa.column("name", sa.String),
        sa.column("name_key", sa.String),
    )
    conn = op.get_bind()
    taken: set[str] = set()
    for team_id, name in conn.execute(sa.select(team.c.id, team.c.name).order_by(team.c.id)).all():
        key = fold(name)[:100]
        while key in taken:  # two old teams that differ only by case or diacritics
            key = f"{key[:90]} #{team_id}"
        taken.add(key)
        conn.execute(sa.update(team).where(team.c.id == team_id).values(name_key=key))
    with op.batch_alter_table("team", schema=None) as batch_op:
        batch_op.alter_column(
            "name_key", existing_type=sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False
        )
        batch_op.create_unique_constraint("uq_team_name_key", ["name_key"])


def downgrade() -> None:
    with op.batch_alter_table("team", schema=None) as batch_op:
        batch_op.drop_constraint("uq_team_name_key", type_="unique")
        batch_op.drop_column("archived_at")
        batch_op.drop_column("name_key")

    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.drop_constraint("fk_member_office_user", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_member_office_user_id"))
        batch_op.drop_column("office_user_id")

    with op.batch_alter_table("lead_event", schema=None) as batch_op:
        batch_op.drop_constraint("fk_lead_event_actor_user", type_="foreignkey")
        batch_op.drop_column("note")
        batch_op.drop_column("actor_user_id")

    with op.batch_alter_table("lead", schema=None) as batch_op:
        batch_op.drop_constraint("fk_lead_assignee_user", type_="foreignkey")
        batch_op.drop_constraint("fk_lead_team", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_lead_team_id"))
        batch_op.drop_column("domain")
        batch_op.drop_column("assignee_user_id")
        batch_op.drop_column("team_id")

    with op.batch_alter_table("invite", schema=None) as batch_op:
        batch_op.drop_constraint("fk_invite_office_user", type_="foreignkey")
        batch_op.drop_column("office_user_id")

    with op.batch_alter_table("office_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_office_session_user_id"))
        batch_op.drop_index(batch_op.f("ix_office_session_last_seen_at"))

    op.drop_table("office_session")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_event_ip"))
        batch_op.drop_index(batch_op.f("ix_audit_event_at"))
        batch_op.drop_index(batch_op.f("ix_audit_event_actor_user_id"))
        batch_op.drop_index(batch_op.f("ix_audit_event_action"))

    op.drop_table("audit_event")
    with op.batch_alter_table("team_area", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_team_area_team_id"))

    op.drop_table("team_area")
    with op.batch_alter_table("office_user", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_office_user_team_id"))

    op.drop_table("office_user")
    op.drop_table("source")
