"""The conversation's steps, and the table that names them all in one place.

Each step has ``ask`` (what to say to ask its question) and ``answer`` (what a reply to
it means: an :class:`~handlers.turn.Outcome`, or a :class:`~handlers.turn.Miss`);
:func:`goto` moves to a step and asks its question.
``GLOBAL`` holds what a person can do at any point (menu, language, help, their data).
Eligibility comes only from :mod:`handlers.rules`; sentences only from content/.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date

from handlers import domains, rules
from handlers.dates import DateProblem, DateRange, parse_birth, parse_founding
from handlers.faq import FaqMatch
from handlers.phones import PhoneProblem, national, parse_phone
from handlers.text import plain
from handlers.turn import Miss, Outcome, Step, Turn, offered
from handlers.types import (
    Button,
    ConversationState,
    CountVerdict,
    DeleteMyData,
    Effect,
    Eligibility,
    Message,
    Purpose,
    RecordConsent,
    RecordLead,
    Remind,
    ShowMyData,
    Subscribe,
    Unsubscribe,
)

MAX_NAME = 80
MAX_FREE_ANSWER = 100
TIMES = ("morning", "afternoon", "evening", "any")
# Slots that outlive a trip to the menu or a /start: the greeting was said, consent was
# given, news subscribed, and a person known to be under 16 stays protected until a new
# verdict says otherwise.
KEPT = ("greeted", "consented", "minor", "subscribed")


# --- moving between steps ---------------------------------------------------------------


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
    if STEPS[turn.state.step].returns_after_faq:
        return reask(turn, [answer, turn.say("faq.back")], misses=turn.state.misses)
    return reask(turn, [answer], misses=turn.state.misses)


# --- start and menu --------------------------------------------------------------------


def _greeted(out: Outcome) -> Outcome:
    if out.state is not None:
        out.state = out.state.with_slots(greeted=True)
    return out


def restart(turn: Turn, source: str | None) -> Outcome:
    s = turn.state
    kept = {k: v for k, v in s.slots.items() if k in KEPT and k != "greeted"}
    fresh = ConversationState(lang=s.lang, source=source or s.source, slots=kept)
    return _greeted(goto(turn, "start", state=fresh))


def ask_start(turn: Turn) -> list[Message]:
    out = []
    if not turn.state.slots.get("greeted"):
        out.append(turn.say("greeting"))
    out.append(
        turn.say(
            "start.who",
            turn.button("person", "kind:person"),
            turn.button("enterprise", "kind:enterprise"),
            turn.button("household", "kind:household"),
            turn.button("ask", "ask"),
        )
    )
    return out


def answer_start(turn: Turn, payload: str | None) -> Outcome | Miss:
    if not turn.state.slots.get("greeted"):  # any first message gets the greeting
        match = turn.content.faq.match(turn.text) if turn.text else None
        return _greeted(faq_answer(turn, match) if match else goto(turn, "start"))
    return Miss("problem.choice")


def ask_idle(turn: Turn) -> list[Message]:
    buttons = [turn.button("menu", "menu"), turn.button("ask", "ask")]
    if not turn.state.slots.get("minor"):
        buttons.append(turn.button("help", "help"))
        if not turn.state.slots.get("subscribed") and turn.inbound.push:
            buttons.append(turn.button("subscribe", "subscribe"))
    return [turn.say("idle.prompt", *buttons)]


def answer_idle(turn: Turn, payload: str | None) -> Outcome | Miss:
    return Miss("problem.choice")


def choose_kind(kind: str) -> Callable[[Turn], Outcome]:
    first = {
        "person": "person_birth",
        "enterprise": "enterprise_founded",
        "household": "household_certificate",
    }[kind]

    def go(turn: Turn) -> Outcome:
        slots = {k: v for k, v in turn.state.slots.items() if k in KEPT}
        state = replace(turn.state, slots={**slots, "greeted": True, "applicant": kind})
        return goto(turn, first, state=state)

    return go


def to_menu(turn: Turn) -> Outcome:
    """The menu; with the greeting first if this is the person's first message."""
    slots = {k: v for k, v in turn.state.slots.items() if k in KEPT}
    return _greeted(goto(turn, "start", state=replace(turn.state, slots=slots)))


def switch_language(lang: str) -> Callable[[Turn], Outcome]:
    def go(turn: Turn) -> Outcome:
        moved = turn.moved(replace(turn.state, lang=lang))
        return reask(moved, [moved.say("lang.switched")])

    return go


# --- the person: birth date, citizenship ------------------------------------------------


def ask_birth(turn: Turn) -> list[Message]:
    need = turn.state.slots.get("need_exact")
    if need:
        return [turn.say("person.need_exact", given=need)]
    return [turn.say("person.ask_birth")]


def _age_band(r: DateRange, today: date) -> int:
    return rules.full_years(r.last, today)  # the youngest the person can be


def answer_birth(turn: Turn, payload: str | None) -> Outcome | Miss:
    if not turn.text:
        return Miss("problem.choice")
    r = parse_birth(turn.text, turn.today)
    if isinstance(r, DateProblem):
        return Miss("problem.date_" + r.value)
    ruleset = turn.content.rules
    try:
        e = rules.check_person_range(r.first, r.last, turn.today, ruleset)
    except rules.BadDate:
        return Miss("problem.date_future")
    if e is None:
        given = {"kind": r.kind}  # not what was typed: nothing personal is kept
        return goto(turn, "person_birth", state=turn.state.with_slots(need_exact=given))
    minor = _age_band(r, turn.today) < turn.content.ward.privacy.minimum_age_to_store
    if e.reason == rules.ELIGIBLE_YOUTH:
        state = turn.state.with_slots(
            birth_first=r.first.isoformat(), birth_last=r.last.isoformat(), need_exact=None
        )
        return goto(turn, "person_citizen", state=state)
    return verdict(turn, e, minor=minor)


def ask_citizen(turn: Turn) -> list[Message]:
    return [turn.say("person.ask_citizen", turn.button("yes", "yes"), turn.button("no", "no"))]


def answer_citizen(turn: Turn, payload: str | None) -> Outcome | Miss:
    if payload not in ("yes", "no"):
        return Miss("problem.yes_no")
    slots = turn.state.slots
    first, last = date.fromisoformat(slots["birth_first"]), date.fromisoformat(slots["birth_last"])
    ruleset = turn.content.rules
    if payload == "no":
        e = rules.check_person(last, turn.today, ruleset, citizen=False)
    else:
        e = rules.check_person_range(first, last, turn.today, ruleset) or rules.check_person(
            last, turn.today, ruleset
        )
    return verdict(turn, e)


# --- enterprise and household business -------------------------------------------------


def ask_founded(turn: Turn) -> list[Message]:
    need = turn.state.slots.get("need_exact")
    if need:
        return [turn.say("enterprise.need_exact", given=need)]
    return [turn.say("enterprise.ask_founded")]


def answer_founded(turn: Turn, payload: str | None) -> Outcome | Miss:
    if not turn.text:
        return Miss("problem.choice")
    r = parse_founding(turn.text, turn.today)
    if isinstance(r, DateProblem):
        return Miss("problem.date_" + r.value)
    try:
        e = rules.check_enterprise_range(r.first, r.last, turn.today, turn.content.rules)
    except rules.BadDate:
        return Miss("problem.date_future")
    if e is None:
        given = {"kind": r.kind}  # not what was typed: nothing personal is kept
        return goto(turn, "enterprise_founded", state=turn.state.with_slots(need_exact=given))
    return verdict(turn, e)


def ask_certificate(turn: Turn) -> list[Message]:
    return [
        turn.say(
            "household.ask_certificate",
            turn.button("has_certificate", "yes"),
            turn.button("no_certificate", "no"),
        )
    ]


def answer_certificate(turn: Turn, payload: str | None) -> Outcome | Miss:
    if payload not in ("yes", "no"):
        return Miss("problem.yes_no")
    return verdict(turn, rules.check_household(payload == "yes", turn.today, turn.content.rules))


# --- the verdict -------------------------------------------------------------------------


def verdict(turn: Turn, e: Eligibility, minor: bool = False) -> Outcome:
    e = replace(e, message=turn.t("verdict." + e.reason, e=e))
    applicant = str(turn.state.slots.get("applicant", "person"))
    keep = {k: v for k, v in turn.state.slots.items() if k in ("greeted", "consented")}  # a new
    # verdict decides "minor" afresh
    state = replace(
        turn.state,
        slots={**keep, "applicant": applicant, "reason": e.reason, "minor": minor},
    )
    effects = [CountVerdict(applicant, e.reason, turn.state.source)]
    said = [Message(e.message)]
    if e.eligible:
        site = turn.content.program.links["program"]
        said.append(turn.say("offer." + e.reason, turn.link("open_site", site), e=e))
        return goto(turn, "domain_name", said, effects, e, state=state)
    nudge = turn.say("next." + e.reason, e=e, minor=minor)
    if (
        e.reason == rules.TOO_YOUNG
        and e.eligible_from
        and not minor
        and turn.inbound.push
    ):  # a reminder on the day; the date is kept only while they decide
        nudge = replace(nudge, buttons=(turn.button("remind18", "remind18"),))
        state = state.with_slots(remind_on=e.eligible_from.isoformat())
    said.append(nudge)
    return goto(turn, "idle", said, effects, e, state=state)


# --- domain-name ideas -------------------------------------------------------------------


def _suffix(turn: Turn) -> str:
    return rules.ID_VN if turn.state.slots.get("applicant") == "person" else rules.BIZ_VN


def ask_domain(turn: Turn) -> list[Message]:
    key = "domain.ask_person" if _suffix(turn) == rules.ID_VN else "domain.ask_business"
    return [turn.say(key, turn.button("skip", "skip"))]


def answer_domain(turn: Turn, payload: str | None) -> Outcome | Miss:
    if payload == "skip":
        return goto(turn, "offer_help")
    text = turn.text
    if not text or len(text) > MAX_FREE_ANSWER:
        return Miss("problem.name")
    suffix = _suffix(turn)
    if domains.looks_like_label(text):
        check = domains.check_label(text)
        if check.ok:
            said = turn.say("domain.label_ok", label=check.label, suffix=suffix)
        else:
            fixed = domains.repair(text)
            said = turn.say(
                "domain.label_problem",
                label=check.label,
                problem=check.problem,
                suggestion=fixed if domains.check_label(fixed).ok else None,
                suffix=suffix,
            )
        return goto(turn, "offer_help", [said])
    applicant = str(turn.state.slots.get("applicant", "person"))
    ideas = domains.ideas(text, applicant)
    if not ideas:
        return Miss("problem.name")
    return goto(turn, "offer_help", [turn.say("domain.ideas", ideas=ideas, suffix=suffix)])


def ask_offer_help(turn: Turn) -> list[Message]:
    return [
        turn.say(
            "help.offer",
            turn.button("help_yes", "help"),
            turn.button("retry_name", "retry_name"),
            turn.button("no_thanks", "no"),
        )
    ]


def answer_offer_help(turn: Turn, payload: str | None) -> Outcome | Miss:
    if payload == "no":
        return goto(turn, "idle", [turn.say("help.declined")])
    if payload is None and turn.text:
        return answer_domain(turn, None)  # another name to try
    return Miss("problem.choice")


# --- asking for help: consent, then contact details ------------------------------------


def ask_help(turn: Turn) -> Outcome:
    if turn.state.slots.get("minor"):
        return reask(turn, [turn.say("help.minor")])
    if turn.state.slots.get("consented"):
        return goto(turn, "lead_name")
    return goto(turn, "consent")


def consent_text(turn: Turn) -> str:
    return turn.t(
        "consent.notice",
        until=turn.content.retention_until,
        version=turn.content.ward.privacy.consent_version,
    )


def ask_consent(turn: Turn) -> list[Message]:
    return [
        Message(
            consent_text(turn),
            (turn.button("agree", "yes"), turn.button("disagree", "no")),
        )
    ]


def answer_consent(turn: Turn, payload: str | None) -> Outcome | Miss:
    if payload not in ("yes", "no"):
        return Miss("problem.consent")
    text = consent_text(turn)
    record = RecordConsent(
        purpose=Purpose.LEAD,
        version=turn.content.ward.privacy.consent_version,
        text_hash=turn.content.text_hash(text),
        granted=payload == "yes",
    )
    if payload == "no":
        return goto(turn, "idle", [turn.say("consent.declined")], [record])
    state = turn.state.with_slots(consented=True)
    return goto(turn, "lead_name", [turn.say("consent.thanks")], [record], state=state)


def ask_name(turn: Turn) -> list[Message]:
    return [turn.say("lead.ask_name")]


def answer_name(turn: Turn, payload: str | None) -> Outcome | Miss:
    name = " ".join(turn.text.split())
    letters = sum(c.isalpha() for c in name)
    if not (2 <= len(name) <= MAX_NAME) or letters < 2 or letters < len(name) * 0.6:
        return Miss("problem.name")
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
    areas = turn.content.ward.areas
    buttons = [
        *(Button(a, payload=f"area:{i}") for i, a in enumerate(areas)),
        turn.button("area_other", "area:other"),
    ]
    return [turn.say("lead.ask_area", *buttons)]


def answer_area(turn: Turn, payload: str | None) -> Outcome | Miss:
    areas = turn.content.ward.areas
    area: str | None = None
    if payload and payload.startswith("area:"):
        key = payload.split(":", 1)[1]
        area = turn.t("buttons.area_other") if key == "other" else None
        if key.isdigit() and int(key) < len(areas):
            area = areas[int(key)]
    elif turn.text:
        typed = plain(turn.text)
        by_number = [a for a in areas if typed and plain(a).endswith(" " + typed.split()[-1])]
        exact = [a for a in areas if plain(a) == typed]
        if exact or (len(by_number) == 1 and typed.split()[-1].isdigit()):
            area = (exact or by_number)[0]
        elif any(c.isalpha() for c in turn.text) and len(turn.text) <= MAX_FREE_ANSWER:
            area = " ".join(turn.text.split())
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
    )
    said = turn.say(
        "lead.recorded", name=lead.name, phone=national(lead.phone), area=lead.area, when=when
    )
    kept = {k: v for k, v in slots.items() if k not in ("name", "phone", "area")}
    state = replace(turn.state, slots={**kept, "lead_done": True})
    return goto(turn, "idle", [said], [lead], state=state)


# --- programme news: a consent of its own, never bundled with the lead's -----------------



def news_text(turn: Turn) -> str:
    return turn.t("news.notice", version=turn.content.ward.privacy.news_consent_version)


def ask_subscribe(turn: Turn) -> Outcome:
    if not turn.inbound.push:
        return reask(turn, [turn.say("news.not_here")])
    if turn.state.slots.get("minor"):
        return reask(turn, [turn.say("news.minor")])
    if turn.state.slots.get("subscribed"):
        return reask(turn, [turn.say("news.already")])
    return goto(turn, "news_consent")


def ask_news_consent(turn: Turn) -> list[Message]:
    return [Message(news_text(turn), (turn.button("agree", "yes"), turn.button("disagree", "no")))]


def answer_news_consent(turn: Turn, payload: str | None) -> Outcome | Miss:
    if payload not in ("yes", "no"):
        return Miss("problem.consent")
    record = RecordConsent(
        purpose=Purpose.NEWS,
        version=turn.content.ward.privacy.news_consent_version,
        text_hash=turn.content.text_hash(news_text(turn)),
        granted=payload == "yes",
    )
    if payload == "no":
        return goto(turn, "idle", [turn.say("news.declined")], [record])
    slots = turn.state.slots
    subscribe = Subscribe(
        applicant=slots.get("applicant"),
        reason=slots.get("reason"),
        source=turn.state.source,
        lang=turn.state.lang,
    )
    state = turn.state.with_slots(subscribed=True)
    return goto(turn, "idle", [turn.say("news.thanks")], [record, subscribe], state=state)



def reminder_text(turn: Turn) -> str:
    return turn.t(
        "reminder.notice",
        on=date.fromisoformat(turn.state.slots["remind_on"]),
        version=turn.content.ward.privacy.reminder_consent_version,
    )


def ask_remind(turn: Turn) -> Outcome:
    if not turn.state.slots.get("remind_on") or turn.state.slots.get("minor"):
        return reask(turn, [turn.say("problem.choice")], misses=turn.state.misses)
    return goto(turn, "reminder_consent")


def ask_reminder_consent(turn: Turn) -> list[Message]:
    return [
        Message(reminder_text(turn), (turn.button("agree", "yes"), turn.button("disagree", "no")))
    ]


def answer_reminder_consent(turn: Turn, payload: str | None) -> Outcome | Miss:
    if payload not in ("yes", "no"):
        return Miss("problem.consent")
    record = RecordConsent(
        purpose=Purpose.REMINDER,
        version=turn.content.ward.privacy.reminder_consent_version,
        text_hash=turn.content.text_hash(reminder_text(turn)),
        granted=payload == "yes",
    )
    due = date.fromisoformat(turn.state.slots["remind_on"])
    state = turn.state.with_slots(remind_on=None)
    if payload == "no":
        return goto(turn, "idle", [turn.say("news.declined")], [record], state=state)
    remind = Remind("birthday_18", due, turn.state.lang)
    thanks = turn.say("reminder.thanks", on=due)
    return goto(turn, "idle", [thanks], [record, remind], state=state)


def unsubscribe(turn: Turn) -> Outcome:
    """ "/stop", "hủy đăng ký", "ngừng nhận tin": at once, and confirmed."""
    state = turn.state.with_slots(subscribed=False)
    out = reask(turn.moved(state), [turn.say("news.stopped")], misses=turn.state.misses)
    out.effects.append(Unsubscribe())
    return out


# --- questions -------------------------------------------------------------------------


def ask_question_mode(turn: Turn) -> list[Message]:
    return [turn.say("ask.prompt", turn.button("menu", "menu"))]


def answer_question(turn: Turn, payload: str | None) -> Outcome | Miss:
    if not turn.text:
        return Miss("problem.choice")
    match = turn.content.faq.match(turn.text)
    if match:
        return faq_answer(turn, match)
    buttons = [turn.button("help", "help"), turn.button("menu", "menu")]
    return reask(turn, [turn.say("ask.unknown", *buttons)])


# --- the person's own data ---------------------------------------------------------------


def show_my_data(turn: Turn) -> Outcome:
    out = reask(turn, [], misses=turn.state.misses)
    out.effects.append(ShowMyData())
    return out


def ask_delete(turn: Turn) -> list[Message]:
    return [
        turn.say(
            "privacy.delete_confirm",
            turn.button("delete_yes", "yes"),
            turn.button("delete_no", "no"),
        )
    ]


def answer_delete(turn: Turn, payload: str | None) -> Outcome | Miss:
    if payload == "yes":
        return Outcome(None, [turn.say("privacy.deleted")], [DeleteMyData()])
    if payload == "no":
        return goto(turn, "idle", [turn.say("privacy.delete_cancelled")])
    return Miss("problem.yes_no")


STEPS: dict[str, Step] = {
    "start": Step(ask_start, answer_start, returns_after_faq=False),
    "person_birth": Step(ask_birth, answer_birth),
    "person_citizen": Step(ask_citizen, answer_citizen),
    "enterprise_founded": Step(ask_founded, answer_founded),
    "household_certificate": Step(ask_certificate, answer_certificate),
    "domain_name": Step(ask_domain, answer_domain, free_text=True),
    "offer_help": Step(ask_offer_help, answer_offer_help, free_text=True),
    "consent": Step(ask_consent, answer_consent),
    "lead_name": Step(ask_name, answer_name, free_text=True),
    "lead_phone": Step(ask_phone, answer_phone),
    "lead_area": Step(ask_area, answer_area, free_text=True),
    "lead_time": Step(ask_time, answer_time, free_text=True),
    "ask": Step(ask_question_mode, answer_question, returns_after_faq=False),
    "idle": Step(ask_idle, answer_idle, returns_after_faq=False),
    "delete_confirm": Step(ask_delete, answer_delete),
    "news_consent": Step(ask_news_consent, answer_news_consent),
    "reminder_consent": Step(ask_reminder_consent, answer_reminder_consent),
}

GLOBAL: dict[str, Callable[[Turn], Outcome]] = {
    "menu": to_menu,
    "kind:person": choose_kind("person"),
    "kind:enterprise": choose_kind("enterprise"),
    "kind:household": choose_kind("household"),
    "lang:vi": switch_language("vi"),
    "lang:en": switch_language("en"),
    "help": ask_help,
    "ask": lambda turn: goto(turn, "ask"),
    "retry_name": lambda turn: goto(turn, "domain_name"),
    "mydata": show_my_data,
    "delete": lambda turn: goto(turn, "delete_confirm"),
    "subscribe": ask_subscribe,
    "remind18": ask_remind,
    "unsubscribe": unsubscribe,
}
