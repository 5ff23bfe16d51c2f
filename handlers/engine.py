"""The engine: one turn of a conversation as a pure function.

``step(state, inbound, today, content)`` → :class:`Outcome` (the new state, what to say,
what to record). It resolves what the person meant — a tap, a typed number, the words
of a button, a command usable anywhere, a question for the FAQ — and hands the rest to
the current step from the table in :mod:`handlers.steps.flow`. Nothing here does I/O.
Imports only the standard library and ``handlers`` (content, domains, faq, steps, taxcodes,
text, turn, types, understand).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from handlers.content import Content
from handlers.domains import without_names
from handlers.faq import looks_like_question
from handlers.steps.flow import GLOBAL, STEPS
from handlers.steps.moves import faq_answer, reask
from handlers.steps.start import restart
from handlers.taxcodes import typed
from handlers.text import nfc
from handlers.turn import Miss, Outcome, Turn
from handlers.types import ConversationState, Inbound
from handlers.understand import choose, command, start_command

MAX_TEXT = 2000  # longer messages are not read (the HTTP API refuses over 4,000)
MISSES_BEFORE_OFFER = 3


def miss(turn: Turn, result: Miss) -> Outcome:
    misses = turn.state.misses + 1
    hint = turn.say(result.hint or "misses.generic", **result.params)
    if misses >= MISSES_BEFORE_OFFER:
        offer = turn.say("misses.offer", turn.button("menu", "menu"), turn.button("help", "help"))
        return reask(turn, [hint, offer], misses=0)
    return reask(turn, [hint], misses=misses)


def asking_for_contact(state: ConversationState) -> str | None:
    """ "name" or "phone" when the conversation, with the lead consent given, waits for
    that detail (so a platform's shared contact card may fill it); None otherwise."""
    if not state.slots.get("consented"):
        return None
    return {"lead_name": "name", "lead_phone": "phone"}.get(state.step)


def tax_code_to_look_up(state: ConversationState, inbound: Inbound) -> str | None:
    """The tax code whose registry business this turn needs: the one a typed message gives at
    a step that reads tax codes; None otherwise. The turn runner looks it up and passes what
    it found as :attr:`Inbound.business` to :func:`step`, which stays a pure function."""
    current = STEPS.get(state.step)
    if current is None or not current.reads_tax_code or inbound.payload or not inbound.text:
        return None
    code = typed(nfc(inbound.text))
    return code if isinstance(code, str) else None


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
    if payload is None and text:
        said = without_names(text)  # "lan.id.vn" in a sentence is a name, not "id vn"
        payload = choose(said, state.choices, content.phrases) or command(said, content.phrases)
    if payload in GLOBAL:
        return GLOBAL[payload](turn)

    current = STEPS[state.step]
    if text and payload is None and current.free_text and looks_like_question(text):
        match = content.faq.match(text, strong=True)
        if match:
            return faq_answer(turn, match)

    result = current.answer(turn, payload)
    if isinstance(result, Outcome):
        return result
    if text and payload is None:
        match = content.faq.match(text)
        if match:
            return faq_answer(turn, match)
    return miss(turn, result)
