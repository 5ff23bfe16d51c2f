"""The tables as SQLAlchemy Core objects, named once for every query module.

The schema itself is declared in :mod:`db.models`; the query modules work with these
``Table`` objects (``lead_t.c.phone`` …). Imports db.models only.
"""

from __future__ import annotations

from sqlalchemy import Table
from sqlmodel import SQLModel

import db.models  # noqa: F401  (declares the tables)


def _table(name: str) -> Table:
    return SQLModel.metadata.tables[name]


conversation_t = _table("conversation")
seen_t = _table("inbound_seen")
inbox_t = _table("inbox")
sent_t = _table("sent_message")
consent_t = _table("consent")
lead_t = _table("lead")
event_t = _table("lead_event")
verdict_t = _table("verdict_count")
erased_t = _table("erased_lead")
outbox_t = _table("outbox")
subscriber_t = _table("subscriber")
reminder_t = _table("reminder")
team_t = _table("team")
member_t = _table("member")
invite_t = _table("invite")
blocked_t = _table("blocked_chat")
token_t = _table("channel_token")
campaign_t = _table("campaign")
delivery_t = _table("delivery")
team_area_t = _table("team_area")
office_user_t = _table("office_user")
office_session_t = _table("office_session")
audit_t = _table("audit_event")
source_t = _table("source")
business_t = _table("business")
registration_t = _table("registration")
school_t = _table("school")
outreach_t = _table("outreach")
ward_figure_t = _table("ward_figure")
plan_evidence_t = _table("plan_evidence")
report_t = _table("report")
duty_t = _table("scheduled_duty")
training_session_t = _table("training_session")
training_signup_t = _table("training_signup")
backup_t = _table("backup_run")
