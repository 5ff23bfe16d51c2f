"""Residents typing the way they type (issue 9): a question at any step is answered and the
step asked again in one short line, never stored as an answer; names and domain ideas are
checked; several facts in one message fill every slot; teencode, numbers in words and
relative dates; asking for someone else. Driven through the engine as a resident would."""

from __future__ import annotations

from datetime import date

import pytest

from handlers import rules
from handlers.types import CountVerdict, RecordLead
from tests.support.resident import Resident


@pytest.fixture
def r(content) -> Resident:
    resident = Resident(content)
    resident.type("/start")
    return resident


def to_lead_name(r: Resident) -> None:
    r.tap("kind:person")
    r.type("20 tuổi")
    r.type("có")
    r.tap("skip")
    r.tap("callback")
    r.type("đồng ý")
    assert r.step == "lead_name"


def test_a_question_at_the_menu_naming_id_vn_is_answered_not_started(r: Resident) -> None:
    r.type("id.vn là gì")
    assert r.step == "start" and "công dân Việt Nam" in r.said[0].text
    assert "kind:person" in r.payloads and len(r.said[-1].text) < 80  # one short line


def test_the_readme_question_is_found_in_just_asking_mode(r: Resident) -> None:
    r.tap("ask")
    r.type("phí gia hạn bao nhiêu")
    assert r.step == "ask" and "phí duy trì" in r.said[0].text


def test_a_question_at_the_name_step_is_never_stored_as_the_name(r: Resident) -> None:
    to_lead_name(r)
    r.type("ủa mà có an toàn không, lộ sđt thì sao")
    assert r.step == "lead_name" and "name" not in r.state.slots
    assert r.said[-1].text == "Bạn cho mình xin họ và tên nhé."
    r.type("Trần Thị Hồng")  # a name ending like "hông" is a name
    assert r.step == "lead_phone" and r.state.slots["name"] == "Trần Thị Hồng"


def test_an_unknown_question_is_answered_honestly_with_the_way_to_a_person(r: Resident) -> None:
    to_lead_name(r)
    r.type("Nguyễn Văn An")
    r.type("nhà văn hóa tổ mình có wifi không?")  # nothing in the FAQ says
    assert r.step == "lead_phone" and "phone" not in r.state.slots
    assert "chưa chắc" in r.said[0].text and "help" in r.payloads


def test_a_question_about_scams_at_the_phone_step_is_answered_from_the_faq(r: Resident) -> None:
    to_lead_name(r)
    r.type("Nguyễn Văn An")
    r.type("ai gọi cho mình vậy, có phải lừa đảo không?")
    assert r.step == "lead_phone" and "phone" not in r.state.slots
    assert "OTP" in r.said[0].text and "chưa chắc" not in r.text
    assert r.said[-1].text == "Bạn cho mình xin số điện thoại nhé."


def test_a_question_at_the_domain_step_never_becomes_a_suggestion(r: Resident) -> None:
    r.tap("kind:person")
    r.type("20t")
    r.type("ok")
    assert r.step == "domain_name"
    r.type("homnaydangkythibaolauthicotenmien")
    assert r.step == "domain_name" and ".id.vn" not in r.text
    r.type("hôm nay đăng ký thì bao lâu có tên miền")
    assert r.step == "domain_name" and "homnay" not in r.text


@pytest.mark.parametrize(
    ("typed", "why"),
    [
        ("An", "cả họ và tên"),
        ("Nguyễn Văn An 1990", "không có chữ số"),
        ("mình tên là an nhưng mà mình đang bận nên để tối nhé", "dài quá"),
        ("www.nguyenvanan.vn", "đường dẫn"),
    ],
)
def test_a_name_that_is_not_a_name_is_explained_and_asked_again(
    r: Resident, typed: str, why: str
) -> None:
    to_lead_name(r)
    r.type(typed)
    assert r.step == "lead_name" and "name" not in r.state.slots and why in r.text


def test_a_business_name_may_hold_digits_and_ampersand(r: Resident) -> None:
    r.type("nhà mình bán tạp hóa, có giấy phép kinh doanh rồi")
    r.tap("skip")
    r.tap("callback")
    r.type("đồng ý")
    r.type("Tạp hóa Minh & Con 24")
    assert r.step == "lead_phone" and r.state.slots["name"] == "Tạp hóa Minh & Con 24"


def test_a_long_domain_idea_is_explained_and_asked_again(r: Resident) -> None:
    r.type("mình 21 tuổi, người việt nam")
    assert r.step == "domain_name"
    r.type("mình muốn đặt tên miền theo tên mình và tên cửa hàng của mẹ mình luôn")
    assert r.step == "domain_name" and "tối đa 6 chữ" in r.text


def test_kind_and_age_in_one_message_ask_only_citizenship(r: Resident) -> None:
    r.type("sv năm 2, 20 tuổi")
    assert r.step == "person_citizen"
    r.type("vâng")
    assert r.eligibility.reason == rules.ELIGIBLE_YOUTH


def test_kind_age_and_citizenship_in_one_message_give_the_verdict(r: Resident) -> None:
    r.type("em là sinh viên, năm nay hai mươi mốt tuổi, quốc tịch việt nam ạ")
    assert r.eligibility.reason == rules.ELIGIBLE_YOUTH and r.step == "domain_name"


def test_a_birth_year_at_the_menu_gives_a_verdict_object(r: Resident) -> None:
    r.type("mình đẻ năm 99")
    e = r.eligibility
    assert e is not None and e.reason == rules.TOO_OLD and not e.eligible
    assert r.recorded(CountVerdict) == [CountVerdict("person", rules.TOO_OLD, None)]


def test_an_age_over_the_limit_at_the_menu_gives_a_verdict_object(r: Resident) -> None:
    r.type("toi 30 tuoi")
    assert r.eligibility.reason == rules.TOO_OLD


def test_a_year_that_straddles_the_limit_still_asks_for_the_date(r: Resident) -> None:
    r.type("mình sinh năm 2008")
    assert r.step == "person_birth" and "ngày sinh đầy đủ" in r.text


def test_an_enterprise_and_its_founding_month_in_one_message(r: Resident) -> None:
    r.type("cty tnhh bên mình mở hồi tháng 3 năm nay")
    e = r.eligibility
    assert e.reason == rules.ELIGIBLE_NEW_ENTERPRISE and e.domain == "biz.vn"


def test_relative_dates_are_read_on_the_engines_today(content) -> None:
    later = Resident(content, today=date(2027, 6, 1))
    later.type("/start")
    later.type("cty mình thành lập tháng 3 năm nay")
    assert later.eligibility.reason == rules.PROGRAM_ENDED  # 2027: after the programme
    r = Resident(content)
    r.type("/start")
    r.type("công ty em thành lập năm ngoái")  # 2025: the day decides
    assert r.step == "enterprise_founded" and "ngày cụ thể" in r.text


def test_a_household_with_its_certificate_in_one_message(r: Resident) -> None:
    r.type("nhà mình bán tạp hóa, có giấy phép kinh doanh rồi")
    assert r.eligibility.reason == rules.ELIGIBLE_HOUSEHOLD


def test_a_household_question_is_a_question_not_an_answer(r: Resident) -> None:
    r.tap("kind:household")
    r.type("chưa có giấy thì sao")
    assert r.step == "household_certificate" and r.eligibility is None
    r.type("chưa")
    assert r.eligibility.reason == rules.HOUSEHOLD_NO_CERTIFICATE


@pytest.mark.parametrize(("typed", "reason"), [("có", "eligible_youth"), ("ko", "not_citizen")])
def test_yes_and_no_alone_are_answers_at_yes_no_steps(r: Resident, typed: str, reason: str) -> None:
    r.tap("kind:person")
    r.type("15/03/2005")
    r.type(typed)
    assert r.eligibility.reason == reason


def test_a_question_at_the_consent_step_keeps_its_buttons_in_one_short_line(r: Resident) -> None:
    r.tap("kind:person")
    r.type("20")
    r.type("co")
    r.tap("skip")
    r.tap("callback")
    assert r.step == "consent"
    r.type("thông tin của mình có an toàn không")
    assert r.step == "consent" and r.payloads[-2:] == ["yes", "no"]
    assert len(r.said[-1].text) < 80
    r.type("đồng ý")
    assert r.step == "lead_name"


def test_asking_for_a_daughter_the_verdict_is_hers_and_the_lead_is_the_askers(
    r: Resident,
) -> None:
    r.type("con gái tôi 17 tuổi")
    e = r.eligibility
    assert e.reason == rules.TOO_YOUNG
    assert "người thân" in r.said[0].text
    assert "remind18" not in r.payloads  # the reminder would be the asker's, not hers
    assert "help" in r.payloads  # the asker is an adult: they may ask for a person,
    r.tap("help")
    assert "callback" in r.payloads  # and leave their contact for a call back
    r.tap("callback")
    r.type("đồng ý")
    r.type("Nguyễn Văn Bình")
    r.type("0912345678")
    r.type("tổ 3")
    r.type("buổi tối")
    [lead] = r.recorded(RecordLead)
    assert lead.for_relative and lead.name == "Nguyễn Văn Bình" and lead.reason == "too_young"


def test_asking_for_a_grandchild_first_then_the_age(r: Resident) -> None:
    r.type("tôi hỏi cho cháu")
    assert r.step == "start" and "người thân" in r.text
    r.tap("kind:person")  # a tap starts afresh: the check is the resident's own again
    r.type("con tôi 19 tuổi")
    assert r.step == "person_citizen" and "Người bạn hỏi giúp" in r.text
    r.type("có")
    assert r.eligibility.reason == rules.ELIGIBLE_YOUTH


def test_a_resident_checking_for_themselves_leaves_a_lead_that_is_their_own(
    r: Resident,
) -> None:
    to_lead_name(r)
    r.type("Lê Thị Thu Hà")
    r.type("0987 654 321")
    r.type("khác")
    r.type("sáng")
    [lead] = r.recorded(RecordLead)
    assert not lead.for_relative and lead.name == "Lê Thị Thu Hà"
