"""Tax codes in the chat, on the pure engine: the one reading (handlers.taxcodes, shared with
db.registry), what a typed message gives, which turns need the registry, and the business
questions answered with a tax code the registry does not hold or that is not one. The
registry's own answers are driven through the database in tests/bot/test_registry_chat.py."""

from __future__ import annotations

import json

import pytest

from db import registry
from handlers import engine, rules
from handlers.taxcodes import TaxCodeProblem, shown, tax_code, typed
from handlers.types import ConversationState, Inbound
from tests.support.businesses import ENTERPRISE_CODE, UNLISTED_CODE, WRONG_CHECK_DIGIT
from tests.support.resident import Resident


@pytest.fixture
def r(content) -> Resident:
    resident = Resident(content)
    resident.type("/start")
    return resident


# --- the reading -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("0101234565", "0101234565"),
        ("mst 0101234565", "0101234565"),
        ("MST: 0101 234 565", "0101234565"),
        ("Mã số thuế của công ty: 0101.234.565", "0101234565"),
        ("ma so thue 0101234565", "0101234565"),
        ("mã số doanh nghiệp 0101234565 ạ", "0101234565"),
        ("0101234565-001", "0101234565001"),
        ("chi nhánh 0101234565 - 001", "0101234565001"),
        ("tax code 0309876547", "0309876547"),
    ],
)
def test_a_tax_code_is_read_however_it_is_written(text: str, code: str) -> None:
    assert typed(text) == code


@pytest.mark.parametrize(
    "text",
    [
        WRONG_CHECK_DIGIT,  # ten digits, the check digit wrong
        "mst 123456",  # announced, too short
        "Mã số thuế: 01012345650",  # eleven digits
        "0912 345 678",  # a phone number is not a tax code
    ],
)
def test_something_given_as_a_tax_code_that_is_not_one(text: str) -> None:
    assert typed(text) is TaxCodeProblem.INVALID


@pytest.mark.parametrize(
    "text",
    ["10/01/2026", "10.01.2026", "ngày 10 tháng 1 năm 2026", "tháng 3/2025", "mst", "có", ""],
)
def test_dates_and_words_are_not_taken_for_a_tax_code(text: str) -> None:
    assert typed(text) is None


def test_the_registry_reads_tax_codes_with_the_chats_reading() -> None:
    assert registry.tax_code is tax_code and registry.shown is shown
    assert tax_code(" 0101234565-001 ") == "0101234565001"
    assert tax_code(WRONG_CHECK_DIGIT) is None and tax_code("abc") is None
    assert shown("0101234565001") == "0101234565-001" and shown("0101234565") == "0101234565"


def test_only_a_tax_code_typed_at_a_business_question_is_looked_up() -> None:
    at = ConversationState(step="enterprise_founded", slots={"applicant": "enterprise"})
    typed_code = Inbound("web", "u", text="mst 0101-234-565")
    assert engine.tax_code_to_look_up(at, typed_code) == ENTERPRISE_CODE
    household = ConversationState(step="household_certificate")
    assert engine.tax_code_to_look_up(household, typed_code) == ENTERPRISE_CODE
    assert engine.tax_code_to_look_up(at, Inbound("web", "u", text="10/01/2026")) is None
    assert engine.tax_code_to_look_up(at, Inbound("web", "u", text=WRONG_CHECK_DIGIT)) is None
    assert engine.tax_code_to_look_up(at, Inbound("web", "u", payload="yes")) is None
    phone_step = ConversationState(step="lead_phone", slots={"consented": True})
    assert engine.tax_code_to_look_up(phone_step, typed_code) is None


# --- the questions, without the registry --------------------------------------------------


def test_the_business_questions_offer_the_tax_code(r: Resident) -> None:
    r.tap("kind:enterprise")
    assert "mã số thuế" in r.text
    r.type("menu")
    r.tap("kind:household")
    assert "mã số thuế" in r.text and r.payloads == ["yes", "no"]


def test_a_wrong_tax_code_is_told_kindly_and_the_question_stays(r: Resident) -> None:
    r.tap("kind:enterprise")
    r.type(f"mst {WRONG_CHECK_DIGIT}")
    assert r.step == "enterprise_founded"
    assert "chưa giống mã số thuế" in r.text and "10 chữ số" in r.text and "13" in r.text
    assert r.eligibility is None and r.effects == []
    r.type("10/01/2026")  # the question is still open
    assert r.eligibility is not None
    assert r.eligibility.reason == rules.ELIGIBLE_NEW_ENTERPRISE


def test_a_tax_code_not_in_the_registry_leads_to_the_usual_question(r: Resident) -> None:
    r.tap("kind:enterprise")
    r.type(f"ma so thue {UNLISTED_CODE}")
    assert r.step == "enterprise_founded"
    assert "chưa có trong danh sách của phường" in r.text
    assert "mình hỏi thêm" in r.text and "ngày nào" in r.text
    assert "Xin lỗi" not in r.text and "mã số thuế (mã số doanh nghiệp)" not in r.text
    assert UNLISTED_CODE not in json.dumps(r.state.to_json())  # never kept
    r.type("15/12/2020")
    assert r.eligibility.reason == rules.ENTERPRISE_TOO_OLD
    assert "business_id" not in r.state.slots


def test_a_household_tax_code_not_in_the_registry_then_the_certificate_question(
    r: Resident,
) -> None:
    r.tap("kind:household")
    r.type(UNLISTED_CODE)
    assert r.step == "household_certificate" and r.payloads == ["yes", "no"]
    assert "chưa có trong danh sách của phường" in r.text
    r.type("co giay")
    assert r.eligibility.reason == rules.ELIGIBLE_HOUSEHOLD


def test_a_wrong_tax_code_in_english(r: Resident) -> None:
    r.type("English")
    r.tap("kind:household")
    assert "tax code" in r.text
    r.type("tax code 12345")
    assert r.step == "household_certificate"
    assert "does not look like a tax code" in r.text
