"""Training sessions in the plan's numbers, on SQLite and PostgreSQL: the tracker's I.1
counts the sessions held (not cancelled, started by the day) with the people checked in;
I.5 lists the sessions held at each school, and a session at a school reaches it (in
db.progress's schools reached and on the schools page, as an activity); the quarterly
report says the sessions and attendance in the quarter and in all."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import update

from bot.reports.gather import gather, tracker
from db import schools, training
from db.progress import progress
from db.store import Store
from db.tables import school_t
from handlers.content import Content
from handlers.quarters import Quarter

ON = date(2026, 11, 25)
Q4 = Quarter(2026, 4)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def held(
    store: Store,
    starts_at: datetime,
    came: int,
    *,
    school_id: int | None = None,
    cancelled: bool = False,
    title: str = "Đăng ký tên miền .vn",
) -> int:
    """A session that starts at ``starts_at``, ``came`` people checked in (and one who
    signed up and did not come)."""
    made_at = starts_at - timedelta(days=30)
    with store.transaction() as tx:
        sid = int(
            training.create(
                tx,
                title=title,
                starts_at=starts_at,
                place="Hội trường",
                capacity=100,
                audience="all",
                school_id=school_id,
                now=made_at,
                actor="cli",
            )["id"]
        )
        for n in range(came + 1):
            done = training.sign_up(
                tx,
                sid,
                channel="zalo",
                user_ref=f"{sid}-{n}",
                lang="vi",
                name=f"Người {n}",
                phone=f"0912 {sid:03d} {n:03d}",
                consent_id=None,
                now=made_at,
            )
            assert done.signup is not None
            if n < came:
                training.check_in(tx, sid, done.signup["code"], "staff", starts_at)
        if cancelled:
            training.cancel(tx, sid, now=made_at, actor="cli")
    return sid


def a_school(store: Store, name: str) -> int:
    """A school on the ward's list since September."""
    with store.transaction() as tx:
        school_id = int(schools.add(tx, name, "college", actor="cli")["id"])
        tx.conn.execute(
            update(school_t).where(school_t.c.id == school_id).values(created_at=utc(2026, 9, 1))
        )
    return school_id


def t(content: Content) -> Any:
    return lambda key, **params: content.render("vi", key, **params)


def test_a_training_held_at_a_school_reaches_it_from_its_day(
    store: Store, content: Content
) -> None:
    hàng_hải = a_school(store, "Trường Cao đẳng Hàng hải")
    a_school(store, "Trường Trung cấp nghề Kiến An")
    nghề = a_school(store, "Trường Cao đẳng Nghề")
    held(store, utc(2026, 11, 24, 1, 0), 2, school_id=hàng_hải)  # 08:00 on 24/11
    held(store, utc(2026, 11, 20, 1, 0), 0, school_id=nghề, cancelled=True)  # called off

    def reached(on: date) -> tuple[int, int | None]:
        with store.transaction() as tx:
            ratio = progress(tx, on, content.rules, content.plan).schools_reached
        return ratio.numerator, ratio.denominator

    assert reached(date(2026, 11, 23)) == (0, 3)
    assert reached(ON) == (1, 3)
    with store.transaction() as tx:
        listed = {s["name"]: s for s in schools.listing(tx, ON)}
    school = listed["Trường Cao đẳng Hàng hải"]
    assert school["reached"] is True and school["attended"] == 2
    assert [(a["held_on"], a["activity"]) for a in school["activities"]] == [
        (date(2026, 11, 24), "Đăng ký tên miền .vn")
    ]
    assert listed["Trường Cao đẳng Nghề"]["reached"] is False


def test_the_tracker_counts_sessions_held_with_attendance_and_schools_by_school(
    store: Store, content: Content
) -> None:
    hàng_hải = a_school(store, "Trường Cao đẳng Hàng hải")
    held(store, utc(2026, 11, 10, 1, 0), 3)
    held(store, utc(2026, 11, 24, 1, 0), 2, school_id=hàng_hải)
    held(store, utc(2026, 11, 12, 1, 0), 5, cancelled=True)
    held(store, utc(2026, 12, 5, 1, 0), 0)  # not held yet on the day
    with store.transaction() as tx:
        fig, _sections, rows = tracker(tx, content.plan, content.rules, ON, t(content))
    assert (fig.training_held, fig.training_attended) == (2, 5)
    by_code = {r.code: r for r in rows}
    assert by_code["I.1"].measured == "Đã tổ chức 2 buổi tập huấn, 5 lượt người tham dự."
    assert by_code["I.1"].done is True
    assert by_code["I.5"].measured.splitlines() == [
        "Đã tuyên truyền tới 1/1 trường cao đẳng, dạy nghề (100,0%).",
        "Tập huấn tại Trường Cao đẳng Hàng hải: 1 buổi, 2 người tham dự.",
    ]


def test_the_quarterly_report_says_the_sessions_of_the_quarter_and_in_all(
    store: Store, content: Content
) -> None:
    held(store, utc(2026, 9, 28, 1, 0), 4)  # the third quarter
    held(store, utc(2026, 10, 2, 1, 0), 3)
    held(store, utc(2026, 11, 24, 1, 0), 2)
    with store.transaction() as tx:
        data = gather(tx, content, content.plan, level="ward", quarter=Q4, today=ON)
    f = data.figures
    assert (f.training_held, f.training_attended) == (3, 9)
    assert (f.quarter_training_held, f.quarter_training_attended) == (2, 5)
    words = content.render(
        "vi",
        "report_doc.training",
        count=f.training_held,
        attended=f.training_attended,
        quarter=True,
        quarter_count=f.quarter_training_held,
        quarter_attended=f.quarter_training_attended,
    )
    assert words == (
        "Đã tổ chức 3 buổi tập huấn, hướng dẫn triển khai Chương trình với 9 lượt người tham"
        " dự; trong quý: 2 buổi, 5 lượt người tham dự."
    )
