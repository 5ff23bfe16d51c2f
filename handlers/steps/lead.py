"""Asking for help: where to meet a person (the ward's help point, :func:`show_help_point`),
and a call back (:func:`ask_help`): the lead consent's outcome, then the contact details the
team needs — name, phone (or a shared contact), tổ dân phố (from the ward's list, typed, or
skipped), and a time to call — recorded as one lead.
A name that a chat app would show as a link (a web address, a /command, an @mention) is
asked again: names are never linkified on the team's screens.

Nobody under the ward's minimum age to store is asked; a consent already given is not asked
again. Imports only the standard library and ``handlers`` (names, phones, text, turn, types,
steps.moves).
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

from handlers.names import NameProblem, read_name
from handlers.phones import PhoneProblem, national, parse_phone
from handlers.reading import name_problem
from handlers.steps.moves import goto, reask
from handlers.text import plain, whole_number
from handlers.turn import MAX_FREE_ANSWER, Miss, Outcome, Turn
from handlers.types import Button, Message, RecordConsent, RecordLead

TIMES = ("morning", "afternoon", "evening", "any")


# The steps of a call back under way: "cán bộ gọi lại sau 17h" typed there is an answer.
LEAD_STEPS = ("consent", "lead_name", "lead_phone", "lead_area", "lead_time")


def show_help_point(turn: Turn) -> Outcome:
    """The "help" command ("gặp cán bộ", "xin số điện thoại cán bộ"), at any step: where
    and when to meet a person — only what the ward filled in (ward.yaml ``help_point``) — and
    the offer of a call back; then the step's question again. Nothing is recorded."""
    if turn.state.slots.get("minor"):
        return reask(turn, [turn.say("help.minor")], misses=turn.state.misses)
    point = turn.say("help.point", turn.button("callback", "callback"))
    return reask(turn, [point], misses=turn.state.misses)


def ask_help(turn: Turn) -> Outcome:
    """The "callback" command: the lead consent first, unless given already."""
    if turn.state.slots.get("minor"):
        return reask(turn, [turn.say("help.minor")])
    if turn.state.step in LEAD_STEPS:  # already on the way: what was typed answers the step
        result = turn.steps[turn.state.step].answer(turn, None) if turn.text else None
        return result if isinstance(result, Outcome) else reask(turn, [])
    if turn.state.slots.get("consented"):
        return goto(turn, "lead_name")
    return goto(turn, "consent")


def notice_details(turn: Turn) -> dict[str, date]:
    """The lead consent's wording says until when the details are kept."""
    return {"until": turn.content.retention_until}


def consent_answered(turn: Turn, record: RecordConsent) -> Outcome:
    if not record.granted:
        return goto(turn, "idle", [turn.say("consent.declined")], [record])
    state = turn.state.with_slots(consented=True)
    return goto(turn, "lead_name", [turn.say("consent.thanks")], [record], state=state)


def ask_name(turn: Turn) -> list[Message]:
    return [turn.say("lead.ask_name")]


def answer_name(turn: Turn, payload: str | None) -> Outcome | Miss:
    business = turn.state.slots.get("applicant") in ("enterprise", "household")
    words = turn.content.phrases.reading
    name = read_name(turn.text, words.not_in_names, business=business, prefixes=words.name_prefixes)
    if isinstance(name, NameProblem):  # a link: a chat app would make it one
        return Miss(name_problem(name))
    return goto(turn, "lead_phone", state=turn.state.with_slots(name=name))


def ask_phone(turn: Turn) -> list[Message]:
    return [replace(turn.say("lead.ask_phone"), share_contact=turn.t("buttons.share_phone"))]


def answer_phone(turn: Turn, payload: str | None) -> Outcome | Miss:
    phone = parse_phone(turn.inbound.contact_phone or turn.text)
    if isinstance(phone, PhoneProblem):
        return Miss("problem.phone_" + phone.value)
    said = turn.say("lead.phone_ok", phone=national(phone))
    return goto(turn, "lead_area", [said], state=turn.state.with_slots(phone=phone))


def ask_area(turn: Turn) -> list[Message]:
    """The ward's tổ dân phố as buttons when the ward listed them (ward.yaml ``areas``);
    otherwise the resident types it. Either way it may be skipped."""
    areas = turn.content.ward.areas
    buttons = [Button(a, payload=f"area:{i}") for i, a in enumerate(areas)]
    if areas:
        buttons.append(turn.button("area_other", "area:other"))
    buttons.append(turn.button("skip", "skip"))
    return [turn.say("lead.ask_area", *buttons)]


def answer_area(turn: Turn, payload: str | None) -> Outcome | Miss:
    areas = turn.content.ward.areas
    area: str | None = None
    if payload == "skip":  # kept in the ward's language: the team reads it
        area = turn.content.render("vi", "lead.area_skipped")
    elif payload and payload.startswith("area:"):
        key = payload.split(":", 1)[1]
        area = turn.t("buttons.area_other") if key == "other" else None
        index = whole_number(key, len(areas))
        if index is not None:
            area = areas[index]
    elif turn.text:
        typed = plain(turn.text)
        by_number = [a for a in areas if typed and plain(a).endswith(" " + typed.split()[-1])]
        named = [a for a in areas if typed and (plain(a) + " ").endswith(" " + typed + " ")]
        if len(named) == 1 or (len(by_number) == 1 and typed.split()[-1].isdigit()):
            area = (named if len(named) == 1 else by_number)[0]
        elif any(c.isalpha() for c in turn.text) and len(turn.text) <= MAX_FREE_ANSWER:
            area = " ".join(turn.text.split())
        elif not areas and re.fullmatch(r"[0-9]{1,3}", typed):  # "5": tổ dân phố 5
            area = turn.content.render("vi", "lead.area_number", number=int(typed))
    if not area:
        return Miss("problem.area")
    return goto(turn, "lead_time", state=turn.state.with_slots(area=area))


def ask_time(turn: Turn) -> list[Message]:
    return [turn.say("lead.ask_time", *(turn.button("time_" + t, "time:" + t) for t in TIMES))]


def answer_time(turn: Turn, payload: str | None) -> Outcome | Miss:
    if payload and payload.startswith("time:") and payload[5:] in TIMES:
        when = turn.t("buttons.time_" + payload[5:])
    elif turn.text and len(turn.text) <= MAX_FREE_ANSWER:
        when = " ".join(turn.text.split())
    else:
        return Miss("problem.time")
    slots = turn.state.slots
    lead = RecordLead(
        applicant=str(slots.get("applicant", "unknown")),
        reason=slots.get("reason"),
        name=slots["name"],
        phone=slots["phone"],
        area=slots["area"],
        contact_time=when,
        source=turn.state.source,
        business_id=slots.get("business_id"),
        for_relative=bool(slots.get("relative")),
    )
    said = turn.say(
        "lead.recorded", name=lead.name, phone=national(lead.phone), area=lead.area, when=when
    )
    kept = {k: v for k, v in slots.items() if k not in ("name", "phone", "area")}
    state = replace(turn.state, slots={**kept, "lead_done": True})
    return goto(turn, "idle", [said], [lead], state=state)
