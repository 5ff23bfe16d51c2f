"""Training in the chat through the turn runner and a real database (SQLite and PostgreSQL):
the sessions that fit the resident, the sign-up's confirmation with the day, hour, place, map,
check-in code and its QR link; the last seat, then the waiting list with its number; a
cancellation moving the first waiting person up; the web page saying it cannot remind; the
name and phone of a lead offered again; and the reminders at the right Vietnam times, queued
once even when the check runs twice or after a restart."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time
from typing import Any

from bot.clock import VIETNAM
from bot.scheduler import TrainingReminders
from bot.turns import Conversations
from db import training
from db.models import Outbox, TrainingSignup
from db.store import Store
from handlers.content import Content
from handlers.types import Inbound, Reply
from tests.support import TODAY
from tests.support.conversations import LEAD_DIALOGUE
from tests.support.office import Clock
from tests.support.records import rows

PUBLIC = "https://chat.phuong-kienan.example"
D = date(2026, 12, 10)


def vn(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), VIETNAM).astimezone(UTC)


def a_session(store: Store, clock: Clock, **kw: Any) -> int:
    values: dict[str, Any] = {
        "title": "Làm website cho hộ kinh doanh",
        "starts_at": vn(D, 8),
        "place": "Hội trường UBND phường Kiến An",
        "capacity": 30,
        "audience": "all",
        "map_url": "https://maps.example.org/kien-an",
        **kw,
    }
    with store.transaction() as tx:
        return int(training.create(tx, now=clock(), actor="admin@phuong.vn", **values)["id"])


class Chat:
    """One resident on one channel, talking through the turn runner."""

    def __init__(self, conv: Conversations, user: str, channel: str = "telegram") -> None:
        self.conv, self.user, self.channel = conv, user, channel
        self.reply = Reply()

    def say(self, *texts: str) -> str:
        for text in texts:
            reply = self.conv.handle_sync(Inbound(self.channel, self.user, text=text))
            assert reply is not None
            self.reply = reply
        return self.text

    @property
    def text(self) -> str:
        return "\n".join(m.text for m in self.reply.messages)

    @property
    def links(self) -> dict[str, str]:
        return {b.title: b.url for m in self.reply.messages for b in m.buttons if b.url}


def conversations(store: Store, content: Content, clock: Clock) -> Conversations:
    return Conversations(
        store, content, lambda: TODAY, {"telegram", "zalo"}, clock=clock, public_url=PUBLIC
    )


SIGN_UP = ("/start", "tập huấn", "1", "đồng ý")


def test_a_sign_up_is_confirmed_with_the_code_and_its_qr(store: Store, content: Content) -> None:
    clock = Clock()
    session_id = a_session(store, clock)
    chat = Chat(conversations(store, content, clock), "42")
    text = chat.say("/start", "tap huan")
    assert "Làm website cho hộ kinh doanh" in text and "08:00 ngày 10/12/2026" in text
    assert "Còn 30 chỗ" in text
    chat.say("1", "đồng ý", "Nguyễn Thị Hoa", "0912 345 678")
    [signup] = rows(store, TrainingSignup)
    assert signup["status"] == "registered" and signup["name"] == "Nguyễn Thị Hoa"
    assert signup["phone"] == "+84912345678" and signup["consent_id"] is not None
    text = chat.text
    assert "✅ Bạn đã đăng ký lớp “Làm website cho hộ kinh doanh”" in text
    assert "08:00 ngày 10/12/2026" in text and "Hội trường UBND phường Kiến An" in text
    assert f"Mã điểm danh của bạn: {signup['code']}" in text
    assert "9 giờ sáng hôm trước" in text
    assert chat.links == {
        "🗺️ Xem bản đồ": "https://maps.example.org/kien-an",
        "Mã QR điểm danh": f"{PUBLIC}/training/qr/{session_id}/{signup['code']}.png",
    }
    assert "Bạn muốn làm gì tiếp theo?" in text  # and the conversation goes on


def test_the_last_seat_then_the_waiting_list_then_moving_up(store: Store, content: Content) -> None:
    clock = Clock()
    a_session(store, clock, capacity=1)
    conv = conversations(store, content, clock)
    first, second = Chat(conv, "1"), Chat(conv, "2")
    first.say(*SIGN_UP, "Nguyễn Thị Hoa", "0912 345 678")
    assert "Bạn đã đăng ký" in first.text
    text = second.say("/start", "tập huấn")
    assert "Đã đủ chỗ — có danh sách chờ" in text
    text = second.say("1")
    assert "danh sách chờ" in text
    second.say("có", "đồng ý", "Trần Văn Bình", "0987 654 321")
    assert "bạn đang ở vị trí số 1" in second.text
    text = first.say("hủy đăng ký tập huấn")
    assert "Bạn muốn hủy đăng ký lớp “Làm website cho hộ kinh doanh”" in text
    text = first.say("có")
    assert "Mình đã hủy đăng ký lớp" in text
    people = {r["user_ref"]: r["status"] for r in rows(store, TrainingSignup)}
    assert people == {"1": "cancelled", "2": "registered"}
    [told] = [r for r in rows(store, Outbox) if r["kind"] == training.KIND_PROMOTED]
    assert (told["channel"], told["recipient"]) == ("telegram", "2")


async def test_on_the_web_page_the_confirmation_says_it_cannot_remind(
    store: Store, content: Content
) -> None:
    clock = Clock()
    a_session(store, clock)
    conv = Conversations(store, content, lambda: TODAY, {"telegram"}, clock=clock)
    chat = Chat(conv, "browser-1", channel="web")
    chat.say(*SIGN_UP, "Lê Văn Nam", "0903 111 222")
    assert "Trang web này không tự nhắn tin cho bạn trước được" in chat.text
    assert "ghi lại ngày giờ" in chat.text
    assert "Mã QR điểm danh" not in chat.links  # no public address: the code is typed
    clock.now = vn(D, 7)
    assert await TrainingReminders(store, {"telegram", "zalo"}, clock).check() == 0


def test_the_name_and_phone_of_a_lead_are_offered_again(store: Store, content: Content) -> None:
    clock = Clock()
    a_session(store, clock)
    chat = Chat(conversations(store, content, clock), "77")
    chat.say(*LEAD_DIALOGUE)
    text = chat.say("tập huấn", "1", "đồng ý")
    assert "Trần Văn Bình" in text and "0912 345 678" in text
    chat.say("đúng rồi")
    [signup] = rows(store, TrainingSignup)
    assert (signup["name"], signup["phone"]) == ("Trần Văn Bình", "+84912345678")


def test_signing_up_twice_gives_the_same_code(store: Store, content: Content) -> None:
    clock = Clock()
    a_session(store, clock)
    chat = Chat(conversations(store, content, clock), "5")
    chat.say(*SIGN_UP, "Nguyễn Thị Hoa", "0912 345 678")
    [signup] = rows(store, TrainingSignup)
    text = chat.say("tập huấn", "1")  # the consent was given already: the details offered
    assert "Nguyễn Thị Hoa" in text and "0912 345 678" in text
    chat.say("có")
    assert "đã đăng ký lớp “Làm website cho hộ kinh doanh” từ trước" in chat.text
    assert signup["code"] in chat.text and len(rows(store, TrainingSignup)) == 1


def test_a_session_for_households_is_not_offered_to_a_student(
    store: Store, content: Content
) -> None:
    clock = Clock()
    a_session(store, clock, audience="household", title="Bán hàng trên mạng an toàn")
    chat = Chat(conversations(store, content, clock), "8")
    chat.say("/start", "ca nhan", "15/03/2005", "co")
    assert "Bán hàng trên mạng" not in chat.say("tập huấn")
    assert "chưa có lớp tập huấn nào" in chat.text


def reminders(store: Store) -> list[tuple[str, str]]:
    found = [r for r in rows(store, Outbox) if r["kind"] == "training_reminder"]
    return [(r["recipient"], json.loads(r["payload"])["which"]) for r in found]


async def test_reminders_at_nine_the_day_before_and_at_seven_never_twice(
    store: Store, content: Content
) -> None:
    clock = Clock()
    a_session(store, clock)  # 08:00: two hours before is quiet, so 07:00
    Chat(conversations(store, content, clock), "42").say(*SIGN_UP, "Hoa", "0912345678")
    check = TrainingReminders(store, {"telegram", "zalo"}, clock)
    clock.now = vn(D.replace(day=9), 8, 55)
    assert await check.check() == 0
    clock.now = vn(D.replace(day=9), 9, 0)
    assert await check.check() == 1
    assert await check.check() == 0  # the next check
    assert await TrainingReminders(store, {"telegram"}, clock).check() == 0  # a restart
    assert reminders(store) == [("42", "day")]
    clock.now = vn(D, 6, 0)
    assert await check.check() == 0  # quiet hours
    clock.now = vn(D, 7, 0)
    assert await TrainingReminders(store, {"telegram"}, clock).check() == 1
    clock.now = vn(D, 7, 5)
    assert await TrainingReminders(store, {"telegram"}, clock).check() == 0
    assert reminders(store) == [("42", "day"), ("42", "soon")]
    [signup] = rows(store, TrainingSignup)
    assert signup["reminded_day_at"] == vn(D.replace(day=9), 9, 0)
    assert signup["reminded_soon_at"] == vn(D, 7, 0)


async def test_after_a_long_stop_only_what_is_still_useful_goes(
    store: Store, content: Content
) -> None:
    clock = Clock()
    a_session(store, clock, starts_at=vn(D, 14))
    Chat(conversations(store, content, clock), "42").say(*SIGN_UP, "Hoa", "0912345678")
    clock.now = vn(D, 12, 40)  # down since before the day-before reminder
    assert await TrainingReminders(store, {"telegram"}, clock).check() == 1
    assert reminders(store) == [("42", "soon")]
    clock.now = vn(D, 14, 1)  # started
    assert await TrainingReminders(store, {"telegram"}, clock).check() == 0


async def test_nobody_waiting_or_cancelled_is_reminded(store: Store, content: Content) -> None:
    clock = Clock()
    a_session(store, clock, capacity=1)
    conv = conversations(store, content, clock)
    Chat(conv, "1").say(*SIGN_UP, "Hoa", "0912345678")
    Chat(conv, "2").say(*SIGN_UP[:3], "có", "đồng ý", "Bình", "0987654321")  # waiting
    clock.now = vn(D.replace(day=9), 9, 0)
    assert await TrainingReminders(store, {"telegram"}, clock).check() == 1
    assert reminders(store) == [("1", "day")]
