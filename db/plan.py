"""The plan's records: evidence recorded by hand against the appendix's tasks
(``plan_evidence``), the words of the quarterly reports (``report``: a team's difficulties
and proposals, submitted or drafted; the ward's, finalised), the plan's dated duties done
exactly once (``scheduled_duty``), and the few facts the plan tracker reads from elsewhere
(audit events of the registry's exports and imports; team leaders' linked chats).

A duty is claimed with a conditional UPDATE (``done_at IS NULL``) in the transaction that
does its work: two schedulers racing for it do it once, and a failure leaves it undone.
Imports db.models, db.store, db.tables, db.audit and handlers.quarters.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from sqlalchemy import insert, select, update

from db.models import utcnow
from db.store import Tx
from db.tables import (
    audit_t,
    duty_t,
    member_t,
    office_user_t,
    plan_evidence_t,
    report_t,
    team_t,
)

WARD = "ward"
NOTE_MAX = 2000
TEXT_MAX = 20_000  # a report's difficulties or proposals


def team_scope(team_id: int) -> str:
    return f"team:{team_id}"


# --- evidence ------------------------------------------------------------------------------


def add_evidence(
    tx: Tx,
    task: str,
    done_on: date,
    note: str,
    recorded_by: str,
    *,
    link: str | None = None,
    count: int = 1,
) -> int:
    """Record a result by hand against a task ("I.4" …); its id."""
    new_id: int = tx.conn.execute(
        insert(plan_evidence_t).returning(plan_evidence_t.c.id),
        {
            "task": task,
            "done_on": done_on,
            "note": note[:NOTE_MAX],
            "link": link or None,
            "count": count,
            "recorded_by": recorded_by[:254],
            "created_at": utcnow(),
        },
    ).scalar_one()
    return new_id


def evidence(tx: Tx, until: date | None = None, since: date | None = None) -> list[dict[str, Any]]:
    """Evidence recorded by hand, by task then day (``done_on`` within the bounds given)."""
    c = plan_evidence_t.c
    query = select(plan_evidence_t).order_by(c.task, c.done_on, c.id)
    if until is not None:
        query = query.where(c.done_on <= until)
    if since is not None:
        query = query.where(c.done_on >= since)
    return [dict(r) for r in tx.conn.execute(query).mappings()]


# --- facts from the audit log ----------------------------------------------------------------


def audit_facts(
    tx: Tx, action: str, until: datetime | None = None, **detail: Any
) -> tuple[int, datetime | None]:
    """How many times ``action`` was logged (up to ``until``) and the last time; with
    ``detail``, only the events whose detail holds those values (e.g. the registry's
    proposal list: action "export", list "registry_proposal")."""
    c = audit_t.c
    query = select(c.at, c.detail).where(c.action == action)
    if until is not None:
        query = query.where(c.at <= until)
    times = [at for at, text in tx.conn.execute(query) if not detail or _holds(text, detail)]
    return len(times), max(times, default=None)


def _holds(text: str | None, wanted: dict[str, Any]) -> bool:
    try:
        found = json.loads(text or "{}")
    except ValueError:
        return False
    return isinstance(found, dict) and all(found.get(k) == v for k, v in wanted.items())


# --- reports ---------------------------------------------------------------------------------


def report(tx: Tx, period: str, scope: str) -> dict[str, Any] | None:
    row = (
        tx.conn.execute(
            select(report_t).where(report_t.c.period == period, report_t.c.scope == scope)
        )
        .mappings()
        .first()
    )
    return dict(row) if row else None


def reports(tx: Tx, period: str) -> list[dict[str, Any]]:
    """Every report row of a period (teams' and the ward's), with the team's name."""
    query = (
        select(report_t, team_t.c.name.label("team"))
        .select_from(report_t.outerjoin(team_t, team_t.c.id == report_t.c.team_id))
        .where(report_t.c.period == period)
        .order_by(report_t.c.id)
    )
    return [dict(r) for r in tx.conn.execute(query).mappings()]


def periods(tx: Tx) -> list[str]:
    """The periods that have report rows."""
    return [str(p) for p in tx.conn.execute(select(report_t.c.period).distinct()).scalars()]


def _ensure(tx: Tx, period: str, scope: str, team_id: int | None) -> None:
    tx.conn.execute(
        tx.insert_ignore(report_t),
        {
            "period": period,
            "scope": scope,
            "team_id": team_id,
            "difficulties": "",
            "proposals": "",
            "updated_at": utcnow(),
        },
    )


def save_report(
    tx: Tx,
    period: str,
    scope: str,
    team_id: int | None,
    *,
    difficulties: str,
    proposals: str,
    by: str,
    now: datetime,
    submit: bool = False,
) -> dict[str, Any]:
    """Write a report's words (made if new); ``submit`` also marks it sent (the first time
    it is sent is kept). The row after the change."""
    _ensure(tx, period, scope, team_id)
    values: dict[str, Any] = {
        "difficulties": difficulties[:TEXT_MAX],
        "proposals": proposals[:TEXT_MAX],
        "updated_at": now,
        "updated_by": by[:254],
    }
    c = report_t.c
    where = (c.period == period, c.scope == scope)
    tx.conn.execute(update(report_t).where(*where).values(**values))
    if submit:
        tx.conn.execute(
            update(report_t).where(*where, c.submitted_at.is_(None)).values(submitted_at=now)
        )
    found = report(tx, period, scope)
    assert found is not None
    return found


def finalise_ward(tx: Tx, period: str, by: str, now: datetime) -> bool:
    """The ward's report of the period is final (its ``submitted_at``); False if it was."""
    _ensure(tx, period, WARD, None)
    c = report_t.c
    done = tx.conn.execute(
        update(report_t)
        .where(c.period == period, c.scope == WARD, c.submitted_at.is_(None))
        .values(submitted_at=now, updated_at=now, updated_by=by[:254])
    )
    return done.rowcount == 1


def draft(tx: Tx, period: str, scope: str, team_id: int | None, now: datetime) -> bool:
    """Mark a report drafted by the scheduler (made if new; its words, if any, are kept);
    False if it was drafted or submitted already."""
    _ensure(tx, period, scope, team_id)
    c = report_t.c
    done = tx.conn.execute(
        update(report_t)
        .where(
            c.period == period,
            c.scope == scope,
            c.drafted_at.is_(None),
            c.submitted_at.is_(None),
        )
        .values(drafted_at=now)
    )
    return done.rowcount == 1


# --- the plan's dated duties ------------------------------------------------------------------


def ensure_duty(tx: Tx, key: str, due_on: date) -> None:
    tx.conn.execute(tx.insert_ignore(duty_t), {"key": key, "due_on": due_on})


def due_duties(tx: Tx, today: date) -> list[dict[str, Any]]:
    """Duties whose day has come and that nobody has done, oldest first."""
    c = duty_t.c
    query = select(duty_t).where(c.due_on <= today, c.done_at.is_(None)).order_by(c.due_on, c.key)
    return [dict(r) for r in tx.conn.execute(query).mappings()]


def claim_duty(tx: Tx, key: str, now: datetime) -> bool:
    """Take the duty for this transaction: True for exactly one claimant (a conditional
    UPDATE; a concurrent one waits for this transaction and then finds it done)."""
    c = duty_t.c
    done = tx.conn.execute(
        update(duty_t).where(c.key == key, c.done_at.is_(None)).values(done_at=now)
    )
    return done.rowcount == 1


def duty(tx: Tx, key: str) -> dict[str, Any] | None:
    row = tx.conn.execute(select(duty_t).where(duty_t.c.key == key)).mappings().first()
    return dict(row) if row else None


# --- who hears about the plan's days ------------------------------------------------------------


def leader_chats(tx: Tx) -> list[dict[str, Any]]:
    """The active chat accounts linked to active team leaders' office accounts, with the
    leader's team (``team_id``) and language."""
    u, m = office_user_t.c, member_t.c
    query = (
        select(m.id, m.channel, m.account, u.team_id, u.lang, u.id.label("user_id"))
        .select_from(member_t.join(office_user_t, u.id == m.office_user_id))
        .join(team_t, team_t.c.id == u.team_id)
        .where(
            u.role == "leader",
            u.active.is_(True),
            m.active.is_(True),
            team_t.c.archived_at.is_(None),
        )
        .order_by(m.id)
    )
    return [dict(r) for r in tx.conn.execute(query).mappings()]
