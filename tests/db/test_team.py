"""The team's side in the database, on SQLite and PostgreSQL: invites, claims decided by
the database, statuses with who and when, reminders, and the outbox rows each writes."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

from sqlalchemy import select, update

from bot.turns import Conversations
from db import followup, team
from db.models import Invite, Lead, LeadEvent, Outbox, utcnow
from db.store import Store
from tests.support import TODAY
from tests.support.conversations import LEAD_DIALOGUE, talk
from tests.support.records import rows


def make_member(store: Store, account: str, name: str, role: str = "member") -> dict:
    with store.transaction() as tx:
        code = team.create_invite(tx, "Tổ công nghệ số 1", role)
    with store.transaction() as tx:
        outcome, member = team.redeem_invite(tx, code, "telegram", account, name)
    assert outcome == "linked" and member is not None
    return member


def a_lead(store: Store, content) -> int:
    talk(Conversations(store, content, lambda: TODAY), "resident", *LEAD_DIALOGUE)
    [lead] = rows(store, Lead)
    return lead["id"]


def test_an_invite_links_once(store: Store) -> None:
    with store.transaction() as tx:
        code = team.create_invite(tx, "Tổ công nghệ số 2")
    with store.transaction() as tx:
        assert team.redeem_invite(tx, code, "telegram", "11", "Lan")[0] == "linked"
    with store.transaction() as tx:
        assert team.redeem_invite(tx, code, "telegram", "12", "Hùng")[0] == "used"
        assert team.redeem_invite(tx, "nope", "telegram", "12", "Hùng")[0] == "unknown"
    with store.transaction() as tx:
        late = team.create_invite(tx, "Tổ công nghệ số 2")
        tx.conn.execute(
            update(Invite.__table__)
            .where(Invite.__table__.c.code == late)
            .values(expires_at=utcnow() - timedelta(minutes=1))
        )
    with store.transaction() as tx:
        assert team.redeem_invite(tx, late, "telegram", "12", "Hùng")[0] == "expired"
        [member] = team.members(tx)
    assert member["team"] == "Tổ công nghệ số 2" and member["account"] == "11"


def test_two_members_claiming_at_once_one_wins(store: Store, content) -> None:
    lead_id = a_lead(store, content)
    members = [make_member(store, str(100 + i), f"Thành viên {i}") for i in range(6)]
    barrier = threading.Barrier(len(members))
    outcomes: list[str] = []

    def claim(member: dict) -> None:
        barrier.wait()
        with store.transaction() as tx:
            outcomes.append(followup.claim_lead(tx, lead_id, member))

    threads = [threading.Thread(target=claim, args=(m,)) for m in members]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["taken"] * 5 + ["won"]
    [lead] = rows(store, Lead)
    assert lead["status"] == "claimed" and lead["assignee_member_id"] in {m["id"] for m in members}
    kinds = sorted(r["kind"] for r in rows(store, Outbox))
    assert kinds == ["lead_changed", "lead_created", "lead_details"]
    [details] = [r for r in rows(store, Outbox) if r["kind"] == "lead_details"]
    holder = next(m for m in members if m["id"] == lead["assignee_member_id"])
    assert details["recipient"] == holder["account"]
    assert json.loads(details["payload"]) == {"lead_id": lead_id}


def test_statuses_are_recorded_with_who_and_when(store: Store, content) -> None:
    lead_id = a_lead(store, content)
    holder = make_member(store, "201", "Chị Hoa")
    other = make_member(store, "202", "Anh Tú")
    boss = make_member(store, "203", "Cô Mai", role="admin")
    with store.transaction() as tx:
        assert followup.set_status(tx, lead_id, holder, "contacted") == "unclaimed"
        assert followup.claim_lead(tx, lead_id, holder) == "won"
        assert followup.claim_lead(tx, lead_id, holder) == "mine"
        assert followup.set_status(tx, lead_id, other, "contacted") == "not_yours"
        assert followup.set_status(tx, lead_id, holder, "contacted") == "ok"
        assert followup.set_status(tx, lead_id, holder, "contacted") == "same"
        assert followup.set_status(tx, lead_id, boss, "registered") == "ok"
        card = followup.lead_card(tx, lead_id)
    assert card["status"] == "registered" and card["assignee"] == "Chị Hoa"
    assert card["last_change"]["actor"] == "Cô Mai"
    events = [(e["kind"], e["status"], e["actor"]) for e in rows(store, LeadEvent)]
    assert events[1:] == [
        ("claimed", "claimed", "Chị Hoa"),
        ("status", "contacted", "Chị Hoa"),
        ("status", "registered", "Cô Mai"),
    ]


def test_unclaimed_leads_are_reminded_once_then_escalated(store: Store, content) -> None:
    lead_id = a_lead(store, content)
    admin = make_member(store, "301", "Cô Mai", role="admin")
    make_member(store, "302", "Anh Tú")
    now = utcnow()

    def check(at) -> int:
        with store.transaction() as tx:
            return followup.queue_reminders(
                tx, at, timedelta(hours=24), timedelta(hours=48), "telegram"
            )

    assert check(now + timedelta(hours=23)) == 0
    assert check(now + timedelta(hours=25)) == 1
    assert check(now + timedelta(hours=26)) == 0  # once
    assert check(now + timedelta(hours=49)) == 1  # one admin
    assert check(now + timedelta(hours=50)) == 0
    notes = {(r["kind"], r["recipient"]) for r in rows(store, Outbox)}
    assert ("lead_reminder", "team") in notes and ("lead_escalated", admin["account"]) in notes
    with store.transaction() as tx:
        lead = tx.conn.execute(select(Lead.__table__).where(Lead.__table__.c.id == lead_id)).first()
    assert lead.reminded_at is not None and lead.escalated_at is not None


def test_a_blocked_chat_makes_its_member_inactive(store: Store) -> None:
    member = make_member(store, "401", "Anh Tú")
    with store.transaction() as tx:
        team.block_chat(tx, "telegram", "401")
        team.block_chat(tx, "telegram", "401")  # twice is fine
        assert team.member_for(tx, "telegram", "401") is None
    assert member["active"]
