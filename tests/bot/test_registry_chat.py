"""A business resident gives its tax code in the chat, through bot.turns.Conversations on a
real database (SQLite and PostgreSQL): the registry answers for the founding date or the
certificate, the verdict is handlers.rules' on that date (boundary days included), the
registry's kind wins, and the lead recorded afterwards is verified (lead.business_id). A
tax code the registry does not hold leads to the usual questions and is never kept."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select

from bot.turns import Conversations
from db.models import Lead, VerdictCount
from db.store import Store
from db.tables import conversation_t
from handlers import rules
from handlers.content import Content
from handlers.types import Inbound, Reply
from tests.support import TODAY
from tests.support.businesses import (
    ENTERPRISE_CODE,
    HOUSEHOLD_CODE,
    UNLISTED_CODE,
    WRONG_CHECK_DIGIT,
    a_business,
)
from tests.support.conversations import LEAD_DIALOGUE
from tests.support.records import rows

BAKERY = "Công ty TNHH Bánh mì Kiến An"
TAILOR = "Hộ kinh doanh May đo Hoa"
ASK_HELP = LEAD_DIALOGUE[4:]  # after an eligible verdict: skip the name, ask for help…


class Chat:
    """One web resident talking to the bot, keeping the last reply."""

    def __init__(self, store: Store, content: Content, user: str = "web-1") -> None:
        self.conv = Conversations(store, content, lambda: TODAY)
        self.user = user
        self.reply = Reply()

    def say(self, *texts: str) -> Chat:
        for text in texts:
            reply = self.conv.handle_sync(Inbound("web", self.user, text=text))
            assert reply is not None
            self.reply = reply
        return self

    @property
    def text(self) -> str:
        return "\n".join(m.text for m in self.reply.messages)


def state(store: Store, user: str = "web-1") -> dict:
    with store.transaction() as tx:
        raw = tx.conn.execute(
            select(conversation_t.c.state).where(conversation_t.c.user_ref == user)
        ).scalar_one()
    return json.loads(raw) if isinstance(raw, str) else raw


@pytest.mark.parametrize(
    ("founded", "reason"),
    [
        (date(2025, 11, 26), rules.ELIGIBLE_NEW_ENTERPRISE),  # today is its last eligible day
        (date(2025, 11, 25), rules.ENTERPRISE_TOO_OLD),  # one year old today
    ],
)
def test_a_registered_enterprise_gets_the_registrys_date_and_the_rules_verdict(
    store: Store, content: Content, founded: date, reason: str
) -> None:
    a_business(store, ENTERPRISE_CODE, BAKERY, "enterprise", founded)
    chat = Chat(store, content).say("/start", "doanh nghiep", f"MST {ENTERPRISE_CODE}")
    expected = rules.check_enterprise(founded, TODAY, content.rules)
    e = chat.reply.eligibility
    assert e is not None and e.reason == reason == expected.reason
    assert (e.eligible, e.domain, e.eligible_until) == (
        expected.eligible,
        expected.domain,
        expected.eligible_until,
    )
    said = f"Theo danh sách của phường, doanh nghiệp “{BAKERY}” (mã số thuế {ENTERPRISE_CODE})"
    assert f"{said} thành lập ngày {founded:%d/%m/%Y}." in chat.text
    counted = rows(store, VerdictCount)
    assert [(c["applicant"], c["reason"]) for c in counted] == [("enterprise", reason)]


def test_a_registered_household_has_its_certificate_from_the_registry(
    store: Store, content: Content
) -> None:
    a_business(store, HOUSEHOLD_CODE, TAILOR, "household", date(2019, 4, 2))
    chat = Chat(store, content).say("/start", "ho kinh doanh", f"ma so thue: {HOUSEHOLD_CODE}")
    assert chat.reply.eligibility is not None
    assert chat.reply.eligibility.reason == rules.ELIGIBLE_HOUSEHOLD
    assert f"hộ kinh doanh “{TAILOR}”" in chat.text
    assert "đã có Giấy chứng nhận đăng ký hộ kinh doanh, cấp ngày 02/04/2019" in chat.text
    assert state(store)["step"] == "domain_name"


def test_the_registrys_kind_wins_and_the_resident_is_told_kindly(
    store: Store, content: Content
) -> None:
    a_business(store, ENTERPRISE_CODE, BAKERY, "enterprise", date(2026, 3, 1))
    chat = Chat(store, content).say("/start", "ho kinh doanh", ENTERPRISE_CODE)
    assert f"“{BAKERY}” được ghi là doanh nghiệp (không phải hộ kinh doanh)" in chat.text
    assert chat.reply.eligibility is not None
    assert chat.reply.eligibility.reason == rules.ELIGIBLE_NEW_ENTERPRISE
    assert [c["applicant"] for c in rows(store, VerdictCount)] == ["enterprise"]
    chat.say(*ASK_HELP)
    [lead] = rows(store, Lead)
    assert lead["applicant"] == "enterprise"


def test_the_lead_after_a_registry_verdict_is_verified(store: Store, content: Content) -> None:
    bakery = a_business(store, ENTERPRISE_CODE, BAKERY, "enterprise", date(2026, 3, 1))
    Chat(store, content).say("/start", "doanh nghiep", ENTERPRISE_CODE, *ASK_HELP)
    Chat(store, content, "web-2").say("/start", "doanh nghiep", "01/03/2026", *ASK_HELP[:4])
    Chat(store, content, "web-2").say("0987 654 321", *ASK_HELP[5:])
    verified, told = sorted(rows(store, Lead), key=lambda lead: lead["id"])
    assert verified["business_id"] == bakery and verified["reason"] == "eligible_new_enterprise"
    assert told["business_id"] is None  # the same answers, without a tax code


def test_a_registered_enterprise_without_a_date_is_asked_for_it_and_stays_verified(
    store: Store, content: Content
) -> None:
    bakery = a_business(store, ENTERPRISE_CODE, BAKERY, "enterprise", None)
    chat = Chat(store, content).say("/start", "doanh nghiep", ENTERPRISE_CODE)
    assert "danh sách chưa ghi ngày thành lập" in chat.text and "ngày nào" in chat.text
    assert chat.reply.eligibility is None and state(store)["step"] == "enterprise_founded"
    chat.say("01/03/2026")
    assert chat.reply.eligibility is not None
    assert chat.reply.eligibility.reason == rules.ELIGIBLE_NEW_ENTERPRISE
    chat.say(*ASK_HELP)
    [lead] = rows(store, Lead)
    assert lead["business_id"] == bakery


def test_a_tax_code_not_in_the_registry_leads_to_the_usual_questions_and_is_not_kept(
    store: Store, content: Content
) -> None:
    a_business(store, ENTERPRISE_CODE, BAKERY, "enterprise", date(2026, 3, 1))
    chat = Chat(store, content).say("/start", "doanh nghiep", f"mã số thuế {UNLISTED_CODE}")
    assert "Mã số thuế này chưa có trong danh sách của phường; mình hỏi thêm" in chat.text
    assert chat.reply.eligibility is None
    kept = state(store)
    assert kept["step"] == "enterprise_founded" and UNLISTED_CODE not in json.dumps(kept)
    chat.say("01/03/2026", *ASK_HELP)
    [lead] = rows(store, Lead)
    assert lead["business_id"] is None and UNLISTED_CODE not in json.dumps(lead, default=str)


def test_an_invalid_tax_code_keeps_the_step(store: Store, content: Content) -> None:
    chat = Chat(store, content).say("/start", "ho kinh doanh", f"mst {WRONG_CHECK_DIGIT}")
    assert "chưa giống mã số thuế" in chat.text
    assert state(store)["step"] == "household_certificate"
    chat.say("co")
    assert chat.reply.eligibility is not None
    assert chat.reply.eligibility.reason == rules.ELIGIBLE_HOUSEHOLD
