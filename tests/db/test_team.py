"""The team's side in the database, on SQLite and PostgreSQL: invites and blocked chats.
(Claims, statuses and reminders: tests/db/test_followup.py.)"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from db import subscribers, team
from db.models import Invite, utcnow
from db.store import Store


def make_member(store: Store, account: str, name: str, role: str = "member") -> dict:
    with store.transaction() as tx:
        code = team.create_invite(tx, "Tổ công nghệ số 1", role)
    with store.transaction() as tx:
        outcome, member = team.redeem_invite(tx, code, "telegram", account, name)
    assert outcome == "linked" and member is not None
    return member


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


def test_a_blocked_chat_makes_its_member_inactive(store: Store) -> None:
    member = make_member(store, "401", "Anh Tú")
    with store.transaction() as tx:
        subscribers.block_chat(tx, "telegram", "401")
        subscribers.block_chat(tx, "telegram", "401")  # twice is fine
        assert team.member_for(tx, "telegram", "401") is None
    assert member["active"]
