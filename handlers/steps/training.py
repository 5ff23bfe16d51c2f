"""Training sessions (tập huấn) in the chat: the upcoming sessions that fit the resident,
choosing one (a full one: its waiting list), the consent of its own (purpose "training"),
name and phone (those this chat gave before are offered again), the sign-up; and cancelling
a sign-up after a confirmation.

The sessions, the person's own sign-ups and the contact they gave before come on the turn
(:attr:`~handlers.types.Inbound.training`, filled by the turn runner); the sign-up is an
effect (:class:`~handlers.types.SignUpTraining`) whose outcome — a seat or a place on the
waiting list, the check-in code — the store decides and the runner words
(:func:`handlers.training.confirmation`). Nobody under the ward's minimum age to store is
signed up. Imports only the standard library and ``handlers`` (names, phones, training,
turn, types, steps.moves).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from handlers.names import NameProblem, read_name
from handlers.phones import PhoneProblem, national, parse_phone
from handlers.reading import name_problem
from handlers.steps.moves import goto, reask
from handlers.text import whole_number
from handlers.training import MAX_SHOWN, choice_title, shown
from handlers.turn import Miss, Outcome, Turn
from handlers.types import (
    Button,
    CancelTraining,
    Message,
    MyTrainingSignup,
    RecordConsent,
    SignUpTraining,
    TrainingView,
    UpcomingSession,
)

PICK = "training_pick"
FULL = "training_full"
CONSENT = "training_consent"
REUSE = "training_reuse"
NAME = "training_name"
PHONE = "training_phone"
CANCEL_PICK = "training_cancel_pick"
CANCEL_CONFIRM = "training_cancel_confirm"
STEPS = (PICK, FULL, CONSENT, REUSE, NAME, PHONE, CANCEL_PICK, CANCEL_CONFIRM)

CHOOSE = "training:"  # + a session's id: the button of a session
CANCEL = "training_cancel:"  # + a session's id: the button of a sign-up to cancel
SLOT = "training"  # the chosen session: {"id", "title", "at"} while signing up
CONSENTED = "training_consented"  # the training consent was given in this conversation


def _chosen(turn: Turn) -> dict[str, Any]:
    """The session being signed up for ({"id", "title", "at"}; empty if the state lost it)."""
    chosen = turn.state.slots.get(SLOT)
    return chosen if isinstance(chosen, dict) else {}


def _view(turn: Turn) -> TrainingView:
    return turn.inbound.training or TrainingView()


def _session(turn: Turn, session_id: Any) -> UpcomingSession | None:
    return next((s for s in _view(turn).sessions if s.id == session_id), None)


def _id(payload: str | None, prefix: str) -> int | None:
    if payload and payload.startswith(prefix):
        return whole_number(payload[len(prefix) :])  # "²" is a digit to isdigit, not to int
    return None


def button(turn: Turn) -> list[Button]:
    """ "Lớp tập huấn sắp tới", for the prompts after a verdict: only when there are
    sessions for this resident, and never for someone under the minimum age to store."""
    if turn.state.slots.get("minor") or not _view(turn).sessions:
        return []
    return [turn.button("training", "training")]


# --- the sessions ----------------------------------------------------------------------------


def show_sessions(turn: Turn) -> Outcome:
    """The "training" command ("tập huấn", "lớp hướng dẫn", the button): the sessions that
    fit; none → a kind word (and the news, where it can reach them), back to what they did."""
    sessions = _view(turn).sessions
    if not sessions:
        slots = turn.state.slots
        offer = []
        if turn.inbound.push and not slots.get("subscribed") and not slots.get("minor"):
            offer.append(turn.button("subscribe", "subscribe"))
        said = turn.say("training_chat.none", *offer, push=turn.inbound.push)
        return reask(turn, [said], misses=turn.state.misses)
    if turn.state.slots.get("minor"):
        listed = turn.say("training_chat.list", sessions=_listed(sessions), pick=False)
        return goto(turn, "idle", [listed, turn.say("training_chat.minor")])
    return goto(turn, PICK)


def _listed(sessions: tuple[UpcomingSession, ...]) -> list[dict[str, Any]]:
    return [shown(s) for s in sessions[:MAX_SHOWN]]


def ask_pick(turn: Turn) -> list[Message]:
    sessions = _view(turn).sessions[:MAX_SHOWN]
    buttons = [Button(choice_title(s), payload=f"{CHOOSE}{s.id}") for s in sessions]
    listed = turn.say("training_chat.list", *buttons, sessions=_listed(sessions), pick=True)
    return [listed, turn.say("training_chat.pick", turn.button("menu", "menu"))]


def answer_pick(turn: Turn, payload: str | None) -> Outcome | Miss:
    chosen = _id(payload, CHOOSE)
    if chosen is None:
        return Miss("problem.choice")
    session = _session(turn, chosen)
    if session is None:  # called off, started or gone since the list was shown
        if not _view(turn).sessions:
            return goto(
                turn, "idle", [turn.say("training_chat.gone"), turn.say("training_chat.none")]
            )
        return reask(turn, [turn.say("training_chat.gone")])
    slot = {"id": session.id, "title": session.title, "at": session.starts_at.isoformat()}
    state = turn.state.with_slots(**{SLOT: slot})
    if session.seats_left <= 0:
        return goto(turn, FULL, state=state)
    return _details(turn.moved(state))


def ask_full(turn: Turn) -> list[Message]:
    yes, no = turn.button("training_wait", "yes"), turn.button("no_thanks", "no")
    title = _chosen(turn).get("title", "")
    return [turn.say("training_chat.full", yes, no, title=title, push=turn.inbound.push)]


def answer_full(turn: Turn, payload: str | None) -> Outcome | Miss:
    if payload == "yes":
        return _details(turn)
    if payload == "no":
        state = turn.state.with_slots(**{SLOT: None})
        return goto(turn, "idle", [turn.say("training_chat.full_declined")], state=state)
    return Miss("problem.yes_no")


# --- consent, name and phone -----------------------------------------------------------------


def _details(turn: Turn) -> Outcome:
    """After choosing: the consent (unless given in this conversation), then the contact."""
    if not turn.state.slots.get(CONSENTED):
        return goto(turn, CONSENT)
    return _contact(turn)


def _contact(turn: Turn, before: list[Message] | None = None) -> Outcome:
    if _view(turn).contact is not None:
        return goto(turn, REUSE, before or [])
    return goto(turn, NAME, before or [])


def notice_details(turn: Turn) -> dict[str, Any]:
    """The training consent's wording names the session and until when the details are kept."""
    return {"title": _chosen(turn).get("title", ""), "until": turn.content.retention_until}


def consent_answered(turn: Turn, record: RecordConsent) -> Outcome:
    if not record.granted:
        state = turn.state.with_slots(**{SLOT: None})
        return goto(turn, "idle", [turn.say("training_chat.declined")], [record], state=state)
    state = turn.state.with_slots(**{CONSENTED: True})
    out = _contact(turn.moved(state), [turn.say("consent.thanks")])
    out.effects.insert(0, record)
    return out


def ask_reuse(turn: Turn) -> list[Message]:
    contact = _view(turn).contact
    if contact is None:  # erased meanwhile: the name is asked
        return ask_name(turn)
    name, phone = contact
    yes, no = turn.button("training_same", "yes"), turn.button("training_other", "no")
    return [turn.say("training_chat.reuse", yes, no, name=name, phone=national(phone))]


def answer_reuse(turn: Turn, payload: str | None) -> Outcome | Miss:
    contact = _view(turn).contact
    if payload == "no" or (payload == "yes" and contact is None):
        return goto(turn, NAME)
    if payload == "yes" and contact is not None:
        return _sign_up(turn, *contact)
    if turn.text and contact is None:  # the name question was shown instead
        return answer_name(turn, payload)
    return Miss("problem.yes_no")


def ask_name(turn: Turn) -> list[Message]:
    return [turn.say("training_chat.ask_name")]


def answer_name(turn: Turn, payload: str | None) -> Outcome | Miss:
    words = turn.content.phrases.reading
    # a seat is taken by the name said at the door: a given name alone will do ("Hoa")
    name = read_name(turn.text, words.not_in_names, prefixes=words.name_prefixes, min_words=1)
    if isinstance(name, NameProblem):  # a link: shown to staff at check-in, never one
        return Miss(name_problem(name))
    return goto(turn, PHONE, state=turn.state.with_slots(training_name=name))


def ask_phone(turn: Turn) -> list[Message]:
    said = turn.say("training_chat.ask_phone")
    return [replace(said, share_contact=turn.t("buttons.share_phone"))]


def answer_phone(turn: Turn, payload: str | None) -> Outcome | Miss:
    phone = parse_phone(turn.inbound.contact_phone or turn.text)
    if isinstance(phone, PhoneProblem):
        return Miss("problem.phone_" + phone.value)
    name = turn.state.slots.get("training_name")
    if not name:  # the state lost the name: asked again
        return goto(turn, NAME)
    return _sign_up(turn, str(name), phone)


def _sign_up(turn: Turn, name: str, phone: str) -> Outcome:
    """The sign-up; the store decides the seat and the runner words the confirmation."""
    chosen = _chosen(turn)
    if "id" not in chosen:  # the state lost the session: the list again
        return goto(turn, PICK, [turn.say("training_chat.gone")])
    effect = SignUpTraining(int(chosen["id"]), name, phone, turn.state.lang)
    slots = {k: v for k, v in turn.state.slots.items() if k not in (SLOT, "training_name")}
    return goto(turn, "idle", [], [effect], state=replace(turn.state, slots=slots))


# --- cancelling ------------------------------------------------------------------------------


def cancel(turn: Turn) -> Outcome:
    """ "hủy đăng ký tập huấn": which sign-up (when there are several), then a confirmation."""
    mine = _view(turn).mine
    if not mine:
        return reask(turn, [turn.say("training_chat.cancel_none")], misses=turn.state.misses)
    if len(mine) == 1:
        state = turn.state.with_slots(training_cancel=mine[0].session.id)
        return goto(turn, CANCEL_CONFIRM, state=state)
    return goto(turn, CANCEL_PICK)


def _mine(turn: Turn, session_id: Any) -> MyTrainingSignup | None:
    return next((m for m in _view(turn).mine if m.session.id == session_id), None)


def ask_cancel_pick(turn: Turn) -> list[Message]:
    mine = _view(turn).mine
    buttons = [Button(choice_title(m.session), payload=f"{CANCEL}{m.session.id}") for m in mine]
    signups = [{**shown(m.session), "waiting": m.status == "waiting"} for m in mine]
    return [turn.say("training_chat.cancel_which", *buttons, signups=signups)]


def answer_cancel_pick(turn: Turn, payload: str | None) -> Outcome | Miss:
    chosen = _id(payload, CANCEL)
    if chosen is None or _mine(turn, chosen) is None:
        return Miss("problem.choice")
    return goto(turn, CANCEL_CONFIRM, state=turn.state.with_slots(training_cancel=chosen))


def ask_cancel_confirm(turn: Turn) -> list[Message]:
    signup = _mine(turn, turn.state.slots.get("training_cancel"))
    if signup is None:
        return [turn.say("training_chat.cancel_none")]
    yes, no = turn.button("training_cancel_yes", "yes"), turn.button("training_keep", "no")
    s = shown(signup.session)
    return [
        turn.say("training_chat.cancel_confirm", yes, no, s=s, waiting=signup.status == "waiting")
    ]


def answer_cancel_confirm(turn: Turn, payload: str | None) -> Outcome | Miss:
    session_id = turn.state.slots.get("training_cancel")
    signup = _mine(turn, session_id)
    state = turn.state.with_slots(training_cancel=None)
    if signup is None:  # cancelled already, or the session is over
        return goto(turn, "idle", [turn.say("training_chat.cancel_none")], state=state)
    if payload == "yes":
        said = turn.say("training_chat.cancelled", s=shown(signup.session))
        effect = CancelTraining(signup.session.id)
        return goto(turn, "idle", [said], [effect], state=state)
    if payload == "no":
        return goto(turn, "idle", [turn.say("training_chat.kept")], state=state)
    return Miss("problem.yes_no")
