"""The flow in one table: every step by the name stored in conversation state
(:data:`STEPS`), and what a person can do at any point (:data:`GLOBAL`, by payload).

Step names never change: stored conversations refer to them. Nothing but the two tables
lives here. Imports only ``handlers`` (turn, types, and the feature modules of
``handlers.steps``).
"""

from __future__ import annotations

from collections.abc import Callable

from handlers.steps import (
    business,
    ideas,
    lead,
    mydata,
    news,
    person,
    questions,
    registered,
    start,
    training,
)
from handlers.steps.consent import consent_step
from handlers.steps.moves import to
from handlers.turn import Outcome, Step, Turn
from handlers.types import LANGUAGES, Purpose

STEPS: dict[str, Step] = {
    # the greeting and "who are you?"; the idle prompt once a flow has ended
    "start": Step(start.ask_start, start.answer_start, returns_after_faq=False),
    "idle": Step(start.ask_idle, start.answer_idle, returns_after_faq=False),
    "ask": Step(questions.ask_question_mode, questions.answer_question, returns_after_faq=False),
    # who is asking: then the verdict (handlers.steps.verdict)
    "person_birth": Step(person.ask_birth, person.answer_birth),
    "person_citizen": Step(person.ask_citizen, person.answer_citizen),
    "enterprise_founded": Step(business.ask_founded, business.answer_founded, reads_tax_code=True),
    "household_certificate": Step(
        business.ask_certificate, business.answer_certificate, reads_tax_code=True
    ),
    # eligible: a domain name, then the offer of help
    "domain_name": Step(ideas.ask_domain, ideas.answer_domain, free_text=True),
    "offer_help": Step(ideas.ask_offer_help, ideas.answer_offer_help, free_text=True),
    # help: consent, then the contact details
    "consent": consent_step(
        Purpose.LEAD, "consent.notice", lead.consent_answered, lead.notice_details
    ),
    "lead_name": Step(lead.ask_name, lead.answer_name, free_text=True),
    "lead_phone": Step(lead.ask_phone, lead.answer_phone),
    "lead_area": Step(lead.ask_area, lead.answer_area, free_text=True),
    "lead_time": Step(lead.ask_time, lead.answer_time, free_text=True),
    # news and the birthday reminder: consents of their own
    "news_consent": consent_step(Purpose.NEWS, "news.notice", news.news_answered),
    "reminder_consent": consent_step(
        Purpose.REMINDER, "reminder.notice", news.reminder_answered, news.reminder_details
    ),
    # the person's own data
    "delete_confirm": Step(mydata.ask_delete, mydata.answer_delete),
    # "I registered": the name of the domain
    registered.STEP: Step(registered.ask_domain, registered.answer_domain, free_text=True),
    # training sessions (tập huấn): choose one, a consent of its own, name and phone; cancel
    training.PICK: Step(training.ask_pick, training.answer_pick),
    training.FULL: Step(training.ask_full, training.answer_full),
    training.CONSENT: consent_step(
        Purpose.TRAINING, "training_chat.notice", training.consent_answered, training.notice_details
    ),
    training.REUSE: Step(training.ask_reuse, training.answer_reuse),
    training.NAME: Step(training.ask_name, training.answer_name, free_text=True),
    training.PHONE: Step(training.ask_phone, training.answer_phone),
    training.CANCEL_PICK: Step(training.ask_cancel_pick, training.answer_cancel_pick),
    training.CANCEL_CONFIRM: Step(training.ask_cancel_confirm, training.answer_cancel_confirm),
}

GLOBAL: dict[str, Callable[[Turn], Outcome]] = {
    "menu": start.to_menu,
    "kind:person": start.choose_kind("person"),
    "kind:enterprise": start.choose_kind("enterprise"),
    "kind:household": start.choose_kind("household"),
    **{f"lang:{lang}": start.switch_language(lang) for lang in LANGUAGES},
    "help": lead.show_help_point,
    "callback": lead.ask_help,
    "ask": to("ask"),
    "retry_name": to("domain_name"),
    "mydata": mydata.show_my_data,
    "delete": to("delete_confirm"),
    "subscribe": news.ask_subscribe,
    "remind18": news.ask_remind,
    "unsubscribe": news.unsubscribe,
    "registered": registered.report_registered,
    "registered:not_yet": registered.not_yet,
    "training": training.show_sessions,
    "training_cancel": training.cancel,
}
