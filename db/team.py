"""The community digital teams: teams (created, renamed, archived — no two share a name once
case and diacritics are set aside), the tổ dân phố each serves, the chat accounts of their
members linked by one-time invite codes, the new leads offered to members one by one on
the channels that do that (Zalo). (Following up a lead — claims, statuses, reminders — is
db.followup; a chat that blocked the bot, db.subscribers.block_chat.) The office, the
command line and the chat channels all call these functions. Imports db.models, db.store,
db.tables, db.outbox and handlers.text.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from db import outbox
from db.models import utcnow
from db.store import Tx
from db.tables import (
    invite_t,
    lead_t,
    member_t,
    office_user_t,
    outbox_t,
    team_area_t,
    team_t,
)
from handlers.text import fold, nfc

INVITE_DAYS = 7
NAME_MAX = 100  # team.name and team_area.area
ROLES = ("member", "admin")
# The channels whose members are offered each new lead of their team one by one (a member
# replies with the lead's number to claim it). Telegram's see it in the team's group.
OFFER_CHANNELS = ("zalo",)


class TeamError(ValueError):
    """A team change refused. ``code`` names the reason — the message is the content key
    ``teams.errors.<code>`` rendered with ``params`` — so the office and the command line
    say it the same way: empty, too_long, duplicate (``existing``: the team that has the
    name), missing, archived (``name``), area_empty, area_too_long."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params: dict[str, Any] = {"limit": NAME_MAX, "name": "", "existing": "", **params}

    @property
    def key(self) -> str:
        return f"teams.errors.{self.code}"


def clean(text: str) -> str:
    """A name as stored: NFC, trimmed, runs of spaces made one."""
    return " ".join(nfc(text).split())


def _checked(name: str, empty: str = "empty", too_long: str = "too_long") -> str:
    cleaned = clean(name)
    if not cleaned:
        raise TeamError(empty)
    if len(cleaned) > NAME_MAX:
        raise TeamError(too_long)
    return cleaned


def _key(name: str) -> str:
    return fold(name)[:NAME_MAX]


# --- teams ----------------------------------------------------------------------------------


def team_by_name(tx: Tx, name: str) -> dict[str, Any] | None:
    """The team with this name, whatever its case or diacritics (archived ones too)."""
    row = tx.conn.execute(select(team_t).where(team_t.c.name_key == _key(clean(name))))
    found = row.mappings().first()
    return dict(found) if found else None


def team_by_id(tx: Tx, team_id: int) -> dict[str, Any] | None:
    found = tx.conn.execute(select(team_t).where(team_t.c.id == team_id)).mappings().first()
    return dict(found) if found else None


def _existing(tx: Tx, key: str, other_than: int | None = None) -> str | None:
    query = select(team_t.c.name).where(team_t.c.name_key == key)
    if other_than is not None:
        query = query.where(team_t.c.id != other_than)
    found: str | None = tx.conn.execute(query).scalar()
    return found


def create_team(tx: Tx, name: str) -> int:
    """A new team; its id. TeamError: empty, too_long or duplicate."""
    cleaned = _checked(name)
    key = _key(cleaned)
    existing = _existing(tx, key)
    if existing is not None:
        raise TeamError("duplicate", existing=existing)
    team_id: int | None = tx.conn.execute(
        tx.insert_ignore(team_t).returning(team_t.c.id),
        {"name": cleaned, "name_key": key, "created_at": utcnow()},
    ).scalar()
    if team_id is None:  # created by someone else at the same moment
        raise TeamError("duplicate", existing=_existing(tx, key) or cleaned)
    return team_id


def rename_team(tx: Tx, team_id: int, name: str) -> str:
    """Give the team a new name (a new spelling of its own name is fine); the name stored.
    TeamError: empty, too_long, duplicate or missing."""
    cleaned = _checked(name)
    key = _key(cleaned)
    existing = _existing(tx, key, other_than=team_id)
    if existing is not None:
        raise TeamError("duplicate", existing=existing)
    try:
        with tx.conn.begin_nested():
            done = tx.conn.execute(
                update(team_t).where(team_t.c.id == team_id).values(name=cleaned, name_key=key)
            )
    except IntegrityError as exc:  # taken by someone else at the same moment
        raise TeamError("duplicate", existing=cleaned) from exc
    if done.rowcount != 1:
        raise TeamError("missing")
    return cleaned


def archive_team(tx: Tx, team_id: int) -> list[str]:
    """Archive the team: it gets no new invites (pending ones expire now) and serves no tổ dân
    phố any more (a new lead from there goes to no team, so the admins hear of it). Its
    members stay linked. The areas it served, to show; TeamError: missing."""
    team = team_by_id(tx, team_id)
    if team is None:
        raise TeamError("missing")
    now = utcnow()
    if team["archived_at"] is None:
        tx.conn.execute(update(team_t).where(team_t.c.id == team_id).values(archived_at=now))
    tx.conn.execute(
        update(invite_t)
        .where(invite_t.c.team_id == team_id, invite_t.c.used_at.is_(None))
        .where(invite_t.c.expires_at > now)
        .values(expires_at=now)
    )
    released = areas_of(tx, team_id)
    tx.conn.execute(delete(team_area_t).where(team_area_t.c.team_id == team_id))
    return released


def unarchive_team(tx: Tx, team_id: int) -> None:
    """Bring an archived team back (its areas are assigned again by hand). TeamError: missing."""
    done = tx.conn.execute(update(team_t).where(team_t.c.id == team_id).values(archived_at=None))
    if done.rowcount != 1:
        raise TeamError("missing")


def teams(tx: Tx, include_archived: bool = True) -> list[dict[str, Any]]:
    """Every team by name, each with ``areas`` (its tổ dân phố), ``members`` (how many active
    linked chats) and ``invites`` (how many codes wait unused and unexpired)."""
    query = select(team_t).order_by(team_t.c.name_key)
    if not include_archived:
        query = query.where(team_t.c.archived_at.is_(None))
    rows = [dict(r) for r in tx.conn.execute(query).mappings()]
    counted: dict[int, int] = dict(
        tx.conn.execute(
            select(member_t.c.team_id, func.count())
            .where(member_t.c.active.is_(True))
            .group_by(member_t.c.team_id)
        ).all()
    )
    waiting: dict[int, int] = dict(
        tx.conn.execute(
            select(invite_t.c.team_id, func.count())
            .where(_pending(utcnow()))
            .group_by(invite_t.c.team_id)
        ).all()
    )
    served: dict[int, list[str]] = {}
    for area, team_id in tx.conn.execute(select(team_area_t.c.area, team_area_t.c.team_id)):
        served.setdefault(team_id, []).append(area)
    for row in rows:
        row["areas"] = sorted(served.get(row["id"], []), key=_area_order)
        row["members"] = counted.get(row["id"], 0)
        row["invites"] = waiting.get(row["id"], 0)
    return rows


# --- the tổ dân phố each team serves ----------------------------------------------------------


def _area_order(area: str) -> tuple[str, int, str]:
    """So that "Tổ dân phố 2" comes before "Tổ dân phố 10"."""
    head, _, tail = area.rpartition(" ")
    if tail.isdigit():
        return fold(head), int(tail), area
    return fold(area), -1, area


def _area_rows(tx: Tx) -> list[tuple[str, int]]:
    return [(r.area, r.team_id) for r in tx.conn.execute(select(team_area_t))]


def areas_of(tx: Tx, team_id: int) -> list[str]:
    return sorted((a for a, t in _area_rows(tx) if t == team_id), key=_area_order)


def serving(tx: Tx, area: str) -> int | None:
    """The (not archived) team that serves this tổ dân phố (compared without case and
    diacritics), or None."""
    key = fold(clean(area))
    query = (
        select(team_area_t.c.area, team_area_t.c.team_id)
        .join(team_t, team_t.c.id == team_area_t.c.team_id)
        .where(team_t.c.archived_at.is_(None))
    )
    for stored, team_id in tx.conn.execute(query).all():
        if fold(stored) == key:
            return int(team_id)
    return None


def assign_area(tx: Tx, area: str, team_id: int) -> int | None:
    """The team serves this tổ dân phố from now on (one team per area: it moves from the one
    that had it, also when that one spelt it differently). The team that had it, if another.
    TeamError: area_empty, area_too_long, missing or archived."""
    cleaned = _checked(area, "area_empty", "area_too_long")
    team = team_by_id(tx, team_id)
    if team is None:
        raise TeamError("missing")
    if team["archived_at"] is not None:
        raise TeamError("archived", name=team["name"])
    key = fold(cleaned)
    before = None
    for stored, holder in _area_rows(tx):
        if fold(stored) == key:
            before = holder
            tx.conn.execute(delete(team_area_t).where(team_area_t.c.area == stored))
    tx.conn.execute(insert(team_area_t), {"area": cleaned, "team_id": team_id})
    _route_waiting(tx, key, team_id)
    return before if before != team_id else None


def _route_waiting(tx: Tx, key: str, team_id: int) -> None:
    """Leads from that (folded) tổ dân phố that no team served yet and nobody took go to the
    team that now serves it, so they appear on its members' board."""
    waiting = tx.conn.execute(
        select(lead_t.c.id, lead_t.c.area).where(
            lead_t.c.team_id.is_(None), lead_t.c.status == "new"
        )
    ).all()
    ids = [row.id for row in waiting if fold(row.area) == key]
    if ids:
        tx.conn.execute(update(lead_t).where(lead_t.c.id.in_(ids)).values(team_id=team_id))


def unassign_area(tx: Tx, area: str) -> bool:
    """No team serves this tổ dân phố any more; False if none did."""
    key = fold(clean(area))
    gone = [stored for stored, _ in _area_rows(tx) if fold(stored) == key]
    if gone:
        tx.conn.execute(delete(team_area_t).where(team_area_t.c.area.in_(gone)))
    return bool(gone)


def set_areas(tx: Tx, team_id: int, areas: list[str]) -> dict[str, int]:
    """The team serves exactly these tổ dân phố (moved from other teams if need be); the areas
    taken from another team, with that team's id. TeamError as :func:`assign_area`."""
    wanted = {fold(clean(a)) for a in areas}
    for stored in areas_of(tx, team_id):
        if fold(stored) not in wanted:
            unassign_area(tx, stored)
    moved: dict[str, int] = {}
    for area in areas:
        before = assign_area(tx, area, team_id)
        if before is not None:
            moved[clean(area)] = before
    return moved


# --- invites ------------------------------------------------------------------------------------


def _pending(now: datetime) -> Any:
    return and_(invite_t.c.used_at.is_(None), invite_t.c.expires_at > now)


def invite(tx: Tx, team_id: int, role: str = "member", office_user_id: int | None = None) -> str:
    """A one-time code that links a chat account to the team (to ``office_user_id``'s office
    account too, if given). TeamError: missing or archived."""
    if role not in ROLES:
        raise ValueError(role)
    team = team_by_id(tx, team_id)
    if team is None:
        raise TeamError("missing")
    if team["archived_at"] is not None:
        raise TeamError("archived", name=team["name"])
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
            "office_user_id": office_user_id,
        },
    )
    return code


def create_invite(
    tx: Tx, team_name: str, role: str = "member", office_user_id: int | None = None
) -> str:
    """A one-time code for the team named ``team_name`` (created if it is new; an archived
    one gets none). TeamError as :func:`create_team` and :func:`invite`."""
    team = team_by_name(tx, team_name)
    team_id = team["id"] if team else create_team(tx, team_name)
    return invite(tx, team_id, role, office_user_id)


def pending_invites(tx: Tx, team_id: int | None = None) -> list[dict[str, Any]]:
    """Codes not used yet and not expired, with their team's name, oldest first."""
    query = (
        select(invite_t, team_t.c.name.label("team"))
        .join(team_t, team_t.c.id == invite_t.c.team_id)
        .where(_pending(utcnow()))
        .order_by(invite_t.c.id)
    )
    if team_id is not None:
        query = query.where(invite_t.c.team_id == team_id)
    return [dict(r) for r in tx.conn.execute(query).mappings()]


def redeem_invite(
    tx: Tx, code: str, channel: str, account: str, display_name: str
) -> tuple[str, dict[str, Any] | None]:
    """Link a chat account with a code: ("linked" | "unknown" | "used" | "expired", member).
    A code made for an office user makes the chat account that user's (under their name).
    A code of a team archived since counts as expired."""
    invite = tx.conn.execute(select(invite_t).where(invite_t.c.code == code)).mappings().first()
    now = utcnow()
    if invite is None:
        return "unknown", None
    if invite["used_at"] is not None:
        return "used", None
    archived = tx.conn.execute(
        select(team_t.c.archived_at).where(team_t.c.id == invite["team_id"])
    ).scalar()
    if invite["expires_at"] < now or archived is not None:
        return "expired", None
    existing = member_for(tx, channel, account, active_only=False)
    values = {
        "team_id": invite["team_id"],
        "display_name": clean(display_name)[:100],
        "role": invite["role"],
        "active": True,
        "linked_at": now,
        "last_message_at": now,  # the code came in a message: the chat is open now
    }
    if invite["office_user_id"] is not None:  # the office knows them by name
        values["office_user_id"] = invite["office_user_id"]
        known = tx.conn.execute(
            select(office_user_t.c.name).where(office_user_t.c.id == invite["office_user_id"])
        ).scalar()
        if known:
            values["display_name"] = known
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


# --- members ------------------------------------------------------------------------------------


def _members_query() -> Any:
    return select(member_t, team_t.c.name.label("team")).join(
        team_t, team_t.c.id == member_t.c.team_id
    )


def member_for(
    tx: Tx, channel: str, account: str, active_only: bool = True
) -> dict[str, Any] | None:
    query = _members_query().where(member_t.c.channel == channel, member_t.c.account == account)
    if active_only:
        query = query.where(member_t.c.active.is_(True))
    row = tx.conn.execute(query).mappings().first()
    return dict(row) if row else None


def members(
    tx: Tx,
    team_id: int | None = None,
    office_user_id: int | None = None,
    active_only: bool = False,
) -> list[dict[str, Any]]:
    """Linked chat accounts (with their team's name as ``team``), by team then id: of one
    team, of one office user, or all."""
    query = _members_query().order_by(team_t.c.name_key, member_t.c.id)
    if team_id is not None:
        query = query.where(member_t.c.team_id == team_id)
    if office_user_id is not None:
        query = query.where(member_t.c.office_user_id == office_user_id)
    if active_only:
        query = query.where(member_t.c.active.is_(True))
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


def heard_from(tx: Tx, channel: str, account: str, at: datetime) -> dict[str, Any] | None:
    """The chat account wrote to us at ``at`` (a channel that may write only within a window
    of a person's last message needs to know): the active member it belongs to, if any."""
    member = member_for(tx, channel, account)
    if member is not None:
        tx.conn.execute(
            update(member_t).where(member_t.c.id == member["id"]).values(last_message_at=at)
        )
        member["last_message_at"] = at
    return member


# --- new leads offered to members one by one ------------------------------------------------------


def _offer_key(lead_id: int, member_id: int) -> str:
    return f"lead:{lead_id}:offer:{member_id}"


def offer_lead(tx: Tx, lead_id: int) -> int:
    """Queue a "lead_offer" for each active member on :data:`OFFER_CHANNELS` of the team the
    new lead belongs to (no team: for the admins there); how many."""
    team_id = tx.conn.execute(select(lead_t.c.team_id).where(lead_t.c.id == lead_id)).scalar()
    query = select(member_t.c.id, member_t.c.channel, member_t.c.account).where(
        member_t.c.active.is_(True), member_t.c.channel.in_(OFFER_CHANNELS)
    )
    if team_id is None:
        query = query.where(member_t.c.role == "admin")
    else:
        query = query.where(member_t.c.team_id == team_id)
    chosen = tx.conn.execute(query.order_by(member_t.c.id)).all()
    for member_id, channel, account in chosen:
        outbox.enqueue(
            tx,
            kind="lead_offer",
            channel=channel,
            recipient=account,
            payload={"lead_id": lead_id, "member_id": member_id},
            dedupe_key=_offer_key(lead_id, member_id),
        )
    return len(chosen)


def offered_at(tx: Tx, lead_id: int, member_id: int) -> datetime | None:
    """When the lead was offered to this member, if the offer reached them."""
    found: datetime | None = tx.conn.execute(
        select(outbox_t.c.created_at).where(
            outbox_t.c.dedupe_key == _offer_key(lead_id, member_id), outbox_t.c.status == "sent"
        )
    ).scalar()
    return found
