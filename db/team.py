"""The community digital teams: teams, the chat accounts of their members linked by
one-time invite codes, and chats that blocked the bot. (Following up a lead — claims,
statuses, reminders — is db.followup.) Imports db.models, db.store, db.tables,
db.subscribers and handlers.text.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from sqlalchemy import insert, select, update

from db import subscribers
from db.models import utcnow
from db.store import Tx
from db.tables import blocked_t, invite_t, member_t, team_t
from handlers.text import fold

INVITE_DAYS = 7


def create_invite(tx: Tx, team_name: str, role: str = "member") -> str:
    """A one-time code for ``team_name`` (the team is created if it is new)."""
    team_id = tx.conn.execute(select(team_t.c.id).where(team_t.c.name == team_name)).scalar()
    if team_id is None:
        team_id = tx.conn.execute(
            insert(team_t).returning(team_t.c.id),
            {"name": team_name, "name_key": fold(team_name), "created_at": utcnow()},
        ).scalar_one()
    code = secrets.token_urlsafe(9).replace("-", "x").replace("_", "y")
    now = utcnow()
    tx.conn.execute(
        insert(invite_t),
        {
            "code": code,
            "team_id": team_id,
            "role": role,
            "created_at": now,
            "expires_at": now + timedelta(days=INVITE_DAYS),
        },
    )
    return code


def redeem_invite(
    tx: Tx, code: str, channel: str, account: str, display_name: str
) -> tuple[str, dict[str, Any] | None]:
    """Link a chat account with a code: ("linked" | "unknown" | "used" | "expired", member)."""
    invite = tx.conn.execute(select(invite_t).where(invite_t.c.code == code)).mappings().first()
    now = utcnow()
    if invite is None:
        return "unknown", None
    if invite["used_at"] is not None:
        return "used", None
    if invite["expires_at"] < now:
        return "expired", None
    existing = member_for(tx, channel, account, active_only=False)
    values = {
        "team_id": invite["team_id"],
        "display_name": display_name[:100],
        "role": invite["role"],
        "active": True,
        "linked_at": now,
    }
    if existing:
        tx.conn.execute(update(member_t).where(member_t.c.id == existing["id"]), values)
        member_id = existing["id"]
    else:
        member_id = tx.conn.execute(
            insert(member_t).returning(member_t.c.id),
            {"channel": channel, "account": account, **values},
        ).scalar_one()
    done = tx.conn.execute(
        update(invite_t)
        .where(invite_t.c.id == invite["id"], invite_t.c.used_at.is_(None))
        .values(used_at=now, member_id=member_id)
    )
    if done.rowcount != 1:  # redeemed by someone else at the same moment
        raise RuntimeError("invite redeemed concurrently")
    return "linked", member_for(tx, channel, account)


def member_for(
    tx: Tx, channel: str, account: str, active_only: bool = True
) -> dict[str, Any] | None:
    query = (
        select(member_t, team_t.c.name.label("team"))
        .join(team_t, team_t.c.id == member_t.c.team_id)
        .where(member_t.c.channel == channel, member_t.c.account == account)
    )
    if active_only:
        query = query.where(member_t.c.active.is_(True))
    row = tx.conn.execute(query).mappings().first()
    return dict(row) if row else None


def members(tx: Tx) -> list[dict[str, Any]]:
    query = (
        select(member_t, team_t.c.name.label("team"))
        .join(team_t, team_t.c.id == member_t.c.team_id)
        .order_by(team_t.c.name, member_t.c.id)
    )
    return [dict(r) for r in tx.conn.execute(query).mappings()]


def admins(tx: Tx, channel: str) -> list[dict[str, Any]]:
    return [
        m for m in members(tx) if m["role"] == "admin" and m["active"] and m["channel"] == channel
    ]


def remove_member(tx: Tx, member_id: int) -> bool:
    done = tx.conn.execute(
        update(member_t)
        .where(member_t.c.id == member_id, member_t.c.active.is_(True))
        .values(active=False)
    )
    return done.rowcount == 1


def block_chat(tx: Tx, channel: str, chat_id: str) -> None:
    """The chat refused us (bot blocked): remember it; a member there becomes inactive."""
    tx.conn.execute(
        tx.insert_ignore(blocked_t), {"channel": channel, "chat_id": chat_id, "at": utcnow()}
    )
    tx.conn.execute(
        update(member_t)
        .where(member_t.c.channel == channel, member_t.c.account == chat_id)
        .values(active=False)
    )
    subscribers.unsubscribe(tx, channel, chat_id)  # who blocked us gets no more news
