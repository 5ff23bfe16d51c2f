"""Who follows up leads, and leads, seeded directly for the tests of the follow-up service,
the exports and the command line: teams with the tổ dân phố they serve, office users,
linked chat members, and leads recorded through db.leads.record as a conversation would.

May import: db, handlers.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert, update

from db import followup, leads, team
from db.followup import Actor
from db.models import utcnow
from db.store import Store
from db.tables import lead_t, member_t, office_user_t, team_area_t, team_t
from handlers.phones import parse_phone
from handlers.text import fold
from handlers.types import RecordLead


def a_team(store: Store, name: str, *areas: str, archived: bool = False) -> int:
    """A team serving ``areas``; its id."""
    with store.transaction() as tx:
        team_id: int = tx.conn.execute(
            insert(team_t).returning(team_t.c.id),
            {
                "name": name,
                "name_key": fold(name),
                "created_at": utcnow(),
                "archived_at": utcnow() if archived else None,
            },
        ).scalar_one()
        for area in areas:
            tx.conn.execute(insert(team_area_t), {"area": area, "team_id": team_id})
    return team_id


def a_user(
    store: Store, email: str, role: str, team_id: int | None = None, *, active: bool = True
) -> int:
    """An office user (their name: the e-mail's local part); their id."""
    with store.transaction() as tx:
        user_id: int = tx.conn.execute(
            insert(office_user_t).returning(office_user_t.c.id),
            {
                "email": email,
                "name": email.split("@")[0].title(),
                "role": role,
                "team_id": team_id,
                "active": active,
                "created_at": utcnow(),
            },
        ).scalar_one()
    return user_id


def a_member(
    store: Store,
    account: str,
    team_id: int,
    name: str,
    role: str = "member",
    *,
    user_id: int | None = None,
    channel: str = "telegram",
) -> dict[str, Any]:
    """A linked chat member (as db.team.member_for returns it)."""
    with store.transaction() as tx:
        tx.conn.execute(
            insert(member_t),
            {
                "team_id": team_id,
                "channel": channel,
                "account": account,
                "display_name": name,
                "role": role,
                "active": True,
                "linked_at": utcnow(),
                "office_user_id": user_id,
            },
        )
        member = team.member_for(tx, channel, account)
    assert member is not None
    return member


def member_actor(store: Store, member: dict[str, Any]) -> Actor:
    with store.transaction() as tx:
        return followup.actor_of_member(tx, member)


def user_actor(store: Store, user_id: int) -> Actor:
    with store.transaction() as tx:
        actor = followup.actor_of_user(tx, user_id)
    assert actor is not None
    return actor


def a_lead(
    store: Store,
    phone: str,
    name: str = "Trần Văn Bình",
    area: str = "Tổ dân phố 1",
    *,
    applicant: str = "person",
    reason: str | None = "eligible_youth",
    source: str | None = None,
    channel: str = "web",
    created_at: datetime | None = None,
    user_ref: str | None = None,
) -> int:
    """A lead recorded as a conversation records it (routed to its team), given by the chat
    ``user_ref`` (default: one of the phone's own); its id."""
    e164 = parse_phone(phone)
    assert isinstance(e164, str), phone
    lead = RecordLead(applicant, reason, name, e164, area, "buổi sáng", source)
    with store.transaction() as tx:
        lead_id, created = leads.record(tx, channel, user_ref or f"user-{e164}", lead, None)
        assert created
        if created_at is not None:
            tx.conn.execute(
                update(lead_t).where(lead_t.c.id == lead_id).values(created_at=created_at)
            )
    return lead_id
