"""A resident talking to the pure engine: keeps the state, collects replies and effects."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from handlers.content import Content
from handlers.engine import step
from handlers.types import (
    ConversationState,
    Effect,
    Eligibility,
    Inbound,
    Message,
    TrainingView,
)
from tests.support import TODAY


@dataclass
class Resident:
    content: Content
    today: date = TODAY
    user: str = "resident-1"
    state: ConversationState | None = field(default_factory=ConversationState)
    said: list[Message] = field(default_factory=list)  # the last reply
    effects: list[Effect] = field(default_factory=list)  # everything recorded so far
    eligibility: Eligibility | None = None  # the last verdict
    training: TrainingView | None = None  # what the turn runner would look up (sessions…)
    push: bool = True  # the channel may write first (Telegram, Zalo); the web may not

    def _turn(self, inbound: Inbound) -> list[Message]:
        out = step(self.state or ConversationState(), inbound, self.today, self.content)
        self.state = out.state
        self.said = out.messages
        self.effects.extend(out.effects)
        if out.eligibility is not None:
            self.eligibility = out.eligibility
        return self.said

    def type(self, text: str) -> list[Message]:
        return self._turn(
            Inbound("test", self.user, text=text, push=self.push, training=self.training)
        )

    def tap(self, payload: str) -> list[Message]:
        assert payload in self.payloads, f"{payload!r} is not on offer: {self.payloads}"
        return self._turn(
            Inbound("test", self.user, payload=payload, push=self.push, training=self.training)
        )

    @property
    def text(self) -> str:
        return "\n".join(m.text for m in self.said)

    @property
    def payloads(self) -> list[str]:
        return [b.payload for m in self.said for b in m.buttons if b.payload]

    @property
    def links(self) -> list[str]:
        return [b.url for m in self.said for b in m.buttons if b.url]

    @property
    def step(self) -> str | None:
        return self.state.step if self.state else None

    def recorded(self, kind: type) -> list:
        return [e for e in self.effects if isinstance(e, kind)]
