"""The community digital team on Zalo: a member links their Zalo account by typing
"/staff CODE" to the OA (db.team's invites, as on Telegram), is offered each new lead of
their team while the OA may write to them (48 hours after their last message), and takes
one by replying with its number ("12", "nhận 12", "#12") — the same claim as the board's
and Telegram's buttons (db.followup). Whatever else a member types is a resident's message.

A bare number is a claim only for a lead offered to that member, and only if they have not
chatted as a resident since the offer (a member who also chats as a resident can still
answer "2" to a numbered choice); "nhận 12" and "#12" always are. The member's last
message time is kept on their member row (db.team.heard_from).

May import: this package, db, handlers.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.channels.zalo import CHANNEL
from db import conversations, followup, team
from db.store import Tx
from handlers.content import Content
from handlers.phones import national
from handlers.privacy import local_time
from handlers.text import fold, nfc

TEAM_LANG = "vi"  # ward staff read Vietnamese
_STAFF = re.compile(r"^(/)?staff(?:\s+(\S+))?$", re.IGNORECASE)
_CLAIM = re.compile(r"^(nhan(?: ho so)?\s*#?\s*|#\s*)?(\d{1,9})$")  # on the folded text


@dataclass(frozen=True)
class StaffCommand:
    """A message that is the team's business: "link" (``code``), "usage" or "claim"
    (``lead_id``); ``explicit``: the claim said so ("nhận 12", "#12"), not a bare number."""

    kind: str
    code: str = ""
    lead_id: int = 0
    explicit: bool = False


def parse(text: str) -> StaffCommand | None:
    """What a typed message asks of the team, if anything."""
    cleaned = nfc(text)
    if m := _STAFF.match(cleaned):
        if m.group(2):
            return StaffCommand("link", code=m.group(2))
        return StaffCommand("usage") if m.group(1) else None
    if m := _CLAIM.match(fold(cleaned)):
        return StaffCommand("claim", lead_id=int(m.group(2)), explicit=bool(m.group(1)))
    return None


@dataclass(frozen=True)
class Answer:
    """What to say back: a content key and its parameters (None: nothing)."""

    key: str | None
    params: dict[str, Any] = field(default_factory=dict)


def _answers_offer(tx: Tx, account: str, member: dict[str, Any], command: StaffCommand) -> bool:
    """Whether a bare number answers the offer of that lead: it reached the member, and they
    have not chatted as a resident since (then "1" may well be a choice in that chat)."""
    offered = team.offered_at(tx, command.lead_id, member["id"])
    if offered is None:
        return False
    chatted = conversations.last_turn_at(tx, CHANNEL, account)
    return chatted is None or chatted <= offered


def member_wrote(
    tx: Tx,
    account: str,
    command: StaffCommand | None,
    *,
    key: str,
    at: datetime,
    writes_first: Collection[str] = (),
    display_name: str = "",
) -> Answer | None:
    """A message came from this Zalo account at ``at``: a member's last message time moves
    on, and a staff command is carried out in this transaction. None: the message is a
    resident's (no command, not a member, or a bare number that does not answer an offer);
    an Answer without a key: a redelivered event, or a claim won (the details follow as the
    outbox's "lead_details")."""
    member = team.heard_from(tx, CHANNEL, account, at)
    if command is None:
        return None
    if command.kind == "claim" and (
        member is None or not (command.explicit or _answers_offer(tx, account, member, command))
    ):
        return None
    if not conversations.mark_seen(tx, CHANNEL, key):
        return Answer(None)
    if command.kind == "usage":
        return Answer("team.usage")
    if command.kind == "link":
        outcome, linked = team.redeem_invite(tx, command.code, CHANNEL, account, display_name)
        if outcome == "linked" and linked:
            return Answer("zalo_team.linked", {"team": linked["team"], "role": linked["role"]})
        return Answer(f"team.invite_{outcome}")
    assert member is not None
    outcome = followup.claim_lead(
        tx, command.lead_id, followup.actor_of_member(tx, member), writes_first=writes_first
    )
    if outcome == "won":
        return Answer(None)
    return Answer(f"zalo_team.answers.{outcome}", {"lead_id": command.lead_id})


# --- the team's messages -------------------------------------------------------------------


def _labels(content: Content, card: dict[str, Any]) -> dict[str, str]:
    t = content.render
    return {
        "applicant": t(TEAM_LANG, "team.applicant." + (card["applicant"] or "unknown")),
        "reason": t(TEAM_LANG, "team.reason." + (card["reason"] or "none")),
    }


def offer_text(content: Content, card: dict[str, Any]) -> str:
    """A new lead offered to a member: where, who, the verdict and when — no name or phone
    before it is claimed — and how to take it."""
    return content.render(
        TEAM_LANG,
        "zalo_team.offer",
        lead=card,
        created=local_time(card["created_at"]),
        **_labels(content, card),
    )


def details_text(content: Content, card: dict[str, Any]) -> str:
    """The full contact details, for the member who took the lead."""
    return content.render(
        TEAM_LANG,
        "zalo_team.details",
        lead=card,
        phone=national(card["phone"]),
        **_labels(content, card),
    )
