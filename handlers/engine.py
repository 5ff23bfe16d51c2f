"""The engine: one turn of a conversation as a pure function.

``step(state, inbound, today, content)`` → :class:`Outcome` (the new state, what to say,
what to record). It resolves what the person meant — a tap, a typed number, the words
of a button, a command usable anywhere, a question for the FAQ — and hands the rest to
the current step from the table in :mod:`handlers.steps.flow`. A typed message is read by
:func:`handlers.reading.read`: facts about who the check is for go to
:func:`handlers.steps.told.told`, a question is answered first at every step and the step's
question asked again in one short line. Nothing here does I/O.
Imports only the standard library and ``handlers`` (content, domains, faq, reading, steps,
taxcodes, text, training, turn, typed, types, understand).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from handlers.content import Content
from handlers.domains import without_names
from handlers.reading import COMMAND, FACTS, INVALID, QUESTION, read
from handlers.steps import training
from handlers.steps.flow import GLOBAL, STEPS
from handlers.steps.moves import answer_asked, reask
from handlers.steps.questions import answer_question
from handlers.steps.start import answer_start, restart
from handlers.steps.told import told
from handlers.taxcodes import typed
from handlers.text import nfc
from handlers.training import audience_of
from handlers.turn import Miss, Outcome, Turn
from handlers.typed import spell_out
from handlers.types import ConversationState, Inbound
from handlers.understand import choose, command, start_command

MAX_TEXT = 2000  # longer messages are not read (the HTTP API refuses over 4,000)
MISSES_BEFORE_OFFER = 3
TRAINING_COMMANDS = ("training", "training_cancel")
# Steps whose answer may bring a verdict, the offer of help or the idle prompt after it, where
# "Lớp tập huấn sắp tới" is offered when sessions fit the resident.
SHOWS_TRAINING_BUTTON = (
    "person_birth",
    "person_citizen",
    "enterprise_founded",
    "household_certificate",
    "domain_name",
    "offer_help",
)


@dataclass(frozen=True)
class TrainingQuery:
    """The turn needs the training sessions for ``audience`` (None: every session for
    residents), the person's own sign-ups, and the contact they gave before."""

    audience: str | None


def miss(turn: Turn, result: Miss) -> Outcome:
    misses = turn.state.misses + 1
    hint = turn.say(result.hint or "misses.generic", **result.params)
    if misses >= MISSES_BEFORE_OFFER:
        offer = turn.say("misses.offer", turn.button("menu", "menu"), turn.button("help", "help"))
        return reask(turn, [hint, offer], misses=0)
    return reask(turn, [hint], misses=misses)


def asking_for_contact(state: ConversationState) -> str | None:
    """ "name" or "phone" when the conversation, with the consent given (a lead's or a
    training sign-up's), waits for that detail (so a platform's shared contact card may fill
    it); None otherwise."""
    if state.slots.get("consented"):
        return {"lead_name": "name", "lead_phone": "phone"}.get(state.step)
    if state.slots.get(training.CONSENTED):
        return {training.NAME: "name", training.PHONE: "phone"}.get(state.step)
    return None


def tax_code_to_look_up(state: ConversationState, inbound: Inbound) -> str | None:
    """The tax code whose registry business this turn needs: the one a typed message gives at
    a step that reads tax codes; None otherwise. The turn runner looks it up and passes what
    it found as :attr:`Inbound.business` to :func:`step`, which stays a pure function."""
    current = STEPS.get(state.step)
    if current is None or not current.reads_tax_code or inbound.payload or not inbound.text:
        return None
    code = typed(nfc(inbound.text))
    return code if isinstance(code, str) else None


def meant(state: ConversationState, inbound: Inbound, text: str, content: Content) -> str | None:
    """The payload of this turn: the button pressed, or what the typed ``text`` means — an
    offered choice (its number, its words) or a command usable anywhere."""
    payload = inbound.payload
    if payload is None and text:
        said = without_names(text)  # "lan.id.vn" in a sentence is a name, not "id vn"
        payload = choose(said, state.choices, content.phrases) or command(said, content.phrases)
    return payload


def training_to_look_up(
    state: ConversationState, inbound: Inbound, content: Content
) -> TrainingQuery | None:
    """What this turn needs to know about training sessions, or None: a turn that asks for
    them ("tập huấn", "hủy đăng ký tập huấn", a session's button), one at a training step,
    and one that may end in a verdict or the prompts after it (where the button "Lớp tập
    huấn sắp tới" is shown when there are sessions). The turn runner loads it as
    :attr:`Inbound.training`; :func:`step` stays a pure function."""
    step_name = state.step if state.step in STEPS else "start"
    text = nfc(inbound.text or "")
    if len(text) > MAX_TEXT:
        return None
    payload = meant(state, inbound, text, content)
    if (
        payload in TRAINING_COMMANDS
        or step_name in training.STEPS
        or step_name in SHOWS_TRAINING_BUTTON
    ):
        return TrainingQuery(audience_of(state.slots))
    return None


def step(state: ConversationState, inbound: Inbound, today: date, content: Content) -> Outcome:
    """One turn: what the person did, in the state the conversation was in, on ``today``."""
    text = nfc(inbound.text or "")
    if state.step not in STEPS:  # a step this version no longer has: back to the menu
        state = replace(state, step="start")
    turn = Turn(state, inbound, today, content, STEPS, text)
    if len(text) > MAX_TEXT:
        return miss(turn, Miss("problem.too_long", {"limit": MAX_TEXT}))

    is_start, source = start_command(text) if text else (False, None)
    if is_start or inbound.payload == "start":
        return restart(turn, source)

    payload = inbound.payload
    if payload is None and text and inbound.contact_phone is None:
        reading = read(state, text, today, content)
        if reading.intent == FACTS and reading.facts is not None:
            told_out = told(turn, reading.facts)
            return told_out if isinstance(told_out, Outcome) else miss(turn, told_out)
        if reading.intent == QUESTION:
            return question(turn)
        if reading.intent == INVALID and reading.problem:
            return miss(turn, Miss(reading.problem))
        payload = reading.payload
        if reading.intent == COMMAND and payload not in GLOBAL:
            payload = None
    if payload in GLOBAL:
        return GLOBAL[payload](turn)

    current = STEPS[state.step]
    result = current.answer(turn, payload)
    if isinstance(result, Outcome):
        return result
    if text and payload is None:
        match = content.faq.match(text)
        if match:
            return answer_asked(turn, match)
    return miss(turn, result)


def question(turn: Turn) -> Outcome:
    """A question typed at any step: answered from the FAQ (read as typed, then spelled out),
    or honestly not known; then the step's question again in one short line."""
    if turn.state.step == "start" and not turn.state.slots.get("greeted"):
        out = answer_start(turn, None)  # the answer, then the greeting
        assert isinstance(out, Outcome)
        return out
    if turn.state.step == "ask":  # the FAQ mode: its answer, or what it does not know
        asked = answer_question(turn, None)
        assert isinstance(asked, Outcome)
        return asked
    faq = turn.content.faq
    spelled = spell_out(turn.text, turn.today, turn.content.phrases.reading)
    return answer_asked(turn, faq.match(turn.text) or faq.match(spelled))
