"""Each conversation flow driven through the engine the way a resident would: taps, typed
numbers, typed words with and without diacritics, questions in the middle, mistakes."""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from handlers import rules
from handlers.content import Content, load_content
from handlers.engine import step
from handlers.steps.flow import GLOBAL, STEPS
from handlers.types import (
    CountVerdict,
    DeleteMyData,
    Inbound,
    RecordConsent,
    RecordLead,
    ShowMyData,
)
from tests.support import ROOT, TODAY
from tests.support.resident import Resident

PROGRAM_SITE = "https://hiendienonline.tenmien.vn"


@pytest.fixture
def r(content) -> Resident:
    resident = Resident(content)
    resident.type("/start")
    return resident


def test_the_greeting_says_what_the_assistant_does_and_asks_who(r: Resident) -> None:
    assert "id.vn" in r.text and "biz.vn" in r.text and "phường Kiến An" in r.text
    assert r.payloads == ["kind:person", "kind:enterprise", "kind:household", "ask"]


def test_any_first_message_gets_the_greeting(content) -> None:
    r = Resident(content)
    r.type("alo")
    assert "Xin chào" in r.text and r.payloads[:3] == [
        "kind:person",
        "kind:enterprise",
        "kind:household",
    ]


def test_a_first_message_that_is_a_question_is_answered_then_greeted(content) -> None:
    r = Resident(content)
    r.type("id.vn là gì")
    assert "công dân Việt Nam" in r.said[0].text
    assert "Xin chào" in r.text and "kind:person" in r.payloads


def test_young_citizen_by_taps_reaches_eligible_with_link_and_dates(r: Resident) -> None:
    r.tap("kind:person")
    assert r.step == "person_birth"
    r.type("15/03/2005")
    assert r.step == "person_citizen"
    r.tap("yes")
    e = r.eligibility
    assert e is not None and e.eligible and e.reason == rules.ELIGIBLE_YOUTH
    assert e.domain == "id.vn" and e.eligible_until == date(2026, 12, 31)
    assert "rất có thể đủ điều kiện" in r.text
    # the end date is the ward plan's horizon, not a firm deadline (facts/program.md §0, §9)
    assert "31/12/2026" not in e.message and "đến tháng 12/2026" in e.message
    assert "xác nhận ưu đãi với nhà đăng ký khi đăng ký" in e.message
    assert PROGRAM_SITE in r.links
    # the offer comes in short messages: what it is, what to prepare, the steps
    offer = [m.text for m in r.said if m.text.startswith(("Ưu đãi:", "Bạn cần", "Các bước"))]
    assert len(offer) == 3 and all(len(t) <= 450 for t in offer)
    assert r.step == "domain_name"
    assert r.recorded(CountVerdict) == [CountVerdict("person", rules.ELIGIBLE_YOUTH, None)]
    assert "birth_first" not in r.state.slots  # the birth date is not kept after the verdict


def test_typed_answers_without_diacritics(r: Resident) -> None:
    r.type("toi la sinh vien")
    assert r.step == "person_birth"
    r.type("ngay 15 thang 3 nam 2005")
    r.type("co")
    assert r.eligibility.reason == rules.ELIGIBLE_YOUTH


def test_a_typed_number_picks_the_numbered_choice(r: Resident) -> None:
    r.type("3")
    assert r.step == "household_certificate"
    r.type("1")
    assert r.eligibility.reason == rules.ELIGIBLE_HOUSEHOLD


def test_an_age_alone_decides_when_every_birth_date_agrees(r: Resident) -> None:
    r.tap("kind:person")
    r.type("tôi 20 tuổi")
    assert r.step == "person_citizen"
    r.type("vâng")
    assert r.eligibility.reason == rules.ELIGIBLE_YOUTH


def test_a_birth_year_that_straddles_18_asks_for_the_full_date_saying_why(r: Resident) -> None:
    r.tap("kind:person")
    r.type("sinh năm 2008")
    assert r.step == "person_birth"
    assert "chưa kết luận được" in r.text and "ngày sinh đầy đủ" in r.text
    r.type("20/12/2008")
    e = r.eligibility
    assert e.reason == rules.TOO_YOUNG and e.eligible_from == date(2026, 12, 20)
    assert "20/12/2026" in r.text


def test_too_young_by_age_names_the_birthday(r: Resident) -> None:
    r.tap("kind:person")
    r.type("17")
    assert r.eligibility.reason == rules.TOO_YOUNG
    assert "chưa đủ 18 tuổi" in r.text
    # no promise for after the programme: come back if 18 comes before its end (the plan's)
    assert "trước khi chương trình kết thúc" in r.text and "tháng 12/2026" in r.text
    assert "help" in r.payloads  # 17: may ask the team for help


def test_under_16_is_never_asked_for_contact_details(r: Resident) -> None:
    r.tap("kind:person")
    r.type("14 tuổi")
    assert r.eligibility.reason == rules.TOO_YOUNG
    assert "help" not in r.payloads and "bố mẹ" in r.text
    r.type("nhờ hỗ trợ")
    assert "chưa đủ 16 tuổi" in r.text
    assert r.step != "consent" and not r.recorded(RecordConsent)


def test_too_old_gets_normal_price_options_with_state_fees(r: Resident) -> None:
    r.tap("kind:person")
    r.type("30 tuoi")
    assert r.eligibility.reason == rules.TOO_OLD
    assert "50.000 đồng/năm" in r.text and "id.vn" in r.text
    assert "name.vn" not in r.text  # no source says name.vn suits them
    assert set(r.payloads) >= {"menu", "ask", "help"}  # never a dead end


def test_not_a_citizen(r: Resident) -> None:
    r.tap("kind:person")
    r.type("2005-03-15")
    r.type("không")
    assert r.eligibility.reason == rules.NOT_CITIZEN


def test_new_enterprise_is_eligible_until_the_day_before_its_first_anniversary(
    content,
) -> None:
    r = Resident(content, today=date(2026, 3, 1))
    r.type("/start")
    r.type("doanh nghiệp")
    assert r.step == "enterprise_founded"
    r.type("10/01/2026")
    assert r.eligibility.reason == rules.ELIGIBLE_NEW_ENTERPRISE
    assert r.eligibility.eligible_until == date(2026, 12, 31)  # capped by the programme's end
    r2 = Resident(content, today=date(2026, 3, 1))
    r2.type("/start")
    r2.type("cong ty")
    r2.type("10/06/2025")
    assert r2.eligibility.eligible_until == date(2026, 6, 9)
    assert "09/06/2026" in r2.text


def test_old_enterprise_is_offered_normal_price(r: Resident) -> None:
    r.type("công ty")
    r.type("01/06/2025")
    assert r.eligibility.reason == rules.ENTERPRISE_TOO_OLD
    assert "biz.vn" in r.text and "250.000" in r.text


def test_a_founding_month_that_straddles_the_anniversary_asks_for_the_day(r: Resident) -> None:
    r.type("doanh nghiep")
    r.type("tháng 11/2025")
    assert r.step == "enterprise_founded" and "ngày cụ thể" in r.text
    r.type("28/11/2025")
    assert r.eligibility.reason == rules.ELIGIBLE_NEW_ENTERPRISE


def test_household_without_certificate_learns_how_to_get_one(r: Resident) -> None:
    r.type("ho kinh doanh")
    r.type("chưa có")
    assert r.eligibility.reason == rules.HOUSEHOLD_NO_CERTIFICATE
    assert "Trung tâm phục vụ hành chính công" in r.text
    assert "menu" in r.payloads


def test_a_question_mid_flow_is_answered_then_the_question_asked_again(r: Resident) -> None:
    r.tap("kind:person")
    r.type("sau 2 nam co mat phi khong")
    assert "50.000" in r.said[0].text  # the FAQ answer about fees after the free years
    assert r.step == "person_birth"
    assert "bạn sinh ngày nào" in r.said[-1].text and len(r.said[-1].text) < 80  # one short line
    r.type("15/03/2005")
    assert r.step == "person_citizen"


@pytest.mark.parametrize(
    ("typed", "hint"),
    [
        ("31/02/2005", "không có trên lịch"),
        ("15/03/2030", "tương lai"),
        ("🙂🙂🙂", "chưa đọc được ngày"),
        ("'; DROP TABLE lead; --", "chưa đọc được ngày"),
        ("a" * 3000, "dài quá"),
    ],
)
def test_nonsense_gets_a_friendly_reask_with_an_example(r: Resident, typed: str, hint: str) -> None:
    r.tap("kind:person")
    r.type(typed)
    assert hint in r.text and "15/03/2005" in r.text
    assert r.step == "person_birth"


def test_three_misses_in_a_row_offer_the_menu_or_a_person(r: Resident) -> None:
    r.tap("kind:person")
    r.type("abc")
    r.type("xyz")
    assert "help" not in r.payloads
    r.type("???")
    assert {"menu", "help"} <= set(r.payloads)
    assert r.step == "person_birth"  # still waiting; a right answer still works
    r.type("15/03/2005")
    assert r.step == "person_citizen" and r.state.misses == 0


def test_english_on_request_and_back(r: Resident) -> None:
    r.tap("kind:person")
    r.type("English")
    assert r.state.lang == "en" and "born" in r.text.lower()
    r.type("15/03/2005")
    r.type("yes")
    assert "very likely" in r.text.lower()
    r.type("Tiếng Việt")
    assert r.state.lang == "vi"


def _to_consent(r: Resident) -> None:
    r.tap("kind:person")
    r.type("15/03/2005")
    r.tap("yes")
    r.tap("skip")
    r.tap("callback")  # "Có, nhờ cán bộ gọi lại"
    assert r.step == "consent"


def test_consent_notice_says_who_why_how_long_and_how_to_withdraw(r: Resident) -> None:
    _to_consent(r)
    notice = r.said[-1].text
    assert "Tổ công nghệ số cộng đồng" in notice and "Phòng Văn hóa – Xã hội" in notice
    assert "30/06/2027" in notice  # the programme's end + 6 months
    assert "xóa dữ liệu" in notice and "xem dữ liệu" in notice and "căn cước" in notice
    assert "họ tên" in notice and "số điện thoại" in notice and "tổ dân phố" in notice
    assert "Phiên bản" not in notice and "lead-2026" not in notice  # the version: in the record
    assert len(notice) <= 450 and max(len(line) for line in notice.splitlines()) <= 120
    assert r.payloads == ["yes", "no"]


def test_declining_consent_asks_nothing_personal(r: Resident) -> None:
    _to_consent(r)
    r.type("không đồng ý")
    assert r.step == "idle"
    [consent] = r.recorded(RecordConsent)
    assert consent.granted is False
    assert not r.recorded(RecordLead)
    # the in-person route stays open
    assert "gặp trực tiếp" in r.text and "Phòng Văn hóa – Xã hội" in r.text


def test_an_unclear_answer_to_consent_is_asked_again_and_records_nothing(r: Resident) -> None:
    _to_consent(r)
    r.type("để mình nghĩ thêm đã")  # neither agree nor disagree
    assert r.step == "consent"
    assert 'Bạn bấm "Đồng ý" hoặc "Không đồng ý" giúp mình nhé.' in r.text
    assert not r.recorded(RecordConsent) and not r.recorded(RecordLead)


def test_a_lead_with_consent_records_every_detail(r: Resident) -> None:
    r.type("/start hoiphunu")
    _to_consent(r)
    notice = r.said[-1].text
    r.type("dong y")
    [consent] = r.recorded(RecordConsent)
    assert consent.granted and consent.version == "lead-2026-11-v1"
    assert consent.text_hash == hashlib.sha256(notice.encode()).hexdigest()
    r.type("Trần Thị Bình")
    r.type("12345")
    assert "chưa đúng" in r.text and r.step == "lead_phone"
    r.type("84-912-345-678")
    assert r.step == "lead_area"
    r.type("tổ 5, khu Trần Thành Ngọ")  # the ward listed no tổ dân phố: typed as said
    assert r.step == "lead_time"
    r.type("sau 17h các ngày trong tuần")
    [lead] = r.recorded(RecordLead)
    assert lead == RecordLead(
        applicant="person",
        reason=rules.ELIGIBLE_YOUTH,
        name="Trần Thị Bình",
        phone="+84912345678",
        area="tổ 5, khu Trần Thành Ngọ",
        contact_time="sau 17h các ngày trong tuần",
        source="hoiphunu",
    )
    assert "0912 345 678" in r.text and "tổ 5, khu Trần Thành Ngọ" in r.text
    assert "name" not in r.state.slots and "phone" not in r.state.slots


def test_the_area_may_be_skipped_and_times_carry_no_made_up_hours(r: Resident) -> None:
    _to_consent(r)
    r.tap("yes")
    r.type("Lê Văn Cường")
    r.type("0987654321")
    assert r.payloads == ["skip"]  # the ward listed no tổ dân phố: none is made up
    assert "Tổ dân phố 1" not in r.text
    r.type("²")  # not a number of a tổ dân phố
    assert r.step == "lead_area"
    r.tap("skip")
    assert r.step == "lead_time"
    assert not any(ch.isdigit() for m in r.said for b in m.buttons for ch in b.title)
    r.tap("time:any")
    [lead] = r.recorded(RecordLead)
    assert lead.area == "Chưa cho biết" and lead.contact_time == "Lúc nào cũng được"


def _ward_fills_in(tmp_path: Path, old: str, new: str) -> Content:
    """The real content/ with ward.yaml's ``old`` lines replaced: what the ward filled in."""
    copy = tmp_path / "content"
    shutil.copytree(ROOT / "content", copy)
    ward = copy / "ward.yaml"
    text = ward.read_text(encoding="utf-8")
    assert old in text
    ward.write_text(text.replace(old, new, 1), encoding="utf-8")
    return load_content(copy)


def test_a_number_alone_is_that_tổ_dân_phố(r: Resident) -> None:
    _to_consent(r)
    r.tap("yes")
    r.type("Lê Văn Cường")
    r.type("0987654321")
    r.type("5")
    r.tap("time:any")
    [lead] = r.recorded(RecordLead)
    assert lead.area == "Tổ dân phố 5"


def test_the_wards_tổ_dân_phố_are_buttons_once_listed(tmp_path: Path) -> None:
    listed = _ward_fills_in(tmp_path, "areas: []", 'areas: ["Tổ dân phố Lãm Hà"]')
    r = Resident(listed)
    r.type("/start")
    _to_consent(r)
    r.tap("yes")
    r.type("Lê Văn Cường")
    r.type("0987654321")
    assert r.payloads == ["area:0", "area:other", "skip"]
    r.type("lam ha")
    r.tap("time:any")
    [lead] = r.recorded(RecordLead)
    assert lead.area == "Tổ dân phố Lãm Hà"


@pytest.mark.parametrize("typed", ["gặp cán bộ", "xin số điện thoại cán bộ", "gap can bo"])
@pytest.mark.parametrize("where", ["start", "person_birth", "domain_name", "lead_name", "idle"])
def test_asking_for_a_person_at_any_step_gives_the_help_point(
    r: Resident, typed: str, where: str
) -> None:
    moves = {
        "start": (),
        "person_birth": ("kind:person",),
        "domain_name": ("kind:person", "15/03/2005", "yes"),
        "lead_name": ("kind:person", "15/03/2005", "yes", "skip", "callback", "yes"),
        "idle": ("kind:person", "30 tuổi"),
    }[where]
    for move in moves:
        r.tap(move) if move in r.payloads else r.type(move)
    assert r.step == where
    before = len(r.effects)
    r.type(typed)
    assert r.step == where and len(r.effects) == before  # nothing recorded; asked again
    assert "gặp trực tiếp" in r.text and "Phòng Văn hóa – Xã hội phường Kiến An" in r.text
    # the ward gave no phone number: none is shown, and that is said
    assert "chưa được phường cung cấp số điện thoại" in r.text
    assert not any(c.isdigit() for c in r.said[0].text)
    assert "callback" in r.payloads
    if where != "lead_name":  # a call back: the consent first
        r.tap("callback")
        assert r.step == "consent"


def test_a_call_back_asked_in_words_goes_to_the_consent(r: Resident) -> None:
    r.type("nhờ cán bộ gọi lại")
    assert r.step == "consent"
    r.type("không đồng ý")
    assert "gặp trực tiếp" in r.text  # declining still leaves the in-person route


def test_the_help_point_shows_what_the_ward_filled_in(tmp_path: Path) -> None:
    filled = _ward_fills_in(
        tmp_path,
        '  # place: "…"',
        '  place: "Trung tâm phục vụ hành chính công phường"\n'
        '  hours: "sáng thứ Hai"\n  hotline: "0225 000 000"',
    )
    r = Resident(filled)
    r.type("/start")
    r.type("xin số điện thoại cán bộ")
    assert "tại Trung tâm phục vụ hành chính công phường" in r.text
    assert "Giờ tiếp: sáng thứ Hai" in r.text and "Điện thoại: 0225 000 000" in r.text
    assert "chưa được phường cung cấp" not in r.text
    r.type("nhờ cán bộ gọi lại")
    r.type("không đồng ý")
    assert "tại Trung tâm phục vụ hành chính công phường" in r.text


def test_contact_time_typed_with_call_back_words_is_a_contact_time(r: Resident) -> None:
    _to_consent(r)
    r.tap("yes")
    r.type("Lê Văn Cường")
    r.type("0987654321")
    r.tap("skip")
    r.type("cán bộ gọi lại sau 17h giúp em")
    [lead] = r.recorded(RecordLead)
    assert lead.contact_time == "cán bộ gọi lại sau 17h giúp em"


def test_a_name_that_is_not_a_name_is_reasked(r: Resident) -> None:
    _to_consent(r)
    r.tap("yes")
    r.type("0912345678")
    assert r.step == "lead_name" and "Nguyễn Văn An" in r.text


def test_domain_ideas_from_a_name(r: Resident) -> None:
    r.tap("kind:person")
    r.type("15/03/2005")
    r.tap("yes")
    r.type("Nguyễn Văn An")
    assert "nguyenvanan.id.vn" in r.text and "annguyen.id.vn" in r.text
    assert r.step == "offer_help"
    r.type("an--nguyen")  # another try, typed as a domain
    assert "hai dấu gạch ngang" in r.text and "an-nguyen.id.vn" in r.text
    r.type("tiền")
    assert "không dùng chữ có dấu" in r.text and "tien.id.vn" in r.text


def test_domain_ideas_for_a_shop(r: Resident) -> None:
    r.type("hộ kinh doanh")
    r.tap("yes")
    r.type("Bánh mì Hương Lan")
    assert "banhmihuonglan.biz.vn" in r.text


def test_question_mode_answers_and_admits_what_it_does_not_know(r: Resident) -> None:
    r.tap("ask")
    r.type("can giay to gi")
    assert r.step == "ask" and "căn cước" in r.said[0].text
    r.type("giá vàng hôm nay bao nhiêu")
    assert "chưa có câu trả lời" in r.text and "help" in r.payloads


def test_start_with_a_source_remembers_it_and_ignores_a_bad_one(content) -> None:
    r = Resident(content)
    r.type("/start doanthanhnien")
    assert r.state.source == "doanthanhnien"
    r.type("/start <script>")
    assert r.state.source == "doanthanhnien"


def test_my_data_and_delete(r: Resident) -> None:
    r.type("xem dữ liệu của tôi")
    assert r.recorded(ShowMyData)
    r.type("/xoa")
    assert r.step == "delete_confirm"
    r.type("không")
    assert not r.recorded(DeleteMyData)
    r.type("xóa dữ liệu")
    r.tap("yes")
    assert r.recorded(DeleteMyData) and r.state is None


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("name", sorted(STEPS))
def test_every_step_asks_its_question_in_both_languages(
    content,
    name: str,
    lang: str,
) -> None:
    from handlers.turn import Turn
    from handlers.types import ConversationState, Inbound

    slots = {"applicant": "person", "remind_on": "2026-12-20"}  # what each step may need
    state = ConversationState(step=name, lang=lang, slots=slots)
    turn = Turn(state, Inbound("t", "u"), date(2026, 11, 25), content, STEPS)
    messages = STEPS[name].ask(turn)
    assert messages and all(m.text.strip() for m in messages)


def test_a_child_stays_protected_after_going_back_to_the_menu(r: Resident) -> None:
    r.tap("kind:person")
    r.type("13")
    r.type("menu")
    r.type("nhờ hỗ trợ")
    assert r.step != "consent" and "chưa đủ 16 tuổi" in r.text


def _to_idle_after_a_verdict(r: Resident) -> None:
    r.type("/start doanthanhnien")
    r.tap("kind:person")
    r.type("30 tuổi")
    assert r.step == "idle" and "subscribe" in r.payloads


def test_news_has_its_own_consent_and_stop_works_at_once(r: Resident) -> None:
    from handlers.types import Subscribe, Unsubscribe

    _to_idle_after_a_verdict(r)
    r.tap("subscribe")
    assert r.step == "news_consent" and "ngừng nhận tin" in r.text
    assert "news-2026-11-v1" not in r.text and "2 tin mỗi tháng" not in r.text
    r.type("đồng ý")
    [consent] = r.recorded(RecordConsent)
    assert consent.purpose == "news" and consent.granted
    assert r.recorded(Subscribe) == [Subscribe("person", rules.TOO_OLD, "doanthanhnien", "vi")]
    assert "subscribe" not in r.payloads  # not offered twice
    r.type("ngung nhan tin")
    assert r.recorded(Unsubscribe) and "ngừng nhận tin" in r.text
    assert "subscribe" in r.payloads
    r.type("/stop")
    assert len(r.recorded(Unsubscribe)) == 2  # always confirmed, never an error


def test_declining_news_records_the_refusal_only(r: Resident) -> None:
    from handlers.types import Subscribe

    _to_idle_after_a_verdict(r)
    r.type("đăng ký nhận tin")
    r.type("không")
    [consent] = r.recorded(RecordConsent)
    assert consent.purpose == "news" and not consent.granted
    assert not r.recorded(Subscribe)


def test_a_child_cannot_subscribe(r: Resident) -> None:
    from handlers.types import Subscribe

    r.tap("kind:person")
    r.type("14")
    assert "subscribe" not in r.payloads
    r.type("/nhantin")
    assert "chưa đủ 16 tuổi" in r.text and not r.recorded(Subscribe)


def test_a_child_stays_protected_after_start(r: Resident) -> None:
    r.tap("kind:person")
    r.type("13")
    r.type("/start")
    assert "Xin chào" in r.text  # a fresh greeting
    r.type("nhờ hỗ trợ")
    assert r.step != "consent" and "chưa đủ 16 tuổi" in r.text


def test_a_hello_after_the_greeting_shows_the_menu_again(r: Resident) -> None:
    r.type("xin chào")
    assert r.step == "start" and r.payloads[:3] == [
        "kind:person",
        "kind:enterprise",
        "kind:household",
    ]
    assert "chưa hiểu" not in r.text and "bấm một nút" not in r.text


def test_a_17_year_old_can_ask_to_be_reminded_on_their_18th_birthday(content) -> None:
    from handlers.types import Remind

    r = Resident(content)
    r.user = "tg"
    r.type("/start")
    r.tap("kind:person")
    r.type("20/12/2008")
    assert r.eligibility.reason == rules.TOO_YOUNG and "remind18" in r.payloads
    r.tap("remind18")
    assert r.step == "reminder_consent" and "20/12/2026" in r.text
    r.type("đồng ý")
    [consent] = r.recorded(RecordConsent)
    assert consent.purpose == "birthday_reminder" and consent.granted
    assert r.recorded(Remind) == [Remind("birthday_18", date(2026, 12, 20), "vi")]
    assert "remind_on" not in {k for k, v in r.state.slots.items() if v}


def test_no_reminder_when_the_18th_birthday_falls_after_the_programme(content) -> None:
    r = Resident(content)
    r.user = "tg"
    r.type("/start")
    r.tap("kind:person")
    r.type("15/01/2009")  # 18 on 15/01/2027, after the end date in program.yaml
    e = r.eligibility
    assert e.reason == rules.TOO_YOUNG and e.eligible_from == date(2027, 1, 15)
    assert "remind18" not in r.payloads
    assert "kết thúc trước ngày bạn đủ tuổi" in e.message
    assert "không hứa được ưu đãi miễn phí" in r.text
    assert "quay lại đăng ký" not in r.text
    # even a stale button (its date kept from before) gets no reminder after the end date
    stale = r.state.with_slots(remind_on="2027-01-15")
    out = step(stale, Inbound("test", "tg", payload="remind18", push=True), TODAY, content)
    assert out.state is not None and out.state.step != "reminder_consent"
    assert not [e for e in out.effects if isinstance(e, RecordConsent)]


@pytest.mark.parametrize("key", ["birthday_18", "birthday_18_late", "program_end"])
def test_the_reminders_promise_no_free_domain_but_point_to_the_registrar(content, key) -> None:
    day = date(2026, 12, 20)
    vi = content.render("vi", "reminder." + key, on=day, end=content.rules.end_date)
    en = content.render("en", "reminder." + key, on=day, end=content.rules.end_date)
    assert "từ hôm nay" not in vi.lower() and "bây giờ bạn có thể đăng ký" not in vi.lower()
    assert "from today" not in en.lower() and "you can now register" not in en.lower()
    assert "xác nhận ưu đãi với nhà đăng ký khi đăng ký" in vi
    assert "confirm the offer with the registrar when you register" in en


def test_no_reminder_for_children_or_the_web_page(content) -> None:
    from handlers.engine import step
    from handlers.types import ConversationState, Inbound

    r = Resident(content)
    r.type("/start")
    r.tap("kind:person")
    r.type("15 tuổi")
    assert "remind18" not in r.payloads
    state = ConversationState()
    for text in ("/start", "1", "20/12/2008"):
        out = step(state, Inbound("web", "w", text=text), date(2026, 11, 25), content)
        state = out.state
    assert "remind18" not in [b.payload for m in out.messages for b in m.buttons]


@pytest.mark.parametrize(
    ("purpose", "version", "reach"),
    [
        ("lead_contact", "lead-2026-11-v1", ("kind:person", "15/03/2005", "yes", "callback")),
        ("news", "news-2026-11-v1", ("kind:person", "30 tuổi", "subscribe")),
        ("birthday_reminder", "reminder-2026-11-v1", ("kind:person", "20/12/2008", "remind18")),
    ],
)
@pytest.mark.parametrize("answer", ["yes", "no"])
def test_every_consent_records_its_purpose_version_and_the_text_shown(
    r: Resident, purpose: str, version: str, reach: tuple[str, ...], answer: str
) -> None:
    for move in reach:
        if move in r.payloads:
            r.tap(move)
        else:
            r.type(move)
    assert r.payloads == ["yes", "no"] and version not in r.text  # kept in the record only
    notice = r.said[-1].text
    r.tap(answer)
    [consent] = r.recorded(RecordConsent)
    assert (consent.purpose, consent.version) == (purpose, version)
    assert consent.granted == (answer == "yes")
    assert consent.text_hash == hashlib.sha256(notice.encode()).hexdigest()
    assert r.step == ("lead_name" if purpose == "lead_contact" and answer == "yes" else "idle")


@pytest.mark.parametrize("action", [*GLOBAL, "xin chào", "2", "/start"])
def test_a_conversation_stored_at_a_step_this_version_lacks_goes_on_from_the_menu(
    content, action: str
) -> None:
    """A state saved by an older version (its step since renamed or removed) never crashes
    a turn: whatever the person does is read as if they stood at the menu."""
    r = Resident(content)
    r.type("/start")
    assert r.state is not None
    r.state = replace(r.state, step="retired_step", choices=())
    did = {"payload": action} if action in GLOBAL else {"text": action}  # a tap, or typed
    out = step(r.state, Inbound("test", "u", push=True, **did), TODAY, content)
    assert out.messages and all(m.text.strip() for m in out.messages)
    assert out.state is None or out.state.step in STEPS
