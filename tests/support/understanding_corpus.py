"""The labelled corpus of messages as residents type them (tests/handlers/corpus/
understanding.yaml), read by :func:`handlers.reading.read` at the step each was typed at and
scored against its label: used by tests/handlers/test_understanding_corpus.py and
bench/understanding.py.

A case is the text, the intent expected (choice, command, facts, question, answer, invalid,
unknown) and the slots expected: for facts every fact is compared (one not labelled must be
absent); for other intents only the slots labelled. Choosing a kind and facts saying only
the kind are the same reading (both lead to that kind's first question).

May import: handlers (the code under test), yaml and tests.support.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from handlers.content import Content
from handlers.dates import DateRange, age_range
from handlers.facts import Facts
from handlers.reading import CHOICE, FACTS, Reading, read
from handlers.steps.flow import STEPS
from handlers.turn import Turn, offered
from handlers.types import ConversationState, Inbound
from tests.support import ROOT, TODAY

CORPUS = ROOT / "tests" / "handlers" / "corpus" / "understanding.yaml"
# The slots a conversation has at each step (who is asking, a consent given…).
SLOTS: dict[str, dict[str, Any]] = {
    "start": {"greeted": True},
    "idle": {"greeted": True},
    "ask": {"greeted": True},
    "person_birth": {"greeted": True, "applicant": "person"},
    "person_citizen": {
        "greeted": True,
        "applicant": "person",
        "birth_first": "2005-03-15",
        "birth_last": "2005-03-15",
    },
    "enterprise_founded": {"greeted": True, "applicant": "enterprise"},
    "household_certificate": {"greeted": True, "applicant": "household"},
    "domain_name": {"greeted": True, "applicant": "person", "reason": "eligible_youth"},
    "offer_help": {"greeted": True, "applicant": "person", "reason": "eligible_youth"},
    "consent": {"greeted": True, "applicant": "person"},
    "lead_name": {"greeted": True, "applicant": "person", "consented": True},
    "lead_phone": {"greeted": True, "applicant": "person", "consented": True, "name": "An"},
    "lead_area": {"greeted": True, "applicant": "person", "consented": True},
    "lead_time": {"greeted": True, "applicant": "person", "consented": True},
}


@dataclass(frozen=True)
class Case:
    step: str
    text: str
    intent: str
    slots: dict[str, Any]


@dataclass(frozen=True)
class Scored:
    case: Case
    reading: Reading
    ok: bool
    why: str


def cases(path: Path = CORPUS) -> Iterator[Case]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for block in data:
        for item in block["cases"]:
            text, intent, *rest = item
            yield Case(block["step"], str(text), intent, dict(rest[0]) if rest else {})


def state_at(step: str, content: Content, today: date = TODAY) -> ConversationState:
    """A conversation waiting at ``step``, with the buttons that step offers."""
    state = ConversationState(step=step, slots=dict(SLOTS.get(step, {"greeted": True})))
    turn = Turn(state, Inbound("test", "corpus", push=True), today, content, STEPS)
    return replace(state, choices=offered(STEPS[step].ask(turn)))


def _range(value: Any) -> tuple[date, date, str]:
    """A labelled date: "2005" (a year), "2005-03" (a month), "2005-03-15" (a day)."""
    text = str(value)
    parts = [int(p) for p in text.split("-")]
    if len(parts) == 1:
        return date(parts[0], 1, 1), date(parts[0], 12, 31), "year"
    if len(parts) == 2:
        y, m = parts
        nxt = date(y + (m == 12), m % 12 + 1, 1)
        return date(y, m, 1), date.fromordinal(nxt.toordinal() - 1), "month"
    d = date(*parts)
    return d, d, "exact"


def _same_range(found: DateRange | None, want: Any, today: date) -> bool:
    if found is None:
        return want is None
    if want is None:
        return False
    first, last, _ = _range(want)
    return (found.first, found.last) == (first, min(last, today))


def _facts_ok(facts: Facts, want: dict[str, Any], today: date) -> str:
    if facts.kind != want.get("kind"):
        return f"kind {facts.kind} ≠ {want.get('kind')}"
    if "age" in want:
        r = age_range(int(want["age"]), today)
        if facts.birth is None or (facts.birth.first, facts.birth.last) != (r.first, r.last):
            return f"birth {facts.birth} ≠ age {want['age']}"
    elif not _same_range(facts.birth, want.get("born"), today):
        return f"birth {facts.birth} ≠ {want.get('born')}"
    if not _same_range(facts.founded, want.get("founded"), today):
        return f"founded {facts.founded} ≠ {want.get('founded')}"
    for name in ("citizen", "certificate"):
        if getattr(facts, name) != want.get(name):
            return f"{name} {getattr(facts, name)} ≠ {want.get(name)}"
    if facts.relative != bool(want.get("relative")):
        return f"relative {facts.relative}"
    return ""


def _kind_only(reading: Reading) -> str | None:
    """The payload a reading stands for when it says only who is asking: the choice of a
    kind, or facts holding only a kind (the two lead to the same step)."""
    if reading.intent == CHOICE and (reading.payload or "").startswith("kind:"):
        return reading.payload
    facts = reading.facts
    if reading.intent == FACTS and facts is not None and facts.kind and facts == Facts(facts.kind):
        return "kind:" + facts.kind
    return None


def score(case: Case, content: Content, today: date = TODAY) -> Scored:
    reading = read(state_at(case.step, content, today), case.text, today, content)
    wanted = Reading(case.intent, payload=case.slots.get("payload"))
    if case.intent == FACTS and set(case.slots) == {"kind"}:
        wanted = Reading(FACTS, facts=Facts(kind=case.slots["kind"]))
    if _kind_only(wanted) is not None and _kind_only(reading) == _kind_only(wanted):
        return Scored(case, reading, True, "")
    if reading.intent != case.intent:
        return Scored(case, reading, False, f"intent {reading.intent} ≠ {case.intent}")
    why = ""
    if case.intent == FACTS and reading.facts is not None:
        why = _facts_ok(reading.facts, case.slots, today)
    else:
        for key, want in case.slots.items():
            got = reading.payload if key == "payload" else reading.slots.get(key)
            if key in ("birth", "founded"):
                if not _same_range(got, want, today):
                    why = f"{key} {got} ≠ {want}"
            elif key == "age":
                r = age_range(int(want), today)
                b = reading.slots.get("birth")
                if b is None or (b.first, b.last) != (r.first, r.last):
                    why = f"birth {b} ≠ age {want}"
            elif got != want:
                why = f"{key} {got!r} ≠ {want!r}"
    return Scored(case, reading, not why, why)


def score_all(content: Content, today: date = TODAY) -> list[Scored]:
    return [score(c, content, today) for c in cases()]
