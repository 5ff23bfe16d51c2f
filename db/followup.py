"""Following up a lead: who acts (:class:`Actor`, from a chat member or an office user), what
they may see and do, claiming a lead, moving it through its statuses, notes, the history,
the office's board, the lead card the team's messages show, and reminders for leads
nobody took. The office's board and the chat buttons call these same functions, so both
stay in step.

The rules, for every caller:

- **admin** (Phòng Văn hóa – Xã hội) sees and changes every lead and may claim any
  unclaimed one, a lead no team serves included;
- **leader** sees and changes the leads of their team (and any they hold), claims their
  team's unclaimed leads;
- **member** sees their team's unclaimed leads and the leads they hold, claims their
  team's unclaimed leads, changes only the leads they hold.

A lead that came before any team served its tổ dân phố is routed (db.leads.route) when
someone tries to claim it. Statuses: new → claimed → contacted → registering → registered
(with the domain name) / unreachable / declined. "registered" always needs the domain, a
name directly under id.vn or biz.vn (:func:`handlers.domains.programme_name`), from every
caller — the board's form, the chat's buttons (which then ask the member to type it) —
and records the ``registration`` (db.registrations, source "staff") with the change.

Every change writes its ``lead_event`` row, its audit row and the outbox rows for the
notifications it causes in the same transaction (the :class:`~db.store.Tx` it is given). A
claim is decided by the database: the conditional UPDATE that finds the lead still
unclaimed wins. Imports db (audit, leads, models, outbox, registrations, store, tables,
team) and handlers (domains, phones, privacy, text).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, false, func, or_, select, true, update
from sqlalchemy.sql import Select

from db import audit, leads, outbox, registrations
from db.models import utcnow
from db.outbox import TEAM_RECIPIENT
from db.store import Tx
from db.tables import consent_t, event_t, lead_t, member_t, office_user_t, source_t, team_t
from db.team import admins
from handlers.domains import programme_name
from handlers.phones import parse_phone
from handlers.privacy import VIETNAM
from handlers.text import nfc, plain, words

ROLES = ("admin", "leader", "member")
# Every status a lead can have, in the order it moves through them (labels:
# content/<lang>/messages.yaml, lead_status.*).
ALL_STATUSES = (
    "new",
    "claimed",
    "contacted",
    "registering",
    "registered",
    "unreachable",
    "declined",
)
STATUSES = ALL_STATUSES[2:]  # what set_status sets (after "claimed")
# the statuses that say the team got through to the resident (the plan's "reached")
REACHED = ("contacted", "registering", "registered", "declined")
NOTIFY_RESIDENT = ("claimed", "unreachable", "registered")  # statuses the resident hears of
MAX_NOTE = 2000
APPLICANTS = ("person", "enterprise", "household")


@dataclass(frozen=True)
class Actor:
    """Who acts on a lead: an office user, a chat member, or both (a linked chat account).

    ``name`` is shown in the lead's history; ``channel`` and ``account`` are the chat account
    the lead's details go to when they claim it (None: no chat linked); ``email`` names an
    office user in the audit log."""

    name: str
    role: str  # admin | leader | member
    team_id: int | None = None
    user_id: int | None = None  # office_user.id
    member_id: int | None = None  # member.id
    channel: str | None = None
    account: str | None = None
    email: str | None = None

    @property
    def who(self) -> str:
        """How the audit log names them: the e-mail, else the chat account, else the name."""
        if self.email:
            return self.email
        if self.channel and self.account:
            return f"{self.channel}:{self.account}"
        return self.name


def _active_user(tx: Tx, user_id: int) -> dict[str, Any] | None:
    query = select(office_user_t).where(
        office_user_t.c.id == user_id, office_user_t.c.active.is_(True)
    )
    found = tx.conn.execute(query).mappings().first()
    return dict(found) if found is not None else None


def actor_of_member(tx: Tx, member: Mapping[str, Any]) -> Actor:
    """The actor a chat member (a row of db.team.member_for) is. A chat account linked to an
    active office user acts with that user's name, role and team."""
    chat = {"member_id": member["id"], "channel": member["channel"], "account": member["account"]}
    user_id = member.get("office_user_id")
    if user_id is not None:
        user = _active_user(tx, user_id)
        if user is not None:
            return Actor(
                name=user["name"],
                role=user["role"],
                team_id=user["team_id"],
                user_id=user["id"],
                email=user["email"],
                **chat,
            )
    role = member["role"] if member["role"] in ("admin", "leader") else "member"
    return Actor(name=member["display_name"], role=role, team_id=member["team_id"], **chat)


def actor_of_user(tx: Tx, user_id: int) -> Actor | None:
    """The actor an office user is, with their first active linked chat account (if any);
    None for a user that does not exist or was deactivated."""
    user = _active_user(tx, user_id)
    if user is None:
        return None
    chat = tx.conn.execute(
        select(member_t.c.id, member_t.c.channel, member_t.c.account)
        .where(member_t.c.office_user_id == user_id, member_t.c.active.is_(True))
        .order_by(member_t.c.id)
        .limit(1)
    ).first()
    return Actor(
        name=user["name"],
        role=user["role"],
        team_id=user["team_id"],
        user_id=user["id"],
        member_id=chat.id if chat else None,
        channel=chat.channel if chat else None,
        account=chat.account if chat else None,
        email=user["email"],
    )


# --- the rules ---------------------------------------------------------------------------


def holds(actor: Actor, lead: Mapping[str, Any]) -> bool:
    """Whether the lead is the actor's: held by the same office user or the same chat member."""
    by_user = actor.user_id is not None and lead["assignee_user_id"] == actor.user_id
    by_member = actor.member_id is not None and lead["assignee_member_id"] == actor.member_id
    return by_user or by_member


def may_change(actor: Actor, lead: Mapping[str, Any]) -> bool:
    """Status, notes, contact details: admins any lead, leaders their team's, members theirs."""
    if actor.role == "admin" or holds(actor, lead):
        return True
    return actor.role == "leader" and actor.team_id is not None and lead["team_id"] == actor.team_id


def may_claim(actor: Actor, lead: Mapping[str, Any]) -> bool:
    """Whether the actor may take the (unclaimed) lead: admins any, others their team's."""
    if actor.role == "admin":
        return True
    return actor.team_id is not None and lead["team_id"] == actor.team_id


def visible(actor: Actor) -> ColumnElement[bool]:
    """The condition selecting the leads the actor may see: admins all; leaders their team's;
    members their team's unclaimed leads; everyone the leads they hold."""
    c = lead_t.c
    if actor.role == "admin":
        return true()
    held: list[ColumnElement[bool]] = []
    if actor.user_id is not None:
        held.append(c.assignee_user_id == actor.user_id)
    if actor.member_id is not None:
        held.append(c.assignee_member_id == actor.member_id)
    team: ColumnElement[bool] = false()
    if actor.team_id is not None:
        team = c.team_id == actor.team_id
        if actor.role != "leader":
            team = and_(team, c.status == "new")
    return or_(team, *held)


def rights(actor: Actor, lead: Mapping[str, Any]) -> dict[str, bool]:
    """What the actor may do with a lead they can see (for the office's pages)."""
    return {
        "mine": holds(actor, lead),
        "may_change": may_change(actor, lead),
        "may_claim": lead["status"] == "new" and may_claim(actor, lead),
    }


# --- changes -----------------------------------------------------------------------------


def _announce_changed(tx: Tx, lead_id: int, event_id: int) -> None:
    outbox.enqueue(
        tx,
        kind="lead_changed",
        channel=TEAM_RECIPIENT,
        recipient=TEAM_RECIPIENT,
        payload={"lead_id": lead_id},
        dedupe_key=f"lead:{lead_id}:changed:{event_id}",
    )


def _tell_resident(
    tx: Tx, lead_id: int, status: str, event_id: int, writes_first: Collection[str]
) -> None:
    """The resident hears of it if their channel is one of ``writes_first`` (the channels
    that may write to a person first: the bot passes those of its channel registry)."""
    if status not in NOTIFY_RESIDENT:
        return
    row = tx.conn.execute(
        select(lead_t.c.channel, lead_t.c.user_ref).where(lead_t.c.id == lead_id)
    ).first()
    if row is None or row.channel not in writes_first:
        return
    outbox.enqueue(
        tx,
        kind="resident_notice",
        channel=row.channel,
        recipient=row.user_ref,
        payload={"lead_id": lead_id, "status": status},
        dedupe_key=f"lead:{lead_id}:notice:{event_id}",
    )


def _lead_state(tx: Tx, lead_id: int) -> dict[str, Any] | None:
    """What the rules and a change read of a lead (None: it does not exist)."""
    c = lead_t.c
    columns = (
        c.status,
        c.team_id,
        c.area,
        c.domain,
        c.assignee_member_id,
        c.assignee_user_id,
        c.business_id,
    )
    row = tx.conn.execute(select(*columns).where(c.id == lead_id)).mappings().first()
    return dict(row) if row else None


def _audit(tx: Tx, action: str, actor: Actor, lead_id: int, detail: dict[str, Any]) -> None:
    audit.record(
        tx, action, actor.who, actor_user_id=actor.user_id, target=f"lead:{lead_id}", detail=detail
    )


def claim_lead(tx: Tx, lead_id: int, actor: Actor, *, writes_first: Collection[str] = ()) -> str:
    """ "won", "taken" (someone else was first), "mine" (already held), "other_team" (the lead
    is another team's), "no_team" (no team serves it: the ward office hands it out) or
    "missing". A resident on one of ``writes_first`` is told who took their request; the
    lead's details go to the actor's chat account, if they have one."""
    lead = _lead_state(tx, lead_id)
    if lead is None:
        return "missing"
    if holds(actor, lead):
        return "mine"
    team_id = lead["team_id"]
    if team_id is None and lead["status"] == "new":
        team_id = leads.route(tx, lead["area"])  # it came before a team served its area
        if team_id is not None:
            tx.conn.execute(
                update(lead_t)
                .where(lead_t.c.id == lead_id, lead_t.c.team_id.is_(None))
                .values(team_id=team_id)
            )
    if not may_claim(actor, {"team_id": team_id}):
        return "no_team" if team_id is None else "other_team"
    now = utcnow()
    won = tx.conn.execute(
        update(lead_t)
        .where(lead_t.c.id == lead_id, lead_t.c.status == "new")
        .values(
            status="claimed",
            assignee_member_id=actor.member_id,
            assignee_user_id=actor.user_id,
            assignee=actor.name[:80],
            claimed_at=now,
            updated_at=now,
        )
    ).rowcount
    if won != 1:
        now_held = _lead_state(tx, lead_id)
        if now_held is None:
            return "missing"
        return "mine" if holds(actor, now_held) else "taken"
    event_id = leads.add_event(
        tx, lead_id, actor.name, "claimed", "claimed", actor_user_id=actor.user_id
    )
    _audit(tx, "lead_claimed", actor, lead_id, {"team_id": team_id})
    _announce_changed(tx, lead_id, event_id)
    _tell_resident(tx, lead_id, "claimed", event_id, writes_first)
    if actor.channel and actor.account:
        who = f"m{actor.member_id}" if actor.member_id is not None else f"u{actor.user_id}"
        outbox.enqueue(
            tx,
            kind="lead_details",
            channel=actor.channel,
            recipient=actor.account,
            payload={"lead_id": lead_id},
            dedupe_key=f"lead:{lead_id}:details:{who}:{event_id}",
        )
    return "won"


def set_status(
    tx: Tx,
    lead_id: int,
    actor: Actor,
    status: str,
    *,
    domain: str | None = None,
    writes_first: Collection[str] = (),
    today: date | None = None,
) -> str:
    """ "ok", "same", "not_yours" (the actor may not change this lead), "unclaimed" (nobody
    took it yet), "missing", or for "registered" a problem of its ``domain``:
    "domain_needed" (none given), "bad_domain" (not a valid name), "other_zone" (a .vn name
    not under id.vn or biz.vn), "domain_taken" (recorded as another lead's). ``domain``
    goes only with "registered"; it is stored lower case, and the registration is recorded
    (registered ``today``, Vietnam's by default). A resident on one of ``writes_first``
    hears of the statuses in :data:`NOTIFY_RESIDENT`."""
    if status not in STATUSES:
        raise ValueError(status)
    if domain is not None and status != "registered":
        raise ValueError("a domain goes only with the status registered")
    lead = _lead_state(tx, lead_id)
    if lead is None:
        return "missing"
    if lead["status"] == "new":
        return "unclaimed"
    if not may_change(actor, lead):
        return "not_yours"
    name = None
    if status == "registered":
        if not (domain or "").strip():
            return "domain_needed"
        checked = programme_name(domain or "")
        if checked.problem == "other_zone":
            return "other_zone"
        if not checked.ok or checked.name is None:
            return "bad_domain"
        name = checked.name
        known = registrations.find(tx, name)
        if known is not None and known["lead_id"] not in (None, lead_id):
            return "domain_taken"
        if lead["domain"] and lead["domain"] != name:  # a correction of the name
            registrations.withdraw_staff_record(tx, lead_id, lead["domain"])
        registrations.record(
            tx,
            name,
            source=registrations.STAFF,
            registered_on=today or datetime.now(VIETNAM).date(),
            recorded_by=actor.who,
            lead_id=lead_id,
            business_id=lead["business_id"],
        )
    if lead["status"] == status and name == lead["domain"]:
        return "same"
    values: dict[str, Any] = {"status": status, "updated_at": utcnow()}
    if name is not None:
        values["domain"] = name
    tx.conn.execute(update(lead_t).where(lead_t.c.id == lead_id).values(**values))
    event_id = leads.add_event(
        tx, lead_id, actor.name, "status", status, actor_user_id=actor.user_id
    )
    detail = {"from": lead["status"], "to": status} | ({"domain": name} if name else {})
    _audit(tx, "lead_status", actor, lead_id, detail)
    _announce_changed(tx, lead_id, event_id)
    if lead["status"] != status:
        _tell_resident(tx, lead_id, status, event_id, writes_first)
    return "ok"


def add_note(tx: Tx, lead_id: int, actor: Actor, text: str) -> str:
    """Append a note to the lead's history: "ok", "empty", "too_long" (over
    :data:`MAX_NOTE` characters), "not_yours" or "missing"."""
    note = nfc(text)
    if not note:
        return "empty"
    if len(note) > MAX_NOTE:
        return "too_long"
    lead = _lead_state(tx, lead_id)
    if lead is None:
        return "missing"
    if not may_change(actor, lead):
        return "not_yours"
    event_id = leads.add_event(
        tx, lead_id, actor.name, "note", actor_user_id=actor.user_id, note=note
    )
    _audit(tx, "lead_note", actor, lead_id, {"event_id": event_id, "chars": len(note)})
    return "ok"


# --- reading ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """What the board (and an export) is narrowed to. Dates are days in Vietnam, both ends
    included; ``q`` is a name (without case or diacritics) or a phone number (whole, in any
    form, or at least 3 of its digits)."""

    status: str | None = None
    team_id: int | None = None
    no_team: bool = False  # only the leads no team serves
    source: str | None = None
    applicant: str | None = None
    area: str | None = None
    created_from: date | None = None
    created_to: date | None = None
    q: str | None = None

    def described(self) -> dict[str, Any]:
        """The filters set, for the audit log."""
        return {
            k: v.isoformat() if isinstance(v, date) else v
            for k, v in asdict(self).items()
            if v not in (None, "", False)
        }


def vietnam_midnight(day: date) -> datetime:
    """The moment ``day`` begins in Vietnam, in UTC."""
    return datetime.combine(day, time(), VIETNAM).astimezone(UTC)


def conditions(actor: Actor | None, filters: Filters) -> list[ColumnElement[bool]]:
    """The WHERE clauses of the board and the exports (all but ``q``); no actor: every lead."""
    c = lead_t.c
    out: list[ColumnElement[bool]] = [] if actor is None else [visible(actor)]
    if filters.status:
        out.append(c.status == filters.status)
    if filters.no_team:
        out.append(c.team_id.is_(None))
    elif filters.team_id is not None:
        out.append(c.team_id == filters.team_id)
    if filters.source:
        out.append(c.source == filters.source)
    if filters.applicant:
        out.append(c.applicant == filters.applicant)
    if filters.area:
        out.append(c.area == filters.area)
    if filters.created_from:
        out.append(c.created_at >= vietnam_midnight(filters.created_from))
    if filters.created_to:
        out.append(c.created_at < vietnam_midnight(filters.created_to + timedelta(days=1)))
    return out


_LETTER = re.compile(r"[^\W\d_]")


def matcher(q: str | None) -> Callable[[str, str], bool] | None:
    """A test of (name, phone) for the search ``q``; None when there is nothing to search.
    Letters search the name, each word of ``q`` inside the name, without case or diacritics
    ("huong lan" finds "Nguyễn Thị Hương Lan"); digits search the phone: a whole number in
    any form ("0912 345 678", "+84 912 345 678") or a part of it ("345 678")."""
    text = nfc(q or "")
    if not text:
        return None
    if _LETTER.search(text):
        wanted = words(text)
        return lambda name, _phone: all(w in plain(name) for w in wanted)
    whole = parse_phone(text)
    if isinstance(whole, str):
        return lambda _name, phone: phone == whole
    digits = re.sub(r"\D", "", text)
    if len(digits) < 3:
        return lambda _name, _phone: False
    return lambda _name, phone: digits in "0" + phone.removeprefix("+84") or digits in phone


def _with_names() -> Select[Any]:
    """A lead with its team's name, its source's name and when its consent was given."""
    return select(
        lead_t,
        team_t.c.name.label("team"),
        source_t.c.name.label("source_name"),
        consent_t.c.at.label("consent_at"),
    ).select_from(
        lead_t.outerjoin(team_t, team_t.c.id == lead_t.c.team_id)
        .outerjoin(source_t, source_t.c.code == lead_t.c.source)
        .outerjoin(consent_t, consent_t.c.id == lead_t.c.consent_id)
    )


def listed(
    tx: Tx, actor: Actor | None, filters: Filters, newest_first: bool = False
) -> Iterable[dict[str, Any]]:
    """Every lead the actor may see (no actor: all) that ``filters`` select, streamed."""
    c = lead_t.c
    order = (c.created_at.desc(), c.id.desc()) if newest_first else (c.id,)
    query = _with_names().where(*conditions(actor, filters)).order_by(*order)
    found = matcher(filters.q)
    for row in tx.conn.execute(query).mappings():
        if found is None or found(row["name"], row["phone"]):
            yield dict(row)


def lead_for(tx: Tx, actor: Actor, lead_id: int) -> dict[str, Any] | None:
    """The lead (with team, source name, consent time, the actor's rights, and in
    ``same_phone`` the ids of the leads other chats gave with its phone that the actor may
    see) if the actor may see it; None otherwise (the office answers 404, as for a lead
    that does not exist)."""
    row = (
        tx.conn.execute(_with_names().where(lead_t.c.id == lead_id, visible(actor)))
        .mappings()
        .first()
    )
    if row is None:
        return None
    same = leads.sharing_phone(tx, [lead_id], visible(actor)).get(lead_id, [])
    return {**row, **rights(actor, dict(row)), "same_phone": same}


def board(
    tx: Tx, actor: Actor, filters: Filters, page: int = 1, per_page: int = 25
) -> tuple[list[dict[str, Any]], int]:
    """One page (from 1) of the leads the actor may see, newest first, with the actor's
    rights on each and the leads sharing its phone (``same_phone``); and how many leads the
    filters select in all."""
    c = lead_t.c
    page = max(page, 1)
    where = conditions(actor, filters)
    order = (c.created_at.desc(), c.id.desc())
    found = matcher(filters.q)
    if found is None:
        total = int(
            tx.conn.execute(select(func.count()).select_from(lead_t).where(*where)).scalar_one()
        )
        query = _with_names().where(*where).order_by(*order)
        query = query.limit(per_page).offset((page - 1) * per_page)
    else:  # names are compared without diacritics, which only Python does on both databases
        candidates = tx.conn.execute(select(c.id, c.name, c.phone).where(*where).order_by(*order))
        ids = [r.id for r in candidates if found(r.name, r.phone)]
        total = len(ids)
        shown = ids[(page - 1) * per_page : page * per_page]
        query = _with_names().where(c.id.in_(shown)).order_by(*order)
    rows = [{**r, **rights(actor, dict(r))} for r in tx.conn.execute(query).mappings()]
    same = leads.sharing_phone(tx, [r["id"] for r in rows], visible(actor))
    return [{**r, "same_phone": same.get(r["id"], [])} for r in rows], total


def counts(tx: Tx, actor: Actor) -> dict[str, int]:
    """How many leads the actor may see, by status; and "mine": how many they hold."""
    c = lead_t.c
    query = select(c.status, func.count()).where(visible(actor)).group_by(c.status)
    found = {str(status): int(n) for status, n in tx.conn.execute(query).all()}
    held = [c.assignee_user_id == actor.user_id] if actor.user_id is not None else []
    if actor.member_id is not None:
        held.append(c.assignee_member_id == actor.member_id)
    mine = select(func.count()).select_from(lead_t).where(or_(false(), *held))
    found["mine"] = int(tx.conn.execute(mine).scalar_one())
    return found


def history(tx: Tx, lead_id: int) -> list[dict[str, Any]]:
    """The lead's events, oldest first: when, who, what (kind, status, note)."""
    query = select(event_t).where(event_t.c.lead_id == lead_id).order_by(event_t.c.id)
    return [dict(r) for r in tx.conn.execute(query).mappings()]


def lead_card(tx: Tx, lead_id: int) -> dict[str, Any] | None:
    """The lead with its team's name and latest status change, for the team's messages."""
    row = (
        tx.conn.execute(
            select(lead_t, team_t.c.name.label("team"))
            .select_from(lead_t.outerjoin(team_t, team_t.c.id == lead_t.c.team_id))
            .where(lead_t.c.id == lead_id)
        )
        .mappings()
        .first()
    )
    if row is None:
        return None
    last = (
        tx.conn.execute(
            select(event_t.c.actor, event_t.c.at, event_t.c.status)
            .where(event_t.c.lead_id == lead_id, event_t.c.status.isnot(None))
            .order_by(event_t.c.id.desc())
            .limit(1)
        )
        .mappings()
        .first()
    )
    return {**dict(row), "last_change": dict(last) if last else None}


def mark_announced(tx: Tx, lead_id: int, chat: str, message_id: int) -> None:
    tx.conn.execute(
        update(lead_t)
        .where(lead_t.c.id == lead_id)
        .values(announce_chat=chat, announce_message_id=message_id)
    )


def queue_reminders(
    tx: Tx, now: datetime, remind_after: timedelta, escalate_after: timedelta, admin_channel: str
) -> int:
    """Re-announce leads unclaimed for ``remind_after`` (once) and tell the admins about
    those unclaimed for ``escalate_after`` (once). Returns how many notices were queued."""
    queued = 0
    unclaimed = and_(lead_t.c.status == "new", lead_t.c.assignee_member_id.is_(None))
    due = (
        tx.conn.execute(
            select(lead_t.c.id).where(
                unclaimed, lead_t.c.reminded_at.is_(None), lead_t.c.created_at <= now - remind_after
            )
        )
        .scalars()
        .all()
    )
    for lead_id in due:
        tx.conn.execute(update(lead_t).where(lead_t.c.id == lead_id).values(reminded_at=now))
        outbox.enqueue(
            tx,
            "lead_reminder",
            TEAM_RECIPIENT,
            TEAM_RECIPIENT,
            {"lead_id": lead_id},
            f"lead:{lead_id}:reminder",
        )
        queued += 1
    late = (
        tx.conn.execute(
            select(lead_t.c.id).where(
                unclaimed,
                lead_t.c.escalated_at.is_(None),
                lead_t.c.created_at <= now - escalate_after,
            )
        )
        .scalars()
        .all()
    )
    heads = admins(tx, admin_channel)
    for lead_id in late:
        tx.conn.execute(update(lead_t).where(lead_t.c.id == lead_id).values(escalated_at=now))
        for admin in heads:
            outbox.enqueue(
                tx,
                "lead_escalated",
                admin["channel"],
                admin["account"],
                {"lead_id": lead_id},
                f"lead:{lead_id}:escalated:{admin['id']}",
            )
            queued += 1
    return queued
