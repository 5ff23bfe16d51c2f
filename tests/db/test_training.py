"""Training sessions and their sign-ups (db.training), on SQLite and PostgreSQL: what a
session may be, which sessions a resident is offered, the last seat taken by several people
at once (real threads, each in its own transaction), the waiting list's order and who moves
up, a cancelled session telling everyone, checking in once at the door, walk-ins, a code
from another session, and a resident's /xoa and /dulieu."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from db import erasure, training
from db.models import AuditEvent, Outbox, TrainingSignup
from db.store import Store
from db.training import TrainingError
from tests.support.records import rows

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)  # 09:00 in Vietnam
SOON = NOW + timedelta(days=9)
WRITERS = ("telegram", "zalo")  # the channels that may write first (not the web page)


def a_session(store: Store, **kw: Any) -> int:
    values: dict[str, Any] = {
        "title": "Đăng ký tên miền .vn và làm website",
        "starts_at": SOON,
        "place": "Hội trường UBND phường",
        "capacity": 2,
        "audience": "all",
        "now": NOW,
        "actor": "admin@phuong.vn",
    }
    values.update(kw)
    with store.transaction() as tx:
        return int(training.create(tx, **values)["id"])


def sign(
    store: Store,
    session_id: int,
    who: str,
    phone: str,
    *,
    channel: str = "telegram",
    now: datetime = NOW,
) -> training.SignUp:
    with store.transaction() as tx:
        return training.sign_up(
            tx,
            session_id,
            channel=channel,
            user_ref=who,
            lang="vi",
            name=f"Người {who}",
            phone=phone,
            consent_id=None,
            now=now,
        )


def phone(n: int) -> str:
    return f"0912 345 {n:03d}"


def session(store: Store, session_id: int) -> dict[str, Any]:
    with store.transaction() as tx:
        found = training.get(tx, session_id)
    assert found is not None
    return found


def statuses(store: Store, session_id: int) -> list[tuple[str, str]]:
    with store.transaction() as tx:
        return [(s["user_ref"], s["status"]) for s in training.signups(tx, session_id)]


def outbox(store: Store) -> list[tuple[str, str, str]]:
    return sorted((r["kind"], r["channel"], r["recipient"]) for r in rows(store, Outbox))


# --- sessions ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"starts_at": NOW - timedelta(minutes=1)}, "in_past"),
        ({"capacity": 0}, "capacity_low"),
        ({"title": "   "}, "title_empty"),
        ({"audience": "students"}, "audience_unknown"),
        ({"map_url": "javascript:alert(1)"}, "map_url_bad"),
        ({"map_url": "maps.google.com/x"}, "map_url_bad"),
        ({"place": ""}, "place_empty"),
        ({"school_id": 999}, "school_missing"),
    ],
)
def test_a_session_that_cannot_be_held_is_refused_with_its_reason(
    store: Store, change: dict[str, Any], reason: str
) -> None:
    with pytest.raises(TrainingError) as refused:
        a_session(store, **change)
    assert refused.value.key == reason
    with store.transaction() as tx:
        assert training.listing(tx, NOW) == ([], [])


def test_a_session_is_created_with_its_audit_row_and_empty_counts(store: Store) -> None:
    sid = a_session(store, title="  Làm   website ", map_url="https://maps.app.goo.gl/abc")
    found = session(store, sid)
    assert found["title"] == "Làm website"
    assert found["map_url"] == "https://maps.app.goo.gl/abc"
    assert (found["registered"], found["waiting"], found["attended"], found["seats_left"]) == (
        0,
        0,
        0,
        2,
    )
    [event] = rows(store, AuditEvent)
    assert (event["action"], event["actor"]) == ("training_changed", "admin@phuong.vn")


def test_residents_are_offered_the_sessions_of_their_kind_and_for_all_never_the_teams(
    store: Store,
) -> None:
    youth = a_session(store, audience="youth", title="Thanh niên")
    everyone = a_session(store, audience="all", title="Mọi người", starts_at=SOON + timedelta(1))
    team = a_session(store, audience="team", title="Tổ công nghệ số")
    business = a_session(store, audience="business", title="Doanh nghiệp")
    gone = a_session(store, audience="youth", title="Đã hủy")
    with store.transaction() as tx:
        training.cancel(tx, gone, now=NOW, actor="admin")

    def offered(audience: str | None, at: datetime = NOW) -> list[int]:
        with store.transaction() as tx:
            return [s["id"] for s in training.upcoming(tx, at, audience)]

    assert offered("youth") == [youth, everyone]
    assert offered("business") == [business, everyone]
    assert offered("household") == [everyone]
    assert offered(None) == [youth, business, everyone]
    assert offered("team") == [team, everyone]
    assert offered("youth", at=SOON) == [everyone]  # the youths' session has started


# --- the last seat ---------------------------------------------------------------------------


def race(store: Store, work: list[Any]) -> list[Any]:
    """Run each of ``work`` in its own thread and transaction, all released at once."""
    start = threading.Barrier(len(work))
    results: list[Any] = [None] * len(work)
    failures: list[BaseException] = []

    def run(i: int) -> None:
        try:
            start.wait()
            with store.transaction() as tx:
                results[i] = work[i](tx)
        except BaseException as exc:  # reported below
            failures.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(work))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not failures, failures
    return results


def test_the_last_seat_taken_by_many_at_once_goes_to_one_the_rest_wait(store: Store) -> None:
    sid = a_session(store, capacity=2)
    assert sign(store, sid, "first", phone(1)).outcome == "registered"

    def taker(n: int) -> Any:
        return lambda tx: training.sign_up(
            tx,
            sid,
            channel="zalo",
            user_ref=f"z{n}",
            lang="vi",
            name=f"Người {n}",
            phone=phone(100 + n),
            consent_id=None,
            now=NOW,
        )

    outcomes = [r.outcome for r in race(store, [taker(n) for n in range(6)])]
    assert sorted(outcomes) == ["registered"] + ["waiting"] * 5
    found = session(store, sid)
    assert (found["registered"], found["waiting"], found["seats_left"]) == (2, 5, 0)


def test_the_same_phone_signing_up_twice_at_once_makes_one_row(store: Store) -> None:
    sid = a_session(store)

    def again(tx: Any) -> training.SignUp:
        return training.sign_up(
            tx,
            sid,
            channel="telegram",
            user_ref="t1",
            lang="vi",
            name="Lan",
            phone="0912345678",
            consent_id=None,
            now=NOW,
        )

    outcomes = sorted(r.outcome for r in race(store, [again, again]))
    assert outcomes == ["already", "registered"]
    assert len(rows(store, TrainingSignup)) == 1


def test_a_phone_already_on_the_session_gets_its_own_row_back(store: Store) -> None:
    sid = a_session(store)
    first = sign(store, sid, "t1", "0912 345 678")
    again = sign(store, sid, "t1", "+84912345678")
    assert again.outcome == "already"
    assert again.signup is not None and first.signup is not None
    assert again.signup["id"] == first.signup["id"]
    assert again.signup["code"] == first.signup["code"]


def test_a_code_is_short_unambiguous_and_read_however_it_is_typed(store: Store) -> None:
    sid = a_session(store, capacity=50)
    codes = [sign(store, sid, f"u{n}", phone(n)).signup["code"] for n in range(20)]
    assert len(set(codes)) == 20
    for code in codes:
        assert len(code) == 6 and not set(code) & set("0O1I")
    typed = f" {codes[0][:3].lower()} {codes[0][3:].lower()}"
    with store.transaction() as tx:
        assert training.by_code(tx, typed)["id"] is not None
        assert training.by_code(tx, "O0I1xx") is None


def test_a_closed_session_takes_nobody(store: Store) -> None:
    sid = a_session(store)
    assert sign(store, sid, "late", phone(1), now=SOON).outcome == "closed"
    with store.transaction() as tx:
        training.cancel(tx, sid, now=NOW, actor="admin")
    assert sign(store, sid, "t1", phone(2)).outcome == "closed"
    assert rows(store, TrainingSignup) == []


# --- the waiting list --------------------------------------------------------------------------


def test_a_cancelled_seat_goes_to_the_first_waiting_who_is_told(store: Store) -> None:
    sid = a_session(store, capacity=1)
    sign(store, sid, "a", phone(1))
    sign(store, sid, "b", phone(2), now=NOW + timedelta(minutes=1))
    sign(store, sid, "c", phone(3), now=NOW + timedelta(minutes=2))
    assert statuses(store, sid) == [("a", "registered"), ("b", "waiting"), ("c", "waiting")]
    with store.transaction() as tx:
        ids = {s["user_ref"]: s["id"] for s in training.signups(tx, sid)}
        assert [training.waiting_position(tx, ids[w]) for w in "abc"] == [None, 1, 2]
    later = NOW + timedelta(hours=1)
    with store.transaction() as tx:
        done = training.cancel_signup(tx, "telegram", "a", sid, now=later, writes_first=WRITERS)
    assert [p["user_ref"] for p in done.cancelled] == ["a"]
    assert [(p["user_ref"], p["promoted_at"]) for p in done.promoted] == [("b", later)]
    assert statuses(store, sid) == [("b", "registered"), ("c", "waiting"), ("a", "cancelled")]
    assert outbox(store) == [("training_promoted", "telegram", "b")]


def test_someone_moved_up_on_the_web_page_is_returned_but_nothing_is_queued(
    store: Store,
) -> None:
    sid = a_session(store, capacity=1)
    sign(store, sid, "a", phone(1))
    sign(store, sid, "w", phone(2), channel="web", now=NOW + timedelta(minutes=1))
    with store.transaction() as tx:
        done = training.cancel_signup(tx, "telegram", "a", now=NOW, writes_first=WRITERS)
    assert [p["user_ref"] for p in done.promoted] == ["w"]
    assert outbox(store) == []


def test_staff_cancelling_a_sign_up_move_the_queue_and_a_raised_capacity_too(
    store: Store,
) -> None:
    sid = a_session(store, capacity=1)
    a = sign(store, sid, "a", phone(1)).signup
    for n, who in enumerate("bcd", start=2):
        sign(store, sid, who, phone(n), now=NOW + timedelta(minutes=n))
    with store.transaction() as tx:
        done = training.cancel_by_staff(tx, a["id"], now=NOW, actor="admin", writes_first=WRITERS)
    assert done is not None and [p["user_ref"] for p in done.promoted] == ["b"]
    values = {
        "title": "Đăng ký tên miền .vn và làm website",
        "starts_at": SOON,
        "place": "Hội trường UBND phường",
        "audience": "all",
        "now": NOW,
        "actor": "admin",
        "writes_first": WRITERS,
    }
    with store.transaction() as tx:
        edited = training.edit(tx, sid, capacity=3, **values)
    assert edited is not None and [p["user_ref"] for p in edited.promoted] == ["c", "d"]
    with pytest.raises(TrainingError) as refused, store.transaction() as tx:
        training.edit(tx, sid, capacity=2, **values)
    assert (refused.value.key, refused.value.params) == ("capacity_below", {"registered": 3})
    kinds = [k for k, _, _ in outbox(store)]
    assert kinds == ["training_promoted"] * 3


def test_a_new_time_is_told_to_everyone_and_their_reminders_go_again(store: Store) -> None:
    sid = a_session(store, capacity=1)
    sign(store, sid, "a", phone(1))
    sign(store, sid, "b", phone(2), channel="zalo")
    with store.transaction() as tx:
        tx.conn.execute(TrainingSignup.__table__.update().values(reminded_day_at=NOW))
        training.edit(
            tx,
            sid,
            title="Đăng ký tên miền .vn và làm website",
            starts_at=SOON + timedelta(days=1),
            place="Nhà văn hóa tổ dân phố 3",
            capacity=1,
            audience="all",
            now=NOW,
            actor="admin",
            writes_first=WRITERS,
        )
    assert outbox(store) == [
        ("training_changed", "telegram", "a"),
        ("training_changed", "zalo", "b"),
    ]
    assert {r["reminded_day_at"] for r in rows(store, TrainingSignup)} == {None}


def test_cancelling_a_session_tells_everyone_on_it_once(store: Store) -> None:
    sid = a_session(store, capacity=1)
    sign(store, sid, "a", phone(1))
    sign(store, sid, "b", phone(2), channel="zalo")
    sign(store, sid, "w", phone(3), channel="web")
    sign(store, sid, "gone", phone(4))
    with store.transaction() as tx:
        training.cancel_signup(tx, "telegram", "gone", now=NOW)
        people = training.cancel(
            tx, sid, now=NOW, actor="admin", reason="Mưa bão", writes_first=WRITERS
        )
    assert people is not None and sorted(p["user_ref"] for p in people) == ["a", "b", "w"]
    assert outbox(store) == [
        ("training_cancelled", "telegram", "a"),
        ("training_cancelled", "zalo", "b"),
    ]
    assert {json.loads(r["payload"])["reason"] for r in rows(store, Outbox)} == {"Mưa bão"}
    with pytest.raises(TrainingError) as again, store.transaction() as tx:
        training.cancel(tx, sid, now=NOW, actor="admin")
    assert again.value.key == "cancelled"
    assert session(store, sid)["cancelled_at"] == NOW


def test_signing_up_again_after_cancelling_keeps_the_code_and_joins_the_back(
    store: Store,
) -> None:
    sid = a_session(store, capacity=1)
    code = sign(store, sid, "a", phone(1)).signup["code"]
    sign(store, sid, "b", phone(2))
    with store.transaction() as tx:
        training.cancel_signup(tx, "telegram", "a", sid, now=NOW)
    back = sign(store, sid, "a", phone(1), now=NOW + timedelta(minutes=5))
    assert back.outcome == "waiting" and back.signup["code"] == code


# --- at the door ---------------------------------------------------------------------------------


def test_a_person_is_checked_in_once(store: Store) -> None:
    sid = a_session(store)
    code = sign(store, sid, "a", phone(1)).signup["code"]
    at = SOON - timedelta(minutes=10)
    with store.transaction() as tx:
        first = training.check_in(tx, sid, code.lower(), "staff@phuong.vn", at)
    with store.transaction() as tx:
        second = training.check_in(tx, sid, code, "other@phuong.vn", at + timedelta(minutes=3))
    assert first.outcome == "checked_in" and first.signup["checked_in_by"] == "staff@phuong.vn"
    assert (second.outcome, second.at) == ("already", at)
    assert session(store, sid)["attended"] == 1


def test_two_phones_checking_in_the_same_code_at_once_count_it_once(store: Store) -> None:
    sid = a_session(store)
    code = sign(store, sid, "a", phone(1)).signup["code"]
    outcomes = race(
        store,
        [lambda tx, n=n: training.check_in(tx, sid, code, f"staff{n}", NOW) for n in range(4)],
    )
    assert sorted(r.outcome for r in outcomes) == ["already"] * 3 + ["checked_in"]
    assert session(store, sid)["attended"] == 1


def test_unknown_codes_and_another_sessions_code_are_told_apart(store: Store) -> None:
    here = a_session(store)
    there = a_session(store, title="Buổi khác")
    code = sign(store, there, "a", phone(1)).signup["code"]
    with store.transaction() as tx:
        assert training.check_in(tx, here, "ABCDEF", "staff", NOW).outcome == "unknown"
        assert training.check_in(tx, here, "not a code", "staff", NOW).outcome == "unknown"
        wrong = training.check_in(tx, here, code, "staff", NOW)
    assert wrong.outcome == "wrong_session" and wrong.session["id"] == there
    assert session(store, there)["attended"] == 0


def test_someone_waiting_is_checked_in_only_when_staff_say_so_and_then_has_a_seat(
    store: Store,
) -> None:
    sid = a_session(store, capacity=1)
    sign(store, sid, "a", phone(1))
    code = sign(store, sid, "b", phone(2)).signup["code"]
    with store.transaction() as tx:
        asked = training.check_in(tx, sid, code, "staff", NOW)
    assert asked.outcome == "waiting" and session(store, sid)["attended"] == 0
    with store.transaction() as tx:
        done = training.check_in(tx, sid, code, "staff", NOW, anyway=True)
    assert done.outcome == "checked_in" and done.signup["status"] == "registered"
    found = session(store, sid)
    assert (found["registered"], found["waiting"], found["attended"]) == (2, 0, 1)


def test_a_walk_in_is_checked_in_at_once_and_someone_signed_up_keeps_their_row(
    store: Store,
) -> None:
    sid = a_session(store, capacity=1)
    sign(store, sid, "a", phone(1))
    with store.transaction() as tx:
        walk = training.add_walk_in(tx, sid, "  Trần Văn Bình ", None, "staff", NOW)
        known = training.add_walk_in(tx, sid, "Người a", "0912345001", "staff", NOW)
        twice = training.add_walk_in(tx, sid, "Người a", "0912 345 001", "staff", NOW)
    assert walk.outcome == "checked_in"
    assert walk.signup is not None and walk.signup["walk_in"] is True
    assert (walk.signup["name"], walk.signup["phone"], walk.signup["channel"]) == (
        "Trần Văn Bình",
        None,
        None,
    )
    assert known.outcome == "checked_in" and known.signup["user_ref"] == "a"
    assert twice.outcome == "already"
    assert len(rows(store, TrainingSignup)) == 2
    assert session(store, sid)["attended"] == 2
    with pytest.raises(TrainingError) as refused, store.transaction() as tx:
        training.add_walk_in(tx, sid, "Bình", "12", "staff", NOW)
    assert refused.value.key == "phone_bad"


# --- the person's own data -----------------------------------------------------------------------


def test_a_residents_data_lists_their_sign_ups_and_erasing_it_frees_their_seat(
    store: Store,
) -> None:
    sid = a_session(store, capacity=1)
    sign(store, sid, "a", phone(1))
    sign(store, sid, "b", phone(2))
    other = a_session(store, title="Khác")
    with store.transaction() as tx:
        training.cancel(tx, other, now=NOW, actor="x", writes_first=WRITERS)
        mine = erasure.my_data(tx, "telegram", "a")["trainings"]
    assert [(t["title"], t["status"], t["phone"]) for t in mine] == [
        ("Đăng ký tên miền .vn và làm website", "registered", "+84912345001")
    ]
    with store.transaction() as tx:
        erasure.erase(tx, "telegram", "a", WRITERS)
        assert erasure.my_data(tx, "telegram", "a")["trainings"] == []
    assert statuses(store, sid) == [("b", "registered")]
    assert outbox(store) == [("training_promoted", "telegram", "b")]


def test_erasing_a_person_removes_the_notices_queued_about_them(store: Store) -> None:
    sid = a_session(store, capacity=1)
    sign(store, sid, "a", phone(1))
    sign(store, sid, "b", phone(2))
    with store.transaction() as tx:
        training.cancel_signup(tx, "telegram", "a", now=NOW, writes_first=WRITERS)
        erasure.erase(tx, "telegram", "b")
    assert rows(store, Outbox) == []


def test_after_the_retention_period_attendance_stays_and_names_go(store: Store) -> None:
    sid = a_session(store)
    code = sign(store, sid, "a", phone(1)).signup["code"]
    with store.transaction() as tx:
        training.check_in(tx, sid, code, "staff", NOW)
        assert training.forget_everyone(tx) == 1
    [row] = rows(store, TrainingSignup)
    assert (row["name"], row["phone"], row["user_ref"]) == ("", None, None)
    assert session(store, sid)["attended"] == 1


def test_a_residents_data_message_names_their_sign_up(store: Store, content) -> None:
    from handlers.privacy import my_data_message

    sid = a_session(store)
    code = sign(store, sid, "a", phone(1)).signup["code"]
    with store.transaction() as tx:
        data = erasure.my_data(tx, "telegram", "a")
    text = my_data_message(content, "vi", data).text
    assert (
        f"- Đăng ký tập huấn «Đăng ký tên miền .vn và làm website» (09:00 10/12/2026): họ tên"
        f" Người a, số điện thoại 0912 345 001, mã nhận diện {code}, bạn đã có chỗ."
    ) in text
