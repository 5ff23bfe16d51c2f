"""Training sessions in the chat, driven through the engine the way a resident would: asking
for them in many spellings, at any point; choosing one; the consent of its own (and saying
no); name and phone (or those given before); a full session's waiting list; cancelling."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from handlers.engine import TrainingQuery, asking_for_contact, training_to_look_up
from handlers.types import (
    CancelTraining,
    ConversationState,
    Inbound,
    MyTrainingSignup,
    Purpose,
    RecordConsent,
    RecordLead,
    SignUpTraining,
    TrainingView,
    UpcomingSession,
)
from tests.support.resident import Resident

# 08:00 and 14:00 in Vietnam (UTC+7)
WEBSITE = UpcomingSession(
    7,
    "Làm website cho hộ kinh doanh",
    datetime(2026, 12, 10, 1, 0, tzinfo=UTC),
    "Hội trường UBND phường Kiến An",
    "https://maps.example.org/kien-an",
    12,
)
SAFETY = UpcomingSession(
    9,
    "Dùng nền tảng số an toàn",
    datetime(2026, 12, 12, 7, 0, tzinfo=UTC),
    "Nhà văn hóa tổ dân phố 5",
    None,
    0,
)
SESSIONS = TrainingView(sessions=(WEBSITE, SAFETY))


@pytest.fixture
def r(content) -> Resident:
    resident = Resident(content, training=SESSIONS)
    resident.type("/start")
    return resident


@pytest.mark.parametrize(
    "typed",
    [
        "tập huấn",
        "Tap huan",
        "TẬP HUẤN",
        "lớp hướng dẫn",
        "lop huong dan",
        "học làm website",
        "hoc lam website",
        "lop tap huan",
        "dang ky hoc",
        "Đăng ký học",
        "khi nào có buổi tập huấn?",
        "mình muốn đăng ký tập huấn",
        "/taphuan",
        "training",
    ],
)
def test_asking_for_training_in_any_spelling_lists_the_sessions(r: Resident, typed: str) -> None:
    r.type(typed)
    assert r.step == "training_pick"
    assert "Làm website cho hộ kinh doanh" in r.text
    assert "08:00 ngày 10/12/2026" in r.text and "14:00 ngày 12/12/2026" in r.text
    assert "Hội trường UBND phường Kiến An" in r.text and "Còn 12 chỗ" in r.text
    assert "Đã đủ chỗ — có danh sách chờ" in r.text
    assert r.payloads[:2] == ["training:7", "training:9"]


def test_the_runner_is_asked_for_the_sessions_of_the_residents_kind(content) -> None:
    def query(state: ConversationState, text: str) -> TrainingQuery | None:
        return training_to_look_up(state, Inbound("test", "u", text=text), content)

    household = ConversationState(step="idle", slots={"applicant": "household"})
    assert query(household, "tập huấn") == TrainingQuery("household")
    assert query(ConversationState(step="idle", slots={"applicant": "person"}), "lop tap huan") == (
        TrainingQuery("youth")
    )
    assert query(ConversationState(step="idle"), "hủy đăng ký tập huấn") == TrainingQuery(None)
    assert query(ConversationState(step="training_phone"), "0912345678") == TrainingQuery(None)
    assert query(ConversationState(step="idle"), "menu") is None  # nothing to look up
    assert query(ConversationState(step="lead_area"), "Tổ dân phố 5") is None


def test_training_can_be_asked_in_the_middle_of_another_question(content) -> None:
    r = Resident(content, training=SESSIONS)
    r.type("/start")
    r.type("ca nhan")
    assert r.step == "person_birth"
    r.type("tập huấn")
    assert r.step == "training_pick" and "training:7" in r.payloads


def test_typing_a_number_chooses_a_session_and_the_consent_is_its_own(r: Resident) -> None:
    r.type("tập huấn")
    r.type("1")
    assert r.step == "training_consent"
    assert "Làm website cho hộ kinh doanh" in r.text
    assert "họ tên và số điện thoại" in r.text and "căn cước" in r.text
    assert "đến hết ngày 30/06/2027" in r.text  # the programme's end + 6 months
    assert "training-2026-12-v1" not in r.text  # the version: in the consent record (below)
    assert r.payloads == ["yes", "no"]


def test_signing_up_records_the_consent_then_asks_name_and_phone(r: Resident) -> None:
    r.type("tap huan")
    r.tap("training:7")
    r.type("đồng ý")
    assert r.step == "training_name"
    [consent] = r.recorded(RecordConsent)
    assert consent.purpose == Purpose.TRAINING and consent.granted
    assert consent.version == "training-2026-12-v1"
    r.type("Nguyễn Thị Hoa")
    assert r.step == "training_phone"
    r.type("0912 345 678")
    assert r.recorded(SignUpTraining) == [SignUpTraining(7, "Nguyễn Thị Hoa", "+84912345678", "vi")]
    assert r.step == "idle"
    assert "training_name" not in r.state.slots and "training" not in r.state.slots


def test_mistakes_in_name_and_phone_get_a_friendly_word(r: Resident) -> None:
    r.type("tap huan")
    r.tap("training:7")
    r.tap("yes")
    r.type("12345")
    assert r.step == "training_name" and "tên" in r.text
    r.type("Trần Văn Bình")
    r.type("0912")
    assert r.step == "training_phone" and "10 chữ số" in r.text
    r.type("+1 415 555 2671")
    assert "số điện thoại Việt Nam" in r.text
    r.type("0912345678")
    assert len(r.recorded(SignUpTraining)) == 1


def test_refusing_the_consent_signs_nobody_up_and_says_so_kindly(r: Resident) -> None:
    r.type("lớp tập huấn")
    r.tap("training:7")
    r.type("không đồng ý")
    [consent] = r.recorded(RecordConsent)
    assert consent.purpose == Purpose.TRAINING and not consent.granted
    assert r.recorded(SignUpTraining) == []
    assert "không ghi lại thông tin nào" in r.text and "chưa đăng ký" in r.text
    assert r.step == "idle"


def test_the_consent_given_once_is_not_asked_again_in_the_conversation(r: Resident) -> None:
    r.type("tập huấn")
    r.tap("training:7")
    r.tap("yes")
    r.type("Nguyễn Thị Hoa")
    r.type("0912345678")
    r.type("menu")
    r.type("tập huấn")
    r.tap("training:9")
    r.tap("yes")  # the waiting list
    assert r.step == "training_name"
    assert len(r.recorded(RecordConsent)) == 1


def test_the_name_and_phone_given_before_are_offered_again(content) -> None:
    known = TrainingView(sessions=(WEBSITE,), contact=("Trần Văn Bình", "+84912345678"))
    r = Resident(content, training=known)
    r.type("/start")
    r.type("tập huấn")
    r.tap("training:7")
    r.tap("yes")
    assert r.step == "training_reuse"
    assert "Trần Văn Bình" in r.text and "0912 345 678" in r.text
    r.type("đúng rồi")
    assert r.recorded(SignUpTraining) == [SignUpTraining(7, "Trần Văn Bình", "+84912345678", "vi")]


def test_other_details_can_be_given_instead(content) -> None:
    known = TrainingView(sessions=(WEBSITE,), contact=("Trần Văn Bình", "+84912345678"))
    r = Resident(content, training=known)
    r.type("/start")
    r.type("tập huấn")
    r.tap("training:7")
    r.tap("yes")
    r.tap("no")
    assert r.step == "training_name"
    r.type("Trần Thị Mai")
    r.type("0987 654 321")
    assert r.recorded(SignUpTraining) == [SignUpTraining(7, "Trần Thị Mai", "+84987654321", "vi")]


def test_a_full_session_offers_its_waiting_list(r: Resident) -> None:
    r.type("tập huấn")
    r.tap("training:9")
    assert r.step == "training_full"
    assert "đã đủ chỗ" in r.text and "danh sách chờ" in r.text and "nhắn báo bạn" in r.text
    r.type("có")
    assert r.step == "training_consent"
    r.tap("yes")
    r.type("Lê Văn Nam")
    r.type("0903 111 222")
    assert r.recorded(SignUpTraining) == [SignUpTraining(9, "Lê Văn Nam", "+84903111222", "vi")]


def test_declining_the_waiting_list_records_nothing(r: Resident) -> None:
    r.type("tập huấn")
    r.tap("training:9")
    r.type("không")
    assert r.step == "idle" and "Không sao" in r.text
    assert r.recorded(SignUpTraining) == [] and r.recorded(RecordConsent) == []


def test_a_session_gone_since_the_list_was_shown_is_said_so(content) -> None:
    r = Resident(content, training=SESSIONS)
    r.type("/start")
    r.type("tập huấn")
    r.training = TrainingView(sessions=(SAFETY,))  # the website session was called off
    r.tap("training:7")
    assert "không còn nhận đăng ký" in r.text
    assert r.step == "training_pick" and r.payloads[0] == "training:9"


def test_no_session_gets_a_kind_word_and_the_news(content) -> None:
    r = Resident(content, training=TrainingView())
    r.type("/start")
    r.type("ca nhan")
    r.type("tập huấn")
    assert "chưa có lớp tập huấn nào" in r.text
    assert "subscribe" in r.payloads
    assert r.step == "person_birth"  # back to the question they were answering


def test_on_the_web_no_news_is_offered_when_there_is_no_session(content) -> None:
    r = Resident(content, training=TrainingView(), push=False)
    r.type("/start")
    r.type("tap huan")
    assert "chưa có lớp tập huấn nào" in r.text and "subscribe" not in r.payloads


def test_someone_under_16_sees_the_sessions_but_is_not_signed_up(content) -> None:
    r = Resident(content, training=SESSIONS)
    r.type("/start")
    r.tap("kind:person")
    r.type("14 tuổi")
    r.type("tập huấn")
    assert "Làm website cho hộ kinh doanh" in r.text and "chưa đủ 16 tuổi" in r.text
    assert not any(p.startswith("training:") for p in r.payloads)
    assert r.step == "idle"


def test_the_button_after_the_verdict_shows_the_sessions(r: Resident) -> None:
    r.tap("kind:household")
    r.tap("no")  # no certificate yet: not eligible, the idle prompt
    assert "training" in r.payloads
    r.tap("training")
    assert r.step == "training_pick"


def test_the_offer_of_help_after_an_eligible_verdict_has_the_button(r: Resident) -> None:
    r.type("ca nhan")
    r.type("15/03/2005")
    r.type("co")
    r.type("bo qua")
    assert r.step == "offer_help"
    assert r.payloads == ["callback", "retry_name", "no", "training"]  # numbers 1–3 unchanged


def test_no_button_when_no_session_fits(content) -> None:
    r = Resident(content, training=TrainingView())
    r.type("/start")
    r.tap("kind:household")
    r.tap("no")
    assert "training" not in r.payloads


MINE_ONE = (MyTrainingSignup(WEBSITE, "registered", "K7P2QX"),)
MINE_TWO = (*MINE_ONE, MyTrainingSignup(SAFETY, "waiting", "M3NB8R"))


@pytest.mark.parametrize(
    "typed", ["hủy đăng ký tập huấn", "huy dang ky tap huan", "Hủy tập huấn", "cancel training"]
)
def test_cancelling_the_one_sign_up_asks_to_confirm(content, typed: str) -> None:
    r = Resident(content, training=TrainingView(mine=MINE_ONE))
    r.type("/start")
    r.type(typed)
    assert r.step == "training_cancel_confirm"
    assert "Làm website cho hộ kinh doanh" in r.text and "08:00 ngày 10/12/2026" in r.text
    r.type("có")
    assert r.recorded(CancelTraining) == [CancelTraining(7)]
    assert "đã hủy đăng ký" in r.text and r.step == "idle"


def test_with_several_sign_ups_the_resident_chooses_which(content) -> None:
    r = Resident(content, training=TrainingView(mine=MINE_TWO))
    r.type("/start")
    r.type("huy dang ky tap huan")
    assert r.step == "training_cancel_pick"
    assert "(danh sách chờ)" in r.text
    r.type("2")
    assert r.step == "training_cancel_confirm" and "danh sách chờ" in r.text
    r.tap("yes")
    assert r.recorded(CancelTraining) == [CancelTraining(9)]


def test_keeping_the_seat_cancels_nothing(content) -> None:
    r = Resident(content, training=TrainingView(mine=MINE_ONE))
    r.type("/start")
    r.type("hủy đăng ký tập huấn")
    r.tap("no")
    assert r.recorded(CancelTraining) == [] and "vẫn giữ chỗ" in r.text


def test_nothing_to_cancel_is_said_so(content) -> None:
    r = Resident(content, training=TrainingView())
    r.type("/start")
    r.type("hủy đăng ký tập huấn")
    assert "chưa đăng ký lớp tập huấn nào" in r.text
    assert r.recorded(CancelTraining) == []


def test_cancelling_the_news_is_not_cancelling_a_training(content) -> None:
    r = Resident(content, training=TrainingView(mine=MINE_ONE))
    r.type("/start")
    r.type("hủy đăng ký")
    assert "ngừng nhận tin" in r.text and r.recorded(CancelTraining) == []


def test_a_shared_contact_card_may_fill_the_trainings_name_and_phone(r: Resident) -> None:
    r.type("tập huấn")
    r.tap("training:7")
    r.tap("yes")
    assert asking_for_contact(r.state) == "name"
    r.type("Nguyễn Thị Hoa")
    assert asking_for_contact(r.state) == "phone"


def test_a_lead_and_a_training_sign_up_are_separate(r: Resident) -> None:
    r.type("tập huấn")
    r.tap("training:7")
    r.tap("yes")
    r.type("Nguyễn Thị Hoa")
    r.type("0912345678")
    assert r.recorded(RecordLead) == []
    assert not r.state.slots.get("consented")  # the lead's consent was not given


def test_in_english(content) -> None:
    r = Resident(content, training=SESSIONS)
    r.type("/start")
    r.type("English")
    r.type("training")
    assert "08:00 on 10/12/2026" in r.text and "Full — waiting list open" in r.text


@pytest.mark.parametrize(
    "payload", ["training:²", "training:٧", "training:-7", "training:" + "9" * 30]
)
def test_a_session_number_that_is_not_one_is_asked_again(r: Resident, payload: str) -> None:
    """Issue 14, D6: "²" is a digit to isdigit but not to int — never a crash."""
    r.type("tập huấn")
    r._turn(Inbound("test", r.user, payload=payload, training=r.training))  # a forged button
    assert r.step == "training_pick"
    r.tap("training:7")  # a real one still works
    assert r.step != "training_pick"


def test_a_name_that_a_chat_app_would_make_a_link_is_asked_again(r: Resident) -> None:
    r.type("tập huấn")
    r.tap("training:7")
    r.type("đồng ý")
    assert r.step == "training_name"
    r.type("www.evil.vn")
    assert r.step == "training_name" and "chỉ gõ họ tên" in r.text
