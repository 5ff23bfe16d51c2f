"""Property tests of the whole engine: whatever a person types or taps, in any order, the
engine answers, keeps a valid state and never records what it must not."""

from __future__ import annotations

import json
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from handlers.content import Content
from handlers.engine import step
from handlers.types import (
    ConversationState,
    Inbound,
    RecordConsent,
    RecordLead,
)

PHRASES = [
    "/start",
    "/start hoiphunu",
    "menu",
    "1",
    "2",
    "3",
    "4",
    "5",
    "11",
    "có",
    "không",
    "dong y",
    "ca nhan",
    "ho kinh doanh",
    "cong ty",
    "15/03/2005",
    "20/12/2012",
    "14 tuổi",
    "20",
    "sinh năm 2008",
    "31/02/2005",
    "Nguyễn Văn An",
    "0912 345 678",
    "tổ 5",
    "buổi sáng",
    "nhờ hỗ trợ",
    "id.vn là gì",
    "English",
    "Tiếng Việt",
    "/dulieu",
    "/xoa",
    "🙂",
    "'; DROP TABLE lead;--",
]
PAYLOADS = ["yes", "no", "help", "menu", "kind:person", "skip", "area:3", "time:any", "???"]

actions = st.one_of(
    st.sampled_from(PHRASES).map(lambda t: ("text", t)),
    st.sampled_from(PAYLOADS).map(lambda p: ("payload", p)),
    st.text(max_size=60).map(lambda t: ("text", t)),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    script=st.lists(actions, min_size=1, max_size=25),
    today=st.dates(date(2025, 1, 1), date(2027, 6, 30)),
)
def test_any_conversation_keeps_its_promises(
    content: Content, script: list[tuple[str, str]], today: date
) -> None:
    state: ConversationState | None = ConversationState()
    consented = False
    minor = False
    for kind, value in script:
        inbound = Inbound(
            "test",
            "u",
            text=value if kind == "text" else None,
            payload=value if kind == "payload" else None,
            push=True,
        )
        out = step(state or ConversationState(), inbound, today, content)
        assert out.messages, "every turn says something"
        assert all(m.text.strip() for m in out.messages)
        for effect in out.effects:
            if isinstance(effect, RecordConsent):
                consented = effect.granted
            if isinstance(effect, RecordLead):
                assert consented, "a lead is only recorded after consent"
                assert not minor, "nobody under 16 is stored"
                assert effect.phone.startswith("+84")
        if out.state is None:  # data deleted: a fresh start
            consented = False
        else:
            again = ConversationState.from_json(json.loads(json.dumps(out.state.to_json())))
            assert again == out.state, "the state survives being stored"
            minor = bool(out.state.slots.get("minor"))
            payloads = [b.payload for m in out.messages for b in m.buttons if b.payload]
            assert [p for p, _ in out.state.choices] == payloads
        state = out.state
