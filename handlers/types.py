"""The plain data the engine speaks: what a person did, what to say back, what to record.

Every channel maps its own events to :class:`Inbound` and renders :class:`Reply`;
the store applies the effects. Frozen dataclasses only; no behaviour beyond
(de)serialisation of the conversation state. Imports only the standard library; ``db``
may import these types.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum
from typing import Any

__all__ = [
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "Button",
    "CancelTraining",
    "ConversationState",
    "CountVerdict",
    "DeleteMyData",
    "Effect",
    "Eligibility",
    "Inbound",
    "Message",
    "MyTrainingSignup",
    "Purpose",
    "RecordConsent",
    "RecordLead",
    "RecordRegistration",
    "RegistryBusiness",
    "Remind",
    "Reply",
    "ShowMyData",
    "SignUpTraining",
    "Subscribe",
    "TrainingResult",
    "TrainingView",
    "Unsubscribe",
    "UpcomingSession",
]


LANGUAGES = ("vi", "en")  # every sentence exists in each; the first is the default
DEFAULT_LANGUAGE = LANGUAGES[0]


class Purpose(StrEnum):
    """What a consent is given for; stored as its value in ``consent.purpose``."""

    LEAD = "lead_contact"  # the team may call about registering
    NEWS = "news"  # programme news on the chat
    REMINDER = "birthday_reminder"  # one message on the 18th birthday
    TRAINING = "training"  # a seat at a training session: name and phone, check-in, reminders


@dataclass(frozen=True)
class RegistryBusiness:
    """A business of the ward's registry (the list from Phòng Kinh tế), as the chat may know
    it: its row's id, tax code (digits only), name, kind ("enterprise" or "household") and
    ``started_on``, the founding day of an enterprise or the certificate's day of a household
    business (None when the list did not give it)."""

    id: int
    tax_code: str
    name: str
    kind: str
    started_on: date | None = None


@dataclass(frozen=True)
class UpcomingSession:
    """A training session (tập huấn) as the chat shows it: ``starts_at`` is aware (UTC);
    ``seats_left`` is 0 when it is full (its waiting list is open)."""

    id: int
    title: str
    starts_at: datetime
    place: str
    map_url: str | None
    seats_left: int


@dataclass(frozen=True)
class MyTrainingSignup:
    """One of the person's own sign-ups still to come: ``status`` registered or waiting."""

    session: UpcomingSession
    status: str
    code: str


@dataclass(frozen=True)
class TrainingView:
    """What the chat may know about training, filled by the turn runner when the turn needs
    it (:func:`handlers.engine.training_to_look_up`): the upcoming sessions that fit the
    resident, their own sign-ups, and the name and phone this chat already gave (for a lead
    or an earlier sign-up), to offer them again."""

    sessions: tuple[UpcomingSession, ...] = ()
    mine: tuple[MyTrainingSignup, ...] = ()
    contact: tuple[str, str] | None = None  # (name, phone E.164)


@dataclass(frozen=True)
class TrainingResult:
    """What became of a sign-up (:class:`SignUpTraining`), for the confirmation: ``status``
    registered | waiting (``position`` on the list) | already (signed up before: that
    sign-up's status and code) | closed (cancelled, started, or gone)."""

    status: str
    session: UpcomingSession | None
    code: str | None = None
    position: int | None = None
    waiting: bool = False  # for "already": the earlier sign-up is on the waiting list


@dataclass(frozen=True)
class Inbound:
    """One thing a person did: typed ``text`` or pressed a button carrying ``payload``.

    ``business`` is filled by the turn runner, not the channel: when the step reads tax codes
    and ``text`` gives one (:func:`handlers.engine.tax_code_to_look_up`), the registry's
    business with that code, or None when the registry has none. ``training`` likewise, when
    the turn is about training sessions (:func:`handlers.engine.training_to_look_up`)."""

    channel: str
    user_ref: str
    text: str | None = None
    payload: str | None = None
    external_id: str | None = None
    contact_phone: str | None = None  # a phone number the platform vouches for (shared contact)
    push: bool = False  # the channel may write to this person first (news, reminders, notices)
    business: RegistryBusiness | None = None  # the registry's match for a typed tax code
    training: TrainingView | None = None  # the sessions and sign-ups, when the turn needs them
    # the reply is kept with ``external_id`` and a retry of that id gets it again
    # (Reply.duplicate), as its first answer was lost: the web API's retried request, a
    # platform update handled again after a crash (bot.inbox)
    replay: bool = False


@dataclass(frozen=True)
class Button:
    """A choice (``payload``) or a link (``url``)."""

    title: str
    payload: str | None = None
    url: str | None = None

    def as_json(self) -> dict[str, str]:
        if self.url is not None:
            return {"title": self.title, "url": self.url}
        return {"title": self.title, "payload": self.payload or ""}


@dataclass(frozen=True)
class Message:
    """Text and buttons. ``share_contact`` is the title of a "share my phone number" button,
    for channels that can offer one (Telegram); the others simply ignore it."""

    text: str
    buttons: tuple[Button, ...] = ()
    share_contact: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {"text": self.text, "buttons": [b.as_json() for b in self.buttons]}


@dataclass(frozen=True)
class Eligibility:
    """A verdict from :mod:`handlers.rules`; ``message`` is filled in the resident's language."""

    eligible: bool
    domain: str | None
    reason: str
    eligible_from: date | None = None
    eligible_until: date | None = None
    message: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "eligible": self.eligible,
            "domain": self.domain,
            "reason": self.reason,
            "message": self.message,
            "eligible_from": self.eligible_from.isoformat() if self.eligible_from else None,
            "eligible_until": self.eligible_until.isoformat() if self.eligible_until else None,
        }


@dataclass(frozen=True)
class Reply:
    messages: tuple[Message, ...] = ()
    eligibility: Eligibility | None = None
    duplicate: bool = False  # the kept reply to a delivery handled before (Inbound.replay)

    def as_stored(self) -> dict[str, Any]:
        """The reply as JSON-ready data, kept with its delivery's id."""
        return {
            "messages": [{**m.as_json(), "share_contact": m.share_contact} for m in self.messages],
            "eligibility": self.eligibility.as_json() if self.eligibility else None,
        }

    @classmethod
    def from_stored(cls, data: dict[str, Any], duplicate: bool = True) -> Reply:
        """The reply :meth:`as_stored` kept."""
        messages = tuple(
            Message(
                m["text"],
                tuple(Button(b["title"], b.get("payload"), b.get("url")) for b in m["buttons"]),
                m.get("share_contact"),
            )
            for m in data["messages"]
        )
        e = data.get("eligibility")
        eligibility = None
        if e is not None:
            day = {
                k: date.fromisoformat(e[k]) if e[k] else None
                for k in ("eligible_from", "eligible_until")
            }
            eligibility = Eligibility(
                e["eligible"], e["domain"], e["reason"], message=e["message"], **day
            )
        return cls(messages, eligibility, duplicate)


# --- effects: what a turn asks the store to record, in the same transaction -------------


@dataclass(frozen=True)
class RecordConsent:
    purpose: Purpose
    version: str
    text_hash: str
    granted: bool


@dataclass(frozen=True)
class RecordLead:
    """Create the chat's lead for this phone number, or update the one this chat gave with
    it before (another chat's lead with the same number is never touched)."""

    applicant: str
    reason: str | None
    name: str
    phone: str
    area: str
    contact_time: str
    source: str | None
    domain_idea: str | None = None
    business_id: int | None = None  # the registry business the resident proved to be
    for_relative: bool = False  # the check was for a relative; the contact is the asker's


@dataclass(frozen=True)
class CountVerdict:
    """An anonymous tally of a verdict reached (for the ward's figures); no personal data."""

    applicant: str
    reason: str
    source: str | None


@dataclass(frozen=True)
class ShowMyData:
    """Ask the store for what it holds about this person and show it to them."""


@dataclass(frozen=True)
class DeleteMyData:
    """Erase the person's lead, consents and conversation, keeping anonymous counts only."""


@dataclass(frozen=True)
class Subscribe:
    """Opt in to programme news; the segment fields campaigns select on."""

    applicant: str | None
    reason: str | None
    source: str | None
    lang: str


@dataclass(frozen=True)
class Remind:
    """A reminder on ``due_on`` (the day a too-young resident becomes eligible)."""

    kind: str
    due_on: date
    lang: str


@dataclass(frozen=True)
class Unsubscribe:
    """Opt out of programme news at once (the news consent is withdrawn)."""


@dataclass(frozen=True)
class RecordRegistration:
    """The resident says they registered ``domain`` (already checked: one label under id.vn
    or biz.vn); recorded as self-reported, with the lead of this chat if there is one."""

    domain: str


@dataclass(frozen=True)
class SignUpTraining:
    """Take a seat at the session (or a place on its waiting list when it is full), under
    the person's consent for :attr:`Purpose.TRAINING`; the store answers with a
    :class:`TrainingResult` that the runner words as the confirmation."""

    session_id: int
    name: str
    phone: str
    lang: str


@dataclass(frozen=True)
class CancelTraining:
    """Give up the person's seat (or waiting place) at the session; the first waiting person
    moves up and is told."""

    session_id: int


Effect = (
    RecordConsent
    | RecordLead
    | CountVerdict
    | ShowMyData
    | DeleteMyData
    | Subscribe
    | Unsubscribe
    | Remind
    | RecordRegistration
    | SignUpTraining
    | CancelTraining
)


@dataclass(frozen=True)
class ConversationState:
    """Where a conversation stands. Serialised as JSON in the ``conversation`` row.

    ``choices`` remembers the (payload, title) pairs last offered, so a typed number or
    the words of a button mean the same as a tap. ``slots`` holds the answers so far.
    """

    step: str = "start"
    lang: str = DEFAULT_LANGUAGE
    source: str | None = None
    slots: dict[str, Any] = field(default_factory=dict)
    misses: int = 0
    choices: tuple[tuple[str, str], ...] = ()

    def with_slots(self, **values: Any) -> ConversationState:
        return replace(self, slots={**self.slots, **values})

    def to_json(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "lang": self.lang,
            "source": self.source,
            "slots": self.slots,
            "misses": self.misses,
            "choices": [list(c) for c in self.choices],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> ConversationState:
        if not data:
            return cls()
        return cls(
            step=str(data.get("step", "start")),
            lang=str(data.get("lang", "vi")),
            source=data.get("source"),
            slots=dict(data.get("slots") or {}),
            misses=int(data.get("misses", 0)),
            choices=tuple((str(p), str(t)) for p, t in data.get("choices") or ()),
        )
