"""The training pages on the real app (``/office/training``, a session's page, the door at
``/office/training/{id}/checkin``) and the public QR image of a check-in code: admins
create, edit and cancel sessions and cancel a sign-up (the people concerned told through the
outbox); leaders and members read, and work the door (check-in, walk-ins); forms without
their token are refused; a GET never checks anyone in."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.settings import Settings
from db import training
from db.models import AuditEvent, Outbox, TrainingSession, TrainingSignup
from db.store import Store
from handlers.content import Content
from tests.support.office import Clock, browser, make_user, office_app
from tests.support.qr_reader import read_qr
from tests.support.records import rows

ADMIN = "admin@phuong.vn"
NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)  # the office's Clock: 09:00 in Vietnam
PUBLIC = "https://chat.kienan.example.vn"
FORM = {
    "title": "Làm website cho hộ kinh doanh",
    "starts_at": "2026-12-10T08:00",
    "place": "Hội trường UBND phường",
    "capacity": "2",
    "audience": "household",
    "school": "",
    "map_url": "https://maps.app.goo.gl/abc",
}


def a_session(store: Store, capacity: int = 2, **kw: Any) -> int:
    with store.transaction() as tx:
        made = training.create(
            tx,
            title=kw.pop("title", "Đăng ký tên miền .vn"),
            starts_at=kw.pop("starts_at", NOW + timedelta(days=20)),
            place="Nhà văn hóa tổ dân phố 3",
            capacity=capacity,
            audience="all",
            now=NOW,
            actor="cli",
            **kw,
        )
    return int(made["id"])


def signed_up(store: Store, session_id: int, who: str, phone: str, channel: str = "telegram"):
    with store.transaction() as tx:
        return training.sign_up(
            tx,
            session_id,
            channel=channel,
            user_ref=who,
            lang="vi",
            name=who,
            phone=phone,
            consent_id=None,
            now=NOW,
        ).signup


def alert(html: str) -> str:
    found = re.search(r'<p class="problem" role="alert">(.*?)</p>', html, re.S)
    return found.group(1) if found else ""


def verdict(html: str) -> str:
    found = re.search(r'<p class="big">(.*?)</p>', html, re.S)
    return " ".join(found.group(1).split()) if found else ""


@pytest.mark.parametrize("role", ["member", "leader"])
async def test_leaders_and_members_read_and_work_the_door_but_change_no_session(
    store: Store, content: Content, role: str
) -> None:
    sid = a_session(store)
    person = signed_up(store, sid, "Trần Văn Bình", "0912 345 678")
    make_user(store, "hoa@phuong.vn", role, "Tổ công nghệ số 1")
    async with office_app(store, content) as (base, _), browser(base) as b:
        await b.login("hoa@phuong.vn")
        listed = await b.get("/office/training")
        assert listed.status == 200
        assert "Đăng ký tên miền .vn" in listed.text and "1/2 chỗ · 0 chờ · 0 đã đến" in listed.text
        assert 'action="/office/training"' not in listed.text  # no creation form
        one = await b.get(f"/office/training/{sid}")
        assert one.status == 200 and "0912 345 678" in one.text and person["code"] in one.text
        assert "Hủy đăng ký" not in one.text and 'id="edit"' not in one.text
        for path, data in (
            ("/office/training", FORM),
            (f"/office/training/{sid}", FORM),
            (f"/office/training/{sid}/cancel", {"reason": "x"}),
            (f"/office/training/{sid}/signups/{person['id']}/cancel", {}),
        ):
            assert (await b.post(path, data)).status == 403, path
        await b.get(f"/office/training/{sid}/checkin")
        door = await b.post(f"/office/training/{sid}/checkin", {"code": person["code"]})
        assert door.status == 200 and verdict(door.text) == "✓ Trần Văn Bình đã được điểm danh"
        await b.get(f"/office/training/{sid}")
        walk = await b.post(f"/office/training/{sid}/walk-in", {"name": "Lê Thị Hoa", "phone": ""})
        assert walk.status == 303
    [session] = rows(store, TrainingSession)
    assert (session["title"], session["cancelled_at"]) == ("Đăng ký tên miền .vn", None)
    assert {(r["name"], r["checked_in_by"]) for r in rows(store, TrainingSignup)} == {
        ("Trần Văn Bình", "hoa@phuong.vn"),
        ("Lê Thị Hoa", "hoa@phuong.vn"),
    }


async def test_a_stranger_is_sent_to_sign_in_and_comes_back_to_the_door_with_the_code(
    sqlite_store: Store, content: Content
) -> None:
    sid = a_session(sqlite_store)
    async with office_app(sqlite_store, content) as (base, _), browser(base) as b:
        door = await b.get(f"/office/training/{sid}/checkin?code=ABC234")
        assert door.status == 303
        assert door.location == f"/office/login?next=/office/training/{sid}/checkin?code=ABC234"
        assert (await b.get("/office/training")).status == 303


async def test_a_form_without_its_token_is_refused(sqlite_store: Store, content: Content) -> None:
    sid = a_session(sqlite_store)
    person = signed_up(sqlite_store, sid, "Bình", "0912 345 678")
    make_user(sqlite_store, ADMIN)
    async with office_app(sqlite_store, content) as (base, _), browser(base) as b:
        await b.login(ADMIN)
        await b.get("/office/training")
        for path, data in (
            ("/office/training", FORM),
            (f"/office/training/{sid}/cancel", {}),
            (f"/office/training/{sid}/checkin", {"code": person["code"]}),
            (f"/office/training/{sid}/walk-in", {"name": "Hoa"}),
        ):
            assert (await b.post(path, data, csrf=False)).status == 403, path
    assert len(rows(sqlite_store, TrainingSession)) == 1
    [row] = rows(sqlite_store, TrainingSignup)
    assert row["checked_in_at"] is None and row["cancelled_at"] is None


async def test_an_admin_creates_a_session_and_mistakes_are_answered_keeping_what_was_typed(
    store: Store, content: Content
) -> None:
    make_user(store, ADMIN)
    async with office_app(store, content) as (base, _), browser(base) as b:
        await b.login(ADMIN)
        await b.get("/office/training")
        for change, said in (
            ({"starts_at": "2026-11-01T08:00"}, "Thời gian bắt đầu đã qua"),
            ({"starts_at": "hôm nay"}, "Thời gian chưa đúng"),
            ({"capacity": "0"}, "Số chỗ phải từ 1 trở lên."),
            ({"capacity": "nhiều"}, "Số chỗ phải là một số nguyên"),
            ({"map_url": "ftp://x"}, "Đường dẫn bản đồ phải bắt đầu bằng http://"),
            ({"audience": "students"}, "Đối tượng không hợp lệ."),
            ({"title": " "}, "Chưa có tên buổi tập huấn."),
            ({"school": "77"}, "Không tìm thấy trường này"),
        ):
            refused = await b.post("/office/training", {**FORM, **change})
            assert refused.status == 400, change
            assert said in alert(refused.text), (change, alert(refused.text))
            assert 'value="Hội trường UBND phường"' in refused.text  # what was typed is kept
        assert rows(store, TrainingSession) == []
        made = await b.post("/office/training", FORM)
        assert made.status == 303
        [session] = rows(store, TrainingSession)
        assert made.location == f"/office/training/{session['id']}?done=created"
        assert session["starts_at"] == datetime(2026, 12, 10, 1, 0, tzinfo=UTC)  # 08:00 VN
        assert (session["capacity"], session["audience"], session["created_by"]) == (
            2,
            "household",
            ADMIN,
        )
        page = await b.get(made.location or "")
        assert "Đã tạo buổi tập huấn." in page.text
        assert 'value="2026-12-10T08:00"' in page.text  # the edit form, in Vietnam's time
    [event] = [e for e in rows(store, AuditEvent) if e["action"].startswith("training")]
    assert (event["action"], event["actor"]) == ("training_changed", ADMIN)


async def test_an_admin_edits_cancels_a_sign_up_and_cancels_the_session_and_people_are_told(
    store: Store, content: Content
) -> None:
    sid = a_session(store, capacity=1)
    first = signed_up(store, sid, "a", "0912 000 001")
    signed_up(store, sid, "b", "0912 000 002", channel="zalo")
    signed_up(store, sid, "c", "0912 000 003", channel="web")
    make_user(store, ADMIN)
    async with office_app(store, content) as (base, _), browser(base) as b:
        await b.login(ADMIN)
        await b.get(f"/office/training/{sid}")
        fewer = await b.post(f"/office/training/{sid}", {**FORM, "capacity": "0"})
        assert fewer.status == 400 and "Số chỗ phải từ 1 trở lên." in alert(fewer.text)
        cancelled = await b.post(f"/office/training/{sid}/signups/{first['id']}/cancel", {})
        assert cancelled.location == f"/office/training/{sid}?done=signup_cancelled"
        assert [(r["kind"], r["recipient"]) for r in rows(store, Outbox)] == [
            ("training_promoted", "b")
        ]
        await b.get(f"/office/training/{sid}")
        edited = await b.post(f"/office/training/{sid}", {**FORM, "capacity": "1"})
        assert edited.status == 303, alert(edited.text)
        kinds = sorted((r["kind"], r["recipient"]) for r in rows(store, Outbox))
        assert kinds == [("training_changed", "b"), ("training_promoted", "b")]  # web: nothing
        page = await b.get(f"/office/training/{sid}")
        assert "Làm website cho hộ kinh doanh" in page.text
        gone = await b.post(f"/office/training/{sid}/cancel", {"reason": "Mưa bão"})
        assert gone.location == f"/office/training/{sid}?done=cancelled"
        again = await b.get(f"/office/training/{sid}")
        assert "Buổi này đã bị hủy lúc" in again.text and 'id="edit"' not in again.text
        assert 'id="walk-in"' not in again.text
    told = [r for r in rows(store, Outbox) if r["kind"] == "training_cancelled"]
    assert [(r["channel"], json.loads(r["payload"])["reason"]) for r in told] == [
        ("zalo", "Mưa bão")
    ]
    actions = [e["action"] for e in rows(store, AuditEvent)]
    assert actions.count("training_cancelled") == 1 and "training_signup_cancelled" in actions


async def test_the_door_checks_in_once_and_a_get_changes_nothing(
    store: Store, content: Content
) -> None:
    sid = a_session(store, capacity=1)
    other = a_session(store, title="Buổi khác")
    bình = signed_up(store, sid, "Trần Văn Bình", "0912 000 001")
    chờ = signed_up(store, sid, "Phạm Thu", "0912 000 002")
    khác = signed_up(store, other, "Vũ Minh", "0912 000 003")
    make_user(store, ADMIN)
    clock = Clock(NOW + timedelta(days=20) - timedelta(minutes=15))
    async with office_app(store, content, clock) as (base, _), browser(base) as b:
        await b.login(ADMIN)
        scanned = await b.get(f"/office/training/{sid}/checkin?code={bình['code'].lower()}")
        assert scanned.status == 200
        assert verdict(scanned.text) == f"Điểm danh cho Trần Văn Bình (mã {bình['code']})?"
        assert rows(store, TrainingSignup)[0]["checked_in_at"] is None  # only shown
        done = await b.post(f"/office/training/{sid}/checkin", {"code": bình["code"]})
        assert verdict(done.text) == "✓ Trần Văn Bình đã được điểm danh"
        clock.advance(minutes=5)
        twice = await b.post(f"/office/training/{sid}/checkin", {"code": bình["code"]})
        assert verdict(twice.text) == "Trần Văn Bình đã điểm danh rồi, lúc 08:45"
        unknown = await b.post(f"/office/training/{sid}/checkin", {"code": "zzz999"})
        assert verdict(unknown.text) == "✗ Không có mã ZZZ999. Kiểm tra lại từng ký tự."
        wrong = await b.post(f"/office/training/{sid}/checkin", {"code": khác["code"]})
        assert verdict(wrong.text).startswith("✗ Mã của Vũ Minh thuộc buổi khác: «Buổi khác»")
        waiting = await b.post(f"/office/training/{sid}/checkin", {"code": chờ["code"]})
        assert verdict(waiting.text) == "Phạm Thu đang ở danh sách chờ, chưa có chỗ."
        anyway = await b.post(
            f"/office/training/{sid}/checkin", {"code": chờ["code"], "anyway": "1"}
        )
        assert verdict(anyway.text) == "✓ Phạm Thu đã được điểm danh"
        assert "2 đã đến / 2 đăng ký" in anyway.text
        assert (await b.get("/office/training/999/checkin")).status == 404
    by_name = {r["name"]: r for r in rows(store, TrainingSignup)}
    assert by_name["Trần Văn Bình"]["checked_in_at"] == NOW + timedelta(days=20, minutes=-15)
    assert by_name["Vũ Minh"]["checked_in_at"] is None


async def test_a_codes_qr_image_opens_the_door_with_the_code_and_tells_nothing_more(
    sqlite_store: Store, content: Content
) -> None:
    sid = a_session(sqlite_store)
    code = signed_up(sqlite_store, sid, "Bình", "0912 000 001")["code"]
    settings = Settings.defaults(hiendien_public_url=PUBLIC + "/")
    async with (
        office_app(sqlite_store, content, settings=settings) as (base, _),
        browser(base) as b,
    ):
        status, png, headers = await b.get_bytes(f"/training/qr/{sid}/{code}.png")
        assert status == 200 and headers["Content-Type"] == "image/png"
        found = read_qr(png)
        assert found is not None
        assert found.text == f"{PUBLIC}/office/training/{sid}/checkin?code={code}"
        # a code nobody has is drawn the same way: the image says nothing about who exists
        assert (await b.get_bytes(f"/training/qr/{sid}/ABCDEF.png"))[0] == 200
        for bad in ("abcdef", "ABC", "ABCDE0", "ABCDEFG"):
            assert (await b.get_bytes(f"/training/qr/{sid}/{bad}.png"))[0] == 404, bad
    async with office_app(sqlite_store, content) as (base, _), browser(base) as b:
        assert (await b.get_bytes(f"/training/qr/{sid}/{code}.png"))[0] == 404  # no public URL
