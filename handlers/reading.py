"""What a typed message means at the step the conversation is at: :func:`read` gives a
:class:`Reading` — an offered choice, a command usable anywhere, facts about who the check is
for (:mod:`handlers.facts`), a question, the step's answer (a date, a name, a phone, a domain
idea, a tổ dân phố, a time), an answer that cannot be taken (a name with digits) or nothing
understood. The engine acts on it; the labelled corpus (tests/handlers/corpus/) and
``bench/understanding.py`` measure it.

Order: a whole-message choice ("có", "2", "ko") → a command → facts a verdict can be decided
on → a question (answered first, then the step's question again) → a choice inside a
sentence or who is asking → the step's own answer. Imports only the standard library and
``handlers`` (content, dates, domains, facts, faq, names, phones, taxcodes, text, typed,
types, understand).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from handlers.content import Content
from handlers.dates import DateRange, parse_birth, parse_founding
from handlers.domains import looks_like_label, without_names
from handlers.facts import Facts, read_facts
from handlers.faq import looks_like_question
from handlers.names import MIN_WORDS, NameProblem, read_name
from handlers.phones import PhoneProblem, parse_phone
from handlers.taxcodes import typed as typed_tax_code
from handlers.text import plain
from handlers.typed import joined_question, spell_out, without_particles
from handlers.types import ConversationState
from handlers.understand import Phrasebook, choose, command

CHOICE, COMMAND, FACTS, QUESTION, ANSWER, INVALID, UNKNOWN = (
    "choice",
    "command",
    "facts",
    "question",
    "answer",
    "invalid",
    "unknown",
)
INTENTS = (CHOICE, COMMAND, FACTS, QUESTION, ANSWER, INVALID, UNKNOWN)

# Steps where facts about who the check is for are read, and what each asks for.
FACT_STEPS: Mapping[str, str | None] = {
    "start": None,
    "idle": None,
    "ask": None,
    "person_birth": "birth",
    "person_citizen": "citizen",
    "enterprise_founded": "founded",
    "household_certificate": "certificate",
}
NAME_STEPS = ("lead_name", "training_name")
# Steps answered with a proper name (a person's, a tổ dân phố's: "Lãm Hà", "Thu Hà"), whose
# last word may look like a question particle ("hả", "hông") without its diacritics.
PROPER_NAME_STEPS = (*NAME_STEPS, "lead_area")
IDEA_STEPS = ("domain_name", "offer_help")
MAX_IDEA_WORDS = 6
# Commands that answer a question they sit in: "cho mình gặp cán bộ được không", "tập huấn ở
# đâu".
ASKED = ("help", "training", "training_cancel")
MAX_FREE = 100  # the longest free answer (an area, a time, an idea): handlers.turn

# An age after a comparison ("trên 23 tuổi", "dưới 18 tuổi"): a question about ages, not one.
_COMPARED_AGE = re.compile(
    r"\b(?:tren|duoi|qua|hon|ngoai|khoang|tam|tu|den) [0-9]{1,3} tuoi\b|^neu\b|\bgia su\b"
)  # or supposed: "nếu mình 24 tuổi thì sao"
# Names that end like "không", "hả", "nhỉ" ("Thị Hồng", "Thu Hà", "Yến Nhi") are names: only
# these endings, with their diacritics, ask at a name step.
_NAME_ENDINGS = ("hong", "ha", "nhi")
_ASKING_END = re.compile(r"(?:không|ko|hông|hok|khum|chưa|nhỉ|hả)$")
# "sao" (why, how) anywhere: "sao phải cho tên", "đăng ký sao".
_WHY = re.compile(r"\bsao\b")
# "X A hay X B": "tên thật hay tên zalo", "sáng hay chiều" is a choice asked.
_EITHER = re.compile(r"\b(\w+) \w+ hay \1\b")
# "có … không": "có an toàn không" (the FAQ reader's rule leaves out "toàn không").
_HAS_NO_END = re.compile(r"^(?:.* )?co (?:\w+ ){1,6}khong$")


@dataclass(frozen=True)
class Reading:
    intent: str
    payload: str | None = None  # CHOICE, COMMAND
    facts: Facts | None = None  # FACTS
    slots: Mapping[str, Any] = field(default_factory=dict)  # ANSWER: what the step reads
    problem: str | None = None  # INVALID: the message key saying why


def _whole_choice(text: str, offered: tuple[tuple[str, str], ...], book: Phrasebook) -> str | None:
    """The offered choice ``text`` is as a whole: its number, its title, one of its phrases."""
    payload = choose(text, offered, book)
    if payload is None:
        return None
    key = plain(text)
    titles = {plain(t) for p, t in offered if p == payload}
    if key.isdigit() or key in titles or key in book.choices.get(payload, ()):
        return payload
    return None


def is_question(text: str, spelled: str, step: str, book: Phrasebook) -> bool:
    """Whether ``text`` asks something (with or without diacritics, in teencode)."""
    if not plain(text):  # "???": no words, nothing asked
        return False
    if "?" in text or "\uff1f" in text:
        return True
    folded = plain(text)
    lower = " ".join(text.lower().split())
    asks_who = lower.startswith("ai ") or (step not in NAME_STEPS and folded.endswith(" ai"))
    if _WHY.search(spelled) or asks_who or _EITHER.search(folded):
        return True
    if step in PROPER_NAME_STEPS:  # "Thị Hồng", "Lãm Hà", "Yến Nhi": names, not "hông", "hả"
        asks = looks_like_question(text) and (
            not folded.endswith(_NAME_ENDINGS) or _ASKING_END.search(lower) is not None
        )
        return asks or joined_question(text, book.reading)
    return (
        looks_like_question(text)
        or looks_like_question(spelled)
        or _HAS_NO_END.search(spelled) is not None
        or joined_question(text, book.reading)
    )


def _answer(
    step: str, text: str, spelled: str, state: ConversationState, today: date, book: Phrasebook
) -> Reading:
    """The step's own answer in ``text``."""
    if step in NAME_STEPS:
        business = state.slots.get("applicant") in ("enterprise", "household")
        words = book.reading
        name = read_name(
            text,
            words.not_in_names,
            business=business,
            prefixes=words.name_prefixes,
            min_words=MIN_WORDS if step == "lead_name" else 1,  # a training seat: "Hoa" will do
        )
        if isinstance(name, NameProblem):
            return Reading(INVALID, problem=name_problem(name))
        return Reading(ANSWER, slots={"name": name})
    if step in ("lead_phone", "training_phone"):
        phone = parse_phone(text)
        if isinstance(phone, PhoneProblem):
            if phone is PhoneProblem.NOT_A_NUMBER:
                return Reading(UNKNOWN)
            return Reading(INVALID, problem="problem.phone_" + phone.value)
        return Reading(ANSWER, slots={"phone": phone})
    if step in IDEA_STEPS:
        return read_idea(text)
    if step == "lead_area":
        if any(c.isalpha() or c.isdigit() for c in text) and len(text) <= MAX_FREE:
            return Reading(ANSWER, slots={"area": " ".join(text.split())})
        return Reading(UNKNOWN)
    if step == "lead_time":
        if any(c.isalpha() or c.isdigit() for c in text) and len(text) <= MAX_FREE:
            return Reading(ANSWER, slots={"time": " ".join(text.split())})
        return Reading(UNKNOWN)
    if step == "enterprise_founded":
        code = typed_tax_code(text)
        if isinstance(code, str):
            return Reading(ANSWER, slots={"tax_code": code})
        if code is not None:
            return Reading(INVALID, problem="tax_code.invalid")
        found = parse_founding(spelled, today)
        return (
            Reading(ANSWER, slots={"founded": found})
            if isinstance(found, DateRange)
            else Reading(UNKNOWN)
        )
    if step == "person_birth":
        found = parse_birth(spelled, today)
        return (
            Reading(ANSWER, slots={"birth": found})
            if isinstance(found, DateRange)
            else Reading(UNKNOWN)
        )
    return Reading(UNKNOWN)


def name_problem(problem: NameProblem) -> str:
    """The message saying why a typed name is asked again."""
    if problem is NameProblem.LINK:
        return "problem.name_link"
    return f"understanding.name_{problem.value}"


def read_idea(text: str) -> Reading:
    """A domain idea: a domain name as typed, or a few words (a name, a shop's name)."""
    if looks_like_label(text):
        return Reading(ANSWER, slots={"label": text.strip()})
    n = len(plain(text).split())
    if n == 0:
        return Reading(UNKNOWN)
    if n > MAX_IDEA_WORDS or len(text) > MAX_FREE:
        return Reading(INVALID, problem="understanding.idea_too_long")
    return Reading(ANSWER, slots={"idea": " ".join(text.split())})


def _decides(facts: Facts, step: str, state: ConversationState, asking: bool) -> bool:
    """Whether ``facts`` move the check on: a birth or founding date (a verdict answers even
    a question: "con tôi 19 tuổi được không"); citizenship, a certificate or another kind of
    applicant when not asked as a question ("chưa có giấy thì sao" is a question)."""
    if facts.birth is not None or facts.founded is not None:
        return True
    if asking:
        return False
    applicant = state.slots.get("applicant")
    other_kind = step in FACT_STEPS and facts.kind is not None and facts.kind != applicant
    return (
        facts.certificate is not None
        or (facts.citizen is not None and (step == "person_citizen" or facts.kind is not None))
        or (other_kind and step not in ("start", "idle", "ask"))
    )


def read(state: ConversationState, text: str, today: date, content: Content) -> Reading:
    """What ``text``, typed at ``state.step``, means."""
    book = content.phrases
    step = state.step
    said = without_names(text)  # "lan.id.vn" in a sentence is a name, not "id vn"
    spelled = spell_out(said, today, book.reading)
    core = without_particles(spelled, book.reading)
    whole = (
        _whole_choice(said, state.choices, book)
        or _whole_choice(spelled, state.choices, book)
        or _whole_choice(core, state.choices, book)
    )
    if whole is not None:
        return Reading(CHOICE, payload=whole)
    cmd = command(said, book)
    asking = is_question(text, spelled, step, book)
    # A command said alone, or asking for a person ("cho mình gặp cán bộ được không"); inside
    # a question it is the question ("xóa dữ liệu thế nào").
    if cmd is not None and (not asking or cmd in ASKED or plain(said) in book.commands[cmd]):
        return Reading(COMMAND, payload=cmd)
    facts: Facts | None = None
    if step in FACT_STEPS and not (
        step == "enterprise_founded" and typed_tax_code(text) is not None
    ):
        facts = read_facts(spelled, today, book.reading.facts, FACT_STEPS[step])
        if asking and _COMPARED_AGE.search(spelled):
            facts = Facts(
                facts.kind, None, facts.citizen, facts.founded, facts.certificate, facts.relative
            )
        if _decides(facts, step, state, asking):
            return Reading(FACTS, facts=facts)
    if asking:
        return Reading(QUESTION)
    inside = choose(said, state.choices, book) or choose(spelled, state.choices, book)
    if facts is not None and facts.any and step in ("start", "idle", "ask"):
        return Reading(FACTS, facts=facts)
    if inside is not None:
        return Reading(CHOICE, payload=inside)
    if facts is not None and facts.any and state.choices:
        return Reading(FACTS, facts=facts)
    return _answer(step, text, spelled, state, today, book)
