"""indexes for the plan's progress numbers: the funnels and the registry's eligibility

Covering indexes so the progress numbers (db.progress) stay under a second on a ward's
data (bench/progress.py: 50,000 registry businesses, 200,000 conversations, 20,000 leads):
the funnel groups conversations and verdicts by source within a period, asks whether a
lead's history holds a status by a day, and the registry is counted by (kind, started_on).
Imports nothing of hiendien.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 10:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_conversation_source", "conversation", ["source", "created_at"]),
    ("ix_verdict_count_source", "verdict_count", ["source", "day", "reason"]),
    ("ix_lead_event_status", "lead_event", ["lead_id", "status", "at"]),
    ("ix_business_started", "business", ["kind", "started_on"]),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
