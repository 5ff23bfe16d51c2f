"""The engine: one turn of a conversation as a pure function.

``step(state, inbound, today, content)`` → :class:`Outcome` (the new state, what to say,
what to record). It resolves what the person meant — a tap, a typed number, the words
of a button, a command usable anywhere, a question for the FAQ — and hands the rest to
the current step from the table in :mod:`handlers.steps`. Nothing here does I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from handlers.content import Content
from handlers.faq import FaqMatch, looks_like_question
from handlers.text import nfc
from handlers.types import (
    Button,
    ConversationState,
    Effect,
    Eligibility,
    Inbound,
    Message,
)
from handlers.understand import choose, command, start_command

MAX_TEXT = 2000  # longer messages are not read (the HTTP API refuses over 4,000)
MISSES_BEFORE_OFFER = 3


@dataclass(frozen=True)
class Turn:
    """What a step sees: the state, what the person did, today, and the words to use."""

    state: ConversationState
    inbound: Inbound
    today: date
    content: Content
    text: str = ""

    def t(self, key: str, **params: Any) -> str:
        return self.content.render(self.state.lang, key, today=self.today, **params)

    def button(self, key: str, payload: str) -> Button:
        return Button(self.t("buttons." + key), payload=payload)

    def link(self, key: str, url: str) -> Button:
        return Button(self.t("buttons." + key), url=url)

    def say(self, key: str, *buttons: Button, **params: Any) -> Message:
        return Message(self.t(key, **params), tuple(buttons))

    def moved(self, state: ConversationState) -> Turn:
        return replace(self, state=state)


@dataclass
class Outcome:
    state: ConversationState | None  # None: forget this conversation (data deleted)
    messages: list[Message]
    effects: list[Effect] = field(default_factory=list)
    eligibility: Eligibility | None = None


@dataclass(frozen=True)
class Miss:
    """The step did not understand; ``hint`` names a message saying what was wrong."""

    hint: str | None = None
    params: dict[str, Any] = field(default_factory=dict)


def offered(messages: list[Message]) -> tuple[tuple[str, str], ...]:
    """The (payload, title) of every choice button in a reply, in the order shown: the
    numbering a typed "2" refers to, on every channel."""
    return tuple((b.payload, b.title) for m in messages for b in m.buttons if b.payload is not None)


def goto(
    turn: Turn,
    step_name: str,
    before: list[Message] | None = None,
    effects: list[Effect] | None = None,
    eligibility: Eligibility | None = None,
    state: ConversationState | None = None,
    misses: int = 0,
) -> Outcome:
    """Move to ``step_name`` and ask its question after the messages in ``before``."""
    from handlers.steps import STEPS

    new = replace(state or turn.state, step=step_name, misses=misses)
    messages = list(before or []) + STEPS[step_name].ask(turn.moved(new))
    new = replace(new, choices=offered(messages))
    return Outcome(new, messages, list(effects or []), eligibility)


def reask(turn: Turn, before: list[Message], misses: int = 0) -> Outcome:
    """Stay on the current step: say ``before``, then ask its question again."""
    return goto(turn, turn.state.step, before, misses=misses)


def faq_answer(turn: Turn, match: FaqMatch) -> Outcome:
    lang = turn.state.lang
    answer = Message(match.entry.answer.get(lang) or match.entry.answer["vi"])
    from handlers.steps import STEPS

    if STEPS[turn.state.step].returns_after_faq:
        return reask(turn, [answer, turn.say("faq.back")], misses=turn.state.misses)
    return reask(turn, [answer], misses=turn.state.misses)


def miss(turn: Turn, result: Miss) -> Outcome:
    misses = turn.state.misses + 1
    hint = turn.say(result.hint or "misses.generic", **result.params)
    if misses >= MISSES_BEFORE_OFFER:
        offer = turn.say("misses.offer", turn.button("menu", "menu"), turn.button("help", "help"))
        return reask(turn, [hint, offer], misses=0)
    return reask(turn, [hint], misses=misses)


def step(state: ConversationState, inbound: Inbound, today: date, content: Content) -> Outcome:
    """One turn: what the person did, in the state the conversation was in, on ``today``."""
    from handlers.steps import GLOBAL, STEPS, restart

    text = nfc(inbound.text or "")
    turn = Turn(state, inbound, today, content, text)
    if len(text) > MAX_TEXT:
        return miss(turn, Miss("problem.too_long", {"limit": MAX_TEXT}))

    is_start, source = start_command(text) if text else (False, None)
    if is_start or inbound.payload == "start":
        return restart(turn, source)

    payload = inbound.payload
    if payload is None and text:
        payload = choose(text, state.choices, content.phrases) or command(text, content.phrases)
    if payload in GLOBAL:
        return GLOBAL[payload](turn)

    current = STEPS.get(state.step) or STEPS["start"]
    if state.step not in STEPS:
        turn = turn.moved(replace(state, step="start"))
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
