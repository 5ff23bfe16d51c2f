"""The audit log of the ward office: append-only rows of who did what and when — sign-ins
(ok and failed), views of a lead's contact details, exports, status and role changes.

:func:`record` appends in the caller's transaction, so the log and the change it describes
are committed together. Nothing here updates or deletes a row. Imports db.models, db.store
and db.tables.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select

from db.models import utcnow
from db.store import Tx
from db.tables import audit_t

# What is logged (the office shows each in words: content/<lang>/office.yaml, audit.*).
ACTIONS = (
    "login",
    "login_failed",
    "login_locked",
    "logout",
    "password_set",
    "password_link",
    "totp_on",
    "totp_off",
    "user_added",
    "role_changed",
    "lead_viewed",
    "lead_claimed",
    "lead_status",
    "lead_note",
    "export",
    "team_changed",
    "source_changed",
    "plan_evidence",
    "report_saved",
    "report_submitted",
    "report_finalised",
    "report_exported",
    "registry_imported",
    "school_changed",
    "outreach_recorded",
    "figure_set",
    "registrations_imported",
    "registrations_verified",
    "training_changed",
    "training_cancelled",
    "training_signup_cancelled",
    "training_walk_in",
)


def record(
    tx: Tx,
    action: str,
    actor: str,
    *,
    actor_user_id: int | None = None,
    target: str | None = None,
    detail: Mapping[str, Any] | None = None,
    ip: str | None = None,
    at: datetime | None = None,
) -> int:
    """Append one event; its id. ``actor`` names who acted (an e-mail, "cli", a chat)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    event_id: int = tx.conn.execute(
        insert(audit_t).returning(audit_t.c.id),
        {
            "at": at or utcnow(),
            "actor_user_id": actor_user_id,
            "actor": actor[:254],
            "action": action,
            "target": target,
            "detail": json.dumps(dict(detail), ensure_ascii=False) if detail else None,
            "ip": ip,
        },
    ).scalar_one()
    return event_id


def events(
    tx: Tx,
    *,
    action: str | None = None,
    actor: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """The newest events first, filtered; ``detail`` decoded."""
    c = audit_t.c
    query = select(audit_t).order_by(c.id.desc()).limit(limit).offset(offset)
    if action:
        query = query.where(c.action == action)
    if actor:
        query = query.where(c.actor == actor)
    if since:
        query = query.where(c.at >= since)
    if until:
        query = query.where(c.at < until)
    out = []
    for row in tx.conn.execute(query).mappings():
        item = dict(row)
        item["detail"] = json.loads(item["detail"]) if item["detail"] else {}
        out.append(item)
    return out
