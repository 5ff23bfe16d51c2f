"""The tables. One module so the whole schema reads in one place; Alembic migrates it.

Residents' personal data lives only in ``lead`` (name, phone, area, contact time),
``consent`` (who agreed to what) and ``conversation`` (the chat's state and the platform's
user id); ward staff's in ``office_user`` (e-mail, name) and ``member`` (chat accounts).
``verdict_count`` and ``erased_lead`` hold anonymous counts only. Imports nothing of
hiendien.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import BigInteger, Boolean, Column, Index, Text, UniqueConstraint, false
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


class Conversation(SQLModel, table=True):
    """One per (channel, user): where the chat stands. ``version`` guards concurrent turns."""

    __table_args__ = (
        UniqueConstraint("channel", "user_ref", name="uq_conversation_user"),
        Index("ix_conversation_source", "source", "created_at"),  # the funnels (0013)
    )
    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=16)
    user_ref: str = Field(max_length=64)
    state: str = Field(sa_column=Column(Text, nullable=False))  # ConversationState as JSON
    lang: str = Field(default="vi", max_length=8)
    source: str | None = Field(default=None, max_length=64)
    lead_id: int | None = Field(default=None, foreign_key="lead.id", ondelete="SET NULL")
    paused_until: datetime | None = None
    version: int = 0
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow, index=True)


class InboundSeen(SQLModel, table=True):
    """A platform delivery already handled (update id, message id), with the reply it got
    (JSON, for a retry whose answer was lost); pruned after a week."""

    __tablename__ = "inbound_seen"
    channel: str = Field(primary_key=True, max_length=16)
    external_id: str = Field(primary_key=True, max_length=128)
    seen_at: datetime = Field(default_factory=utcnow, index=True)
    reply: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    user_ref: str | None = Field(default=None, max_length=64)  # whose reply (for an erasure)


class InboxUpdate(SQLModel, table=True):
    """A platform update acknowledged (a Telegram webhook update, a Zalo event): written
    before the 200, then handled from here (bot.inbox, db.inbox). "pending" while in hand
    (``taken_until``: the lease of the process handling it), then "done" (or "failed" after
    too many attempts) with its body dropped; pruned after a week like inbound_seen."""

    __tablename__ = "inbox"
    __table_args__ = (UniqueConstraint("channel", "external_id", name="uq_inbox_delivery"),)
    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=16)
    external_id: str = Field(max_length=128)  # Telegram's update_id, Zalo's msg_id
    chat: str | None = Field(default=None, max_length=64)  # handled in order per chat
    body: str | None = Field(default=None, sa_column=Column(Text, nullable=True))  # JSON
    status: str = Field(default="pending", max_length=16, index=True)
    attempts: int = 0
    taken_until: datetime = Field(default_factory=utcnow)
    received_at: datetime = Field(default_factory=utcnow, index=True)
    handled_at: datetime | None = None


class Consent(SQLModel, table=True):
    """Append-only: one row per answer to one consent question (one purpose per row)."""

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=16)
    user_ref: str = Field(max_length=64)
    purpose: str = Field(max_length=32)
    version: str = Field(max_length=64)
    text_hash: str = Field(max_length=64)
    granted: bool
    at: datetime = Field(default_factory=utcnow)
    withdrawn_at: datetime | None = None
    external_id: str | None = Field(default=None, max_length=128)

    __table_args__ = (Index("ix_consent_user", "channel", "user_ref"),)


class Lead(SQLModel, table=True):
    """A resident who asked the community digital team for help: one per chat account and
    phone number. Another chat giving the same number has a lead of its own."""

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, index=True)
    updated_at: datetime = Field(default_factory=utcnow)
    channel: str = Field(max_length=16)
    user_ref: str = Field(max_length=64)
    source: str | None = Field(default=None, max_length=64)
    applicant: str = Field(max_length=16)
    reason: str | None = Field(default=None, max_length=32)
    name: str = Field(max_length=80)
    phone: str = Field(max_length=20, index=True)  # E.164
    area: str = Field(max_length=100)
    contact_time: str = Field(max_length=100)
    status: str = Field(default="new", max_length=16, index=True)
    assignee: str | None = Field(default=None, max_length=80)
    consent_id: int | None = Field(default=None, foreign_key="consent.id", ondelete="SET NULL")
    # the team's side: who holds it, and the group message that announces it
    assignee_member_id: int | None = Field(
        default=None, foreign_key="member.id", ondelete="SET NULL"
    )
    claimed_at: datetime | None = None
    announce_chat: str | None = Field(default=None, max_length=64)
    announce_message_id: int | None = None
    reminded_at: datetime | None = None
    escalated_at: datetime | None = None
    # the team that serves the resident's tổ dân phố (None: no team serves it yet)
    team_id: int | None = Field(default=None, foreign_key="team.id", index=True)
    assignee_user_id: int | None = Field(
        default=None, foreign_key="office_user.id", ondelete="SET NULL"
    )  # the office user who holds it (set by a claim from the board or a linked chat)
    domain: str | None = Field(default=None, max_length=253)  # the name registered
    # the registry business the resident proved to be, by its tax code: the lead is then
    # "xác thực theo danh sách của phường" and its founding date is the registry's
    business_id: int | None = Field(
        default=None, foreign_key="business.id", index=True, ondelete="SET NULL"
    )
    # the resident asked for a relative (a child, a grandchild): the verdict was about them,
    # the name and phone are the asker's
    # (false unless given: written by the database, so a lead is recorded the same way on a
    # database of any revision since 0012)
    for_relative: bool = Field(
        default=False, sa_column=Column(Boolean, nullable=False, server_default=false())
    )

    __table_args__ = (
        Index("ix_lead_user", "channel", "user_ref"),
        UniqueConstraint("channel", "user_ref", "phone", name="uq_lead_chat_phone"),
    )


class LeadEvent(SQLModel, table=True):
    """Every change of a lead: created, updated, status changes, with who and when."""

    __tablename__ = "lead_event"
    __table_args__ = (Index("ix_lead_event_status", "lead_id", "status", "at"),)  # (0013)
    id: int | None = Field(default=None, primary_key=True)
    lead_id: int = Field(foreign_key="lead.id", index=True, ondelete="CASCADE")
    at: datetime = Field(default_factory=utcnow)
    actor: str = Field(max_length=80)
    kind: str = Field(max_length=16)
    status: str | None = Field(default=None, max_length=16)
    actor_user_id: int | None = Field(
        default=None, foreign_key="office_user.id", ondelete="SET NULL"
    )
    note: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class Outbox(SQLModel, table=True):
    """A notification to deliver, written with the change that causes it."""

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=32)
    channel: str = Field(max_length=16)
    recipient: str = Field(max_length=64)
    payload: str = Field(sa_column=Column(Text, nullable=False))  # JSON
    dedupe_key: str = Field(max_length=128, unique=True)
    status: str = Field(default="pending", max_length=16, index=True)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, index=True)
    last_error: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow)


class VerdictCount(SQLModel, table=True):
    """An anonymous record of one verdict reached: for the ward's figures."""

    __tablename__ = "verdict_count"
    __table_args__ = (Index("ix_verdict_count_source", "source", "day", "reason"),)  # (0013)
    id: int | None = Field(default=None, primary_key=True)
    day: date = Field(index=True)
    channel: str = Field(max_length=16)
    applicant: str = Field(max_length=16)
    reason: str = Field(max_length=32)
    source: str | None = Field(default=None, max_length=64)


class ErasedLead(SQLModel, table=True):
    """What remains of a lead its owner deleted: counts only, nothing that names a person."""

    __tablename__ = "erased_lead"
    id: int | None = Field(default=None, primary_key=True)
    erased_at: datetime = Field(default_factory=utcnow)
    created_on: date
    channel: str = Field(max_length=16)
    applicant: str = Field(max_length=16)
    reason: str | None = Field(default=None, max_length=32)
    status: str = Field(max_length=16)
    source: str | None = Field(default=None, max_length=64)


class Team(SQLModel, table=True):
    """A community digital team (Tổ công nghệ số cộng đồng). ``name_key`` is the name folded
    (no case, no diacritics): two teams never share it."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100, unique=True)
    name_key: str = Field(max_length=100, unique=True)
    created_at: datetime = Field(default_factory=utcnow)
    archived_at: datetime | None = None


class TeamArea(SQLModel, table=True):
    """A tổ dân phố and the one team that serves it: a new lead from there goes to it."""

    __tablename__ = "team_area"
    area: str = Field(primary_key=True, max_length=100)
    team_id: int = Field(foreign_key="team.id", index=True, ondelete="CASCADE")


class Member(SQLModel, table=True):
    """A team member's chat account, linked through a one-time invite code."""

    __table_args__ = (UniqueConstraint("channel", "account", name="uq_member_account"),)
    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="team.id", index=True)
    channel: str = Field(max_length=16)
    account: str = Field(max_length=64)  # the platform's user id (Telegram: the user id)
    display_name: str = Field(max_length=100)
    role: str = Field(default="member", max_length=16)  # member | admin
    active: bool = True
    linked_at: datetime = Field(default_factory=utcnow)
    office_user_id: int | None = Field(
        default=None, foreign_key="office_user.id", index=True, ondelete="SET NULL"
    )  # the office account this chat account belongs to
    # when they last wrote to us from this account: a channel that may write only within a
    # window of a person's last message (Zalo: 48 hours) offers them leads only then
    last_message_at: datetime | None = None


class Invite(SQLModel, table=True):
    """A one-time code that links a chat account to a team."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True)
    team_id: int = Field(foreign_key="team.id")
    role: str = Field(default="member", max_length=16)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    used_at: datetime | None = None
    member_id: int | None = Field(default=None, foreign_key="member.id", ondelete="SET NULL")
    office_user_id: int | None = Field(
        default=None, foreign_key="office_user.id", ondelete="CASCADE"
    )  # an invite made for an office user links the chat account to that user


class BlockedChat(SQLModel, table=True):
    """A chat that refused our messages (the bot was blocked): never retried."""

    __tablename__ = "blocked_chat"
    channel: str = Field(primary_key=True, max_length=16)
    chat_id: str = Field(primary_key=True, max_length=64)
    at: datetime = Field(default_factory=utcnow)


class ChannelToken(SQLModel, table=True):
    """A channel's OAuth tokens (Zalo's rotate: each refresh token works once). A new pair
    is saved here before it is used."""

    __tablename__ = "channel_token"
    channel: str = Field(primary_key=True, max_length=16)
    access_token: str = Field(sa_column=Column(Text, nullable=False))
    refresh_token: str = Field(sa_column=Column(Text, nullable=False))
    expires_at: datetime
    updated_at: datetime = Field(default_factory=utcnow)
    failed_at: datetime | None = None  # the stored refresh token was refused: a human must act
    last_error: str | None = Field(default=None, max_length=500)


class SentMessage(SQLModel, table=True):
    """Ids of messages the bot itself sent, so a platform's echo of a message we did not
    send is recognised as a person (ward staff) writing; pruned with inbound_seen."""

    __tablename__ = "sent_message"
    channel: str = Field(primary_key=True, max_length=16)
    message_id: str = Field(primary_key=True, max_length=128)
    user_ref: str = Field(max_length=64)
    at: datetime = Field(default_factory=utcnow, index=True)


class Subscriber(SQLModel, table=True):
    """A resident who opted in to programme news (its own consent), with what campaigns
    select on. ``unsubscribed_at`` is set the moment they stop."""

    __table_args__ = (UniqueConstraint("channel", "user_ref", name="uq_subscriber_user"),)
    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=16)
    user_ref: str = Field(max_length=64)
    applicant: str | None = Field(default=None, max_length=16)
    reason: str | None = Field(default=None, max_length=32)
    source: str | None = Field(default=None, max_length=64)
    area: str | None = Field(default=None, max_length=100)
    lang: str = Field(default="vi", max_length=8)
    consent_id: int | None = Field(default=None, foreign_key="consent.id", ondelete="SET NULL")
    subscribed_at: datetime = Field(default_factory=utcnow)
    unsubscribed_at: datetime | None = Field(default=None, index=True)


class Campaign(SQLModel, table=True):
    """A broadcast to opted-in subscribers: once (``first_at``) or a monthly series
    (``every``: "1,15 09:00"), to a segment. Times are stored in UTC. Subscribers who chose
    English get ``text_en`` (and ``button_title_en``) when the campaign has it."""

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow)
    text: str = Field(sa_column=Column(Text, nullable=False))  # Vietnamese
    text_en: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    button_title: str | None = Field(default=None, max_length=100)
    button_title_en: str | None = Field(default=None, max_length=100)
    button_url: str | None = Field(default=None, max_length=500)
    segment: str = Field(default="all", max_length=16)  # youth | business | household | all
    source: str | None = Field(default=None, max_length=64)
    area: str | None = Field(default=None, max_length=100)
    first_at: datetime | None = None
    every: str | None = Field(default=None, max_length=64)
    quiet_hours: bool = True  # no sends 21:00–07:00 (Vietnam) unless False
    status: str = Field(default="scheduled", max_length=16, index=True)
    kind: str | None = Field(default=None, max_length=32, unique=True)  # e.g. "program_end"


class Delivery(SQLModel, table=True):
    """One message of one run of a campaign to one subscriber: the unique key is what makes
    a restarted campaign never send twice."""

    __table_args__ = (
        UniqueConstraint("campaign_id", "run_at", "subscriber_id", name="uq_delivery"),
        Index("ix_delivery_run", "campaign_id", "run_at", "status"),
    )
    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", ondelete="CASCADE")
    run_at: datetime  # the scheduled time of the run this belongs to
    subscriber_id: int = Field(foreign_key="subscriber.id", ondelete="CASCADE")
    status: str = Field(default="pending", max_length=16)
    # pending | sending | sent | failed | blocked | outside_window | unsubscribed | unknown
    error: str | None = Field(default=None, max_length=300)
    sent_at: datetime | None = None


class Reminder(SQLModel, table=True):
    """A reminder a resident asked for (its own consent): only the chat and the day."""

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=32)  # "birthday_18": the day they become eligible
    channel: str = Field(max_length=16)
    user_ref: str = Field(max_length=64, index=True)
    lang: str = Field(default="vi", max_length=8)
    due_on: date
    consent_id: int | None = Field(default=None, foreign_key="consent.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow)
    status: str = Field(default="pending", max_length=16)  # pending | sent | failed | cancelled
    done_at: datetime | None = None


class OfficeUser(SQLModel, table=True):
    """A ward office account: admin (Phòng Văn hóa – Xã hội), leader or member of a team.
    The password is an argon2 hash, set through a one-time link whose token is kept only
    as its SHA-256 (``link_hash``); ``totp_secret`` is the optional second factor."""

    __tablename__ = "office_user"
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True)  # lower case
    name: str = Field(max_length=100)
    role: str = Field(max_length=16)  # admin | leader | member
    team_id: int | None = Field(default=None, foreign_key="team.id", index=True)
    lang: str = Field(default="vi", max_length=8)
    password_hash: str | None = Field(default=None, max_length=200)
    totp_secret: str | None = Field(default=None, max_length=64)
    link_hash: str | None = Field(default=None, max_length=64, unique=True)
    link_expires_at: datetime | None = None
    failed_logins: int = 0
    locked_until: datetime | None = None
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow)
    last_login_at: datetime | None = None


class OfficeSession(SQLModel, table=True):
    """A signed-in browser. The cookie holds a random id; only its SHA-256 is stored here."""

    __tablename__ = "office_session"
    id_hash: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(foreign_key="office_user.id", index=True, ondelete="CASCADE")
    csrf: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
    last_seen_at: datetime = Field(default_factory=utcnow, index=True)
    ip: str | None = Field(default=None, max_length=64)


class AuditEvent(SQLModel, table=True):
    """Append-only: who did what and when (sign-ins, views of contact details, exports,
    status and role changes). Rows are never updated or deleted by the product."""

    __tablename__ = "audit_event"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    actor_user_id: int | None = Field(
        default=None, foreign_key="office_user.id", index=True, ondelete="SET NULL"
    )
    actor: str = Field(max_length=254)  # the user's e-mail, "cli", or "telegram:123"
    action: str = Field(max_length=32, index=True)
    target: str | None = Field(default=None, max_length=64)  # "lead:12", "user:3" …
    detail: str | None = Field(default=None, sa_column=Column(Text, nullable=True))  # JSON
    ip: str | None = Field(default=None, max_length=64, index=True)


class Source(SQLModel, table=True):
    """Where residents came from: a code carried in links and QR codes (``?source=``,
    Telegram's ``/start CODE``), with a name and the organisation that hands it out."""

    code: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=100)
    organisation: str = Field(max_length=100)
    created_at: datetime = Field(default_factory=utcnow)
    archived_at: datetime | None = None


class Business(SQLModel, table=True):
    """The business registry from Phòng Kinh tế, Hạ tầng và Đô thị: enterprises and household
    businesses with a certificate. ``tax_code`` is digits only (10, or 13 for a branch);
    a re-import updates the row with the same tax code. ``started_on`` is the founding day
    of an enterprise or the certificate's day of a household business."""

    __table_args__ = (Index("ix_business_started", "kind", "started_on"),)  # progress (0013)
    id: int | None = Field(default=None, primary_key=True)
    tax_code: str = Field(max_length=13, unique=True)
    name: str = Field(max_length=200)
    kind: str = Field(max_length=16, index=True)  # enterprise | household
    started_on: date | None = None
    address: str | None = Field(default=None, max_length=300)
    area: str | None = Field(default=None, max_length=100, index=True)  # tổ dân phố
    phone: str | None = Field(default=None, max_length=20, index=True)  # E.164
    email: str | None = Field(default=None, max_length=254)
    imported_at: datetime = Field(default_factory=utcnow)  # first seen in an import
    updated_at: datetime = Field(default_factory=utcnow)


class Registration(SQLModel, table=True):
    """A registered domain — the outcome the plan's targets count. ``source`` says where the
    fact comes from: staff (a lead's status "registered"), self_reported (the resident told
    the bot), registrar (an imported list from a registrar or VNNIC). It may belong to a lead,
    a registry business, both or neither (an orphan of a registrar list). ``dns_status`` is
    the last DNS check: verified (NS records found) | not_found, with when."""

    id: int | None = Field(default=None, primary_key=True)
    domain: str = Field(max_length=253, unique=True)  # lower case, e.g. "lan.id.vn"
    kind: str = Field(max_length=8, index=True)  # id.vn | biz.vn
    registered_on: date = Field(index=True)
    source: str = Field(max_length=16)  # staff | self_reported | registrar
    lead_id: int | None = Field(
        default=None, foreign_key="lead.id", index=True, ondelete="SET NULL"
    )
    business_id: int | None = Field(
        default=None, foreign_key="business.id", index=True, ondelete="SET NULL"
    )
    tax_code: str | None = Field(default=None, max_length=13)  # as a registrar list gave it
    dns_status: str | None = Field(default=None, max_length=16)
    dns_checked_at: datetime | None = None
    recorded_by: str = Field(max_length=254)  # e-mail, "cli", "telegram:123", "resident"
    created_at: datetime = Field(default_factory=utcnow)


class School(SQLModel, table=True):
    """A college or vocational school on the ward's territory (the plan: 100% reached)."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    name_key: str = Field(max_length=200, unique=True)  # folded: no case, no diacritics
    kind: str = Field(max_length=16)  # college | vocational
    address: str | None = Field(default=None, max_length=300)
    created_at: datetime = Field(default_factory=utcnow)
    archived_at: datetime | None = None


class Outreach(SQLModel, table=True):
    """One activity at a school: when, what, how many attended."""

    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id", index=True, ondelete="CASCADE")
    held_on: date = Field(index=True)
    activity: str = Field(max_length=300)
    attended: int | None = None
    recorded_by: str = Field(max_length=254)
    created_at: datetime = Field(default_factory=utcnow)


class WardFigure(SQLModel, table=True):
    """A number only the ward can give, set by staff with its source and date — e.g.
    ``youths_18_23``, the id.vn denominator. Append-only: the latest ``as_of`` on or before
    a day is the figure of that day."""

    __tablename__ = "ward_figure"
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=32, index=True)
    value: int
    source: str = Field(max_length=300)  # where the number comes from
    as_of: date
    set_by: str = Field(max_length=254)
    set_at: datetime = Field(default_factory=utcnow)


class PlanEvidence(SQLModel, table=True):
    """A result recorded by hand against a task of the plan's appendix (``content/plan.yaml``
    names the tasks: "I.1" … "IV.2"): the day, what was done, a link to the proof."""

    __tablename__ = "plan_evidence"
    id: int | None = Field(default=None, primary_key=True)
    task: str = Field(max_length=16, index=True)
    done_on: date
    note: str = Field(sa_column=Column(Text, nullable=False))
    link: str | None = Field(default=None, max_length=500)
    count: int = 1  # how many (e.g. loudspeaker broadcasts, articles) this record stands for
    recorded_by: str = Field(max_length=254)
    created_at: datetime = Field(default_factory=utcnow)


class Report(SQLModel, table=True):
    """A quarterly report's written part: a team's (``scope`` "team:ID") or the ward's
    ("ward"; "final" for the programme's closing summary). The numbers are computed when
    the document is made; only the words people write are kept here."""

    __table_args__ = (UniqueConstraint("period", "scope", name="uq_report"),)
    id: int | None = Field(default=None, primary_key=True)
    period: str = Field(max_length=8)  # "2026Q4", or "final"
    scope: str = Field(max_length=16)  # "team:3" | "ward"
    team_id: int | None = Field(default=None, foreign_key="team.id", index=True)
    difficulties: str = Field(default="", sa_column=Column(Text, nullable=False))
    proposals: str = Field(default="", sa_column=Column(Text, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by: str | None = Field(default=None, max_length=254)
    submitted_at: datetime | None = None  # the leader sent it to the ward office
    drafted_at: datetime | None = None  # the scheduler made the draft on its day


class ScheduledDuty(SQLModel, table=True):
    """A dated duty of the plan done once (``key``: "remind_leaders:2026Q4" …): a day missed
    while the server was down is found here undone and run once when it starts."""

    __tablename__ = "scheduled_duty"
    key: str = Field(primary_key=True, max_length=64)
    due_on: date
    done_at: datetime | None = None


class TrainingSession(SQLModel, table=True):
    """A training session (tập huấn) the ward holds: when and where, for whom, how many seats.
    ``starts_at`` is stored in UTC; ``cancelled_at`` set when it is called off (registrants
    are told)."""

    __tablename__ = "training_session"
    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=200)
    starts_at: datetime = Field(index=True)
    place: str = Field(max_length=300)
    map_url: str | None = Field(default=None, max_length=500)
    capacity: int
    audience: str = Field(max_length=16)  # youth | business | household | team | all
    school_id: int | None = Field(
        default=None, foreign_key="school.id", index=True, ondelete="SET NULL"
    )  # a session held at a college or vocational school (the plan's I.5)
    created_by: str = Field(max_length=254)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    cancelled_at: datetime | None = None
    campaign_id: int | None = Field(
        default=None, foreign_key="campaign.id", ondelete="SET NULL"
    )  # the broadcast that announced it


class TrainingSignup(SQLModel, table=True):
    """A person signed up for a session (under the consent of purpose "training"), on the
    waiting list, or added at the door (``walk_in``). ``code`` is their personal check-in
    code; ``status``: registered | waiting | cancelled. The waiting order is ``queued_at``."""

    __tablename__ = "training_signup"
    __table_args__ = (
        UniqueConstraint("session_id", "phone", name="uq_training_signup_phone"),
        Index("ix_training_signup_user", "channel", "user_ref"),
    )
    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="training_session.id", index=True, ondelete="CASCADE")
    channel: str | None = Field(default=None, max_length=16)  # None: added by staff
    user_ref: str | None = Field(default=None, max_length=64)
    lang: str = Field(default="vi", max_length=8)
    name: str = Field(max_length=80)
    phone: str | None = Field(default=None, max_length=20)  # E.164
    consent_id: int | None = Field(default=None, foreign_key="consent.id", ondelete="SET NULL")
    status: str = Field(max_length=16, index=True)
    queued_at: datetime = Field(default_factory=utcnow)
    code: str = Field(max_length=16, unique=True)
    walk_in: bool = False
    checked_in_at: datetime | None = None
    checked_in_by: str | None = Field(default=None, max_length=254)
    promoted_at: datetime | None = None  # moved up from the waiting list
    cancelled_at: datetime | None = None
    reminded_day_at: datetime | None = None  # the reminder the day before, 09:00
    reminded_soon_at: datetime | None = None  # the reminder two hours before
    created_at: datetime = Field(default_factory=utcnow)


class Heartbeat(SQLModel, table=True):
    """One row written by every ``/healthz`` in a transaction (db.heartbeat): the database
    not only answers but takes a write (a full disk or a read-only file fails here)."""

    id: int = Field(primary_key=True)  # always 1
    beat_at: datetime = Field(default_factory=utcnow)
    beats: int = 0


class BackupRun(SQLModel, table=True):
    """A backup ``hiendien backup`` made of this database: when, of which engine, where to,
    how big. ``hiendien doctor`` reads the latest (how old the last backup is)."""

    __tablename__ = "backup_run"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    engine: str = Field(max_length=16)  # sqlite | postgresql
    target: str = Field(max_length=1000)  # the file written
    size_bytes: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
