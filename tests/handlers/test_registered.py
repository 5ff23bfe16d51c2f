"""A resident telling the bot they registered their domain, driven through the engine the
way they would type it: with the name in the sentence or after being asked, with or
without diacritics; names that are not the programme's get a friendly answer."""

from __future__ import annotations

import pytest

from handlers.domains import programme_name
from handlers.types import RecordRegistration
from tests.support.resident import Resident


@pytest.fixture
def r(content) -> Resident:
    resident = Resident(content)
    resident.type("/start")
    return resident


@pytest.mark.parametrize(
    "typed",
    [
        "mình đăng ký rồi: lan.id.vn",
        "em đã đăng ký tên miền lan.id.vn rồi",
        "da dang ky roi lan.id.vn",
        "MÌNH ĐÃ ĐĂNG KÝ XONG Lan.ID.VN",
    ],
)
def test_a_resident_says_they_registered_with_the_name_and_is_thanked(
    r: Resident, typed: str
) -> None:
    r.type(typed)
    assert "Chúc mừng bạn đã có tên miền lan.id.vn" in r.text
    assert r.recorded(RecordRegistration) == [RecordRegistration("lan.id.vn")]
    assert r.step == "idle"


def test_without_the_name_the_bot_asks_for_it(r: Resident) -> None:
    r.type("dạ em đăng ký rồi ạ")
    assert "gõ giúp mình tên miền bạn đã đăng ký" in r.text
    assert r.step == "registered_domain" and r.recorded(RecordRegistration) == []
    r.type("cuahanghoa.biz.vn")
    assert "cuahanghoa.biz.vn" in r.text
    assert r.recorded(RecordRegistration) == [RecordRegistration("cuahanghoa.biz.vn")]


def test_a_name_under_another_vn_zone_is_not_the_programmes(r: Resident) -> None:
    r.type("mình đăng ký rồi: lan.com.vn")
    assert "không thuộc chương trình" in r.text and "id.vn" in r.text
    assert r.recorded(RecordRegistration) == []
    assert r.step == "registered_domain"
    r.type("lan.id.vn")
    assert r.recorded(RecordRegistration) == [RecordRegistration("lan.id.vn")]


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("lan@gmail.com", "chưa đọc được tên miền"),
        ("la--n.id.vn", "chưa đọc được tên miền"),
        ("bình.id.vn", "chữ không dấu"),
        ("binh.vn", "không thuộc chương trình"),
    ],
)
def test_a_wrong_name_after_the_question_is_explained_and_asked_again(
    r: Resident, typed: str, said: str
) -> None:
    r.type("đã đăng ký rồi")
    r.type(typed)
    assert said in r.text
    assert r.step == "registered_domain" and r.recorded(RecordRegistration) == []


def test_the_follow_up_buttons_yes_asks_the_name_and_not_yet_is_answered_kindly(
    content,
) -> None:
    r = Resident(content)
    r.type("/start")
    r._turn(r_inbound(r, "registered"))
    assert r.step == "registered_domain"
    r.type("lan.id.vn")
    assert r.recorded(RecordRegistration) == [RecordRegistration("lan.id.vn")]
    later = Resident(content, user="resident-2")
    later._turn(r_inbound(later, "registered:not_yet"))
    assert "Không sao" in later.text and later.step == "idle"


def test_a_question_about_a_registered_household_business_is_not_a_report(r: Resident) -> None:
    r.type("hộ đã đăng ký kinh doanh từ 5 năm trước có được miễn phí không")
    assert r.recorded(RecordRegistration) == []
    assert r.step != "registered_domain"


def test_the_recorded_name_is_the_programmes_own_reading() -> None:
    assert programme_name("Lan.Biz.VN.").name == "lan.biz.vn"
    assert programme_name("a.lan.id.vn").problem == "other_zone"


def r_inbound(r: Resident, payload: str):
    """A tap on a button of a message the bot sent first (the team's follow-up question)."""
    from handlers.types import Inbound

    return Inbound("test", r.user, payload=payload, push=True)
