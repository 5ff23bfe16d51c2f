"""The labelled corpus of messages as residents type them (tests/handlers/corpus/
understanding.yaml): read at the step each was typed at, at least 97% must be read as
labelled, and every step and intent must be covered."""

from __future__ import annotations

from handlers.reading import INTENTS
from tests.support.understanding_corpus import cases, score_all, state_at

REQUIRED = 0.97
STEPS_COVERED = (
    "start",
    "ask",
    "person_birth",
    "person_citizen",
    "enterprise_founded",
    "household_certificate",
    "domain_name",
    "consent",
    "lead_name",
    "lead_phone",
    "lead_area",
    "lead_time",
)


def test_the_corpus_is_read_as_labelled(content) -> None:
    scored = score_all(content)
    wrong = [f"[{s.case.step}] {s.case.text!r}: {s.why}" for s in scored if not s.ok]
    accuracy = 1 - len(wrong) / len(scored)
    assert accuracy >= REQUIRED, f"{accuracy:.1%} < {REQUIRED:.0%}:\n" + "\n".join(wrong)


def test_the_corpus_covers_every_step_with_questions_and_relatives(content) -> None:
    all_cases = list(cases())
    assert len(all_cases) >= 300
    assert {c.intent for c in all_cases} <= set(INTENTS)
    for step in STEPS_COVERED:
        assert any(c.step == step and c.intent == "question" for c in all_cases), step
        state_at(step, content)  # a step the flow has
    assert sum(bool(c.slots.get("relative")) for c in all_cases) >= 10
