"""The plan's dated duties (bot.reports.duties, run by bot.scheduler.PlanDuties) in Vietnam
time: on the 5th of a quarter's last month leaders are reminded (their linked chat through
the outbox, and a banner), on the 10th the teams' reports not sent are drafted and admins
see who has not sent, on the 11th the ward's draft is ready; a day missed while the server
was down is done once after it starts; two checks racing do it once; a leader whose team
has sent is not reminded. On SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import threading
from datetime import UTC, date, datetime, time

from sqlalchemy import select

from bot.clock import VIETNAM
from bot.reports import duties
from bot.scheduler import PlanDuties
from db import plan as records
from db.store import Store
from db.tables import duty_t, outbox_t, report_t
from handlers.content import Content
from tests.support.followup import a_member, a_team, a_user

Q4 = "2026Q4"


def at(day: date, hour: int = 9) -> datetime:
    """``hour`` o'clock in Vietnam on ``day``, as UTC."""
    return datetime.combine(day, time(hour), VIETNAM).astimezone(UTC)


def ward(store: Store) -> dict[str, int]:
    a = a_team(store, "Tổ công nghệ số 1", "Tổ dân phố 1")
    b = a_team(store, "Tổ công nghệ số 2", "Tổ dân phố 2")
    leader_a = a_user(store, "lan@phuong.vn", "leader", a)
    leader_b = a_user(store, "binh@phuong.vn", "leader", b)
    a_member(store, "9001", a, "Lan", user_id=leader_a)
    a_member(store, "9002", b, "Bình", user_id=leader_b)
    a_member(store, "9003", a, "Thành viên")  # not a leader: never reminded
    a_user(store, "admin@phuong.vn", "admin")
    return {"a": a, "b": b}


def run(store: Store, content: Content, day: date, hour: int = 9) -> list[str]:
    return duties.run_due(store, content, content.plan.reporting, day, at(day, hour))


def notices(store: Store) -> list[dict]:
    with store.transaction() as tx:
        rows = tx.conn.execute(
            select(outbox_t).where(outbox_t.c.kind == duties.NOTICE).order_by(outbox_t.c.id)
        )
        return [dict(r) for r in rows.mappings()]


def banner_keys(store: Store, role: str, team_id: int | None, day: date, content: Content) -> list:
    with store.transaction() as tx:
        found = duties.banners(tx, role, team_id, day, content.plan.reporting)
    return [(b.key, b.params.get("teams")) for b in found]


def test_vietnam_days_of_the_quarter(content: Content) -> None:
    from handlers.quarters import Quarter

    days = duties.duty_days(Quarter(2026, 4), content.plan.reporting)
    assert days == {
        "remind_leaders:2026Q4": date(2026, 12, 5),
        "draft_team_reports:2026Q4": date(2026, 12, 10),
        "ward_draft:2026Q4": date(2026, 12, 11),
    }
    assert duties.team_deadline(Quarter(2026, 4), content.plan.reporting) == date(2026, 12, 9)


def test_nothing_happens_before_the_5th(store: Store, content: Content) -> None:
    ward(store)
    assert run(store, content, date(2026, 12, 4)) == []
    assert notices(store) == []


def test_the_5th_in_vietnam_reminds_each_leader_once(store: Store, content: Content) -> None:
    teams = ward(store)
    # 23:30 UTC on 4 December is 06:30 on the 5th in Vietnam: the day has come
    now = datetime(2026, 12, 4, 23, 30, tzinfo=UTC)
    done = duties.run_due(store, content, content.plan.reporting, date(2026, 12, 5), now)
    assert done == ["remind_leaders:2026Q4"]
    sent = notices(store)
    assert sorted(r["recipient"] for r in sent) == ["9001", "9002"]
    text = json.loads(sent[0]["payload"])["text"]
    assert "Quý IV/2026" in text and "09/12/2026" in text
    assert run(store, content, date(2026, 12, 5), 15) == []  # later the same day: nothing
    assert len(notices(store)) == 2
    assert banner_keys(store, "leader", teams["a"], date(2026, 12, 6), content) == [
        ("leader_remind", None)
    ]
    assert banner_keys(store, "admin", None, date(2026, 12, 6), content) == []


def test_a_leader_whose_team_has_sent_is_not_reminded(store: Store, content: Content) -> None:
    teams = ward(store)
    with store.transaction() as tx:
        records.save_report(
            tx,
            Q4,
            records.team_scope(teams["a"]),
            teams["a"],
            difficulties="Thiếu máy tính",
            proposals="",
            by="lan@phuong.vn",
            now=at(date(2026, 12, 3)),
            submit=True,
        )
    run(store, content, date(2026, 12, 5))
    assert [r["recipient"] for r in notices(store)] == ["9002"]
    assert banner_keys(store, "leader", teams["a"], date(2026, 12, 6), content) == []


def test_the_10th_drafts_missing_reports_and_admins_see_who_has_not_sent(
    store: Store, content: Content
) -> None:
    teams = ward(store)
    run(store, content, date(2026, 12, 5))
    with store.transaction() as tx:
        records.save_report(
            tx,
            Q4,
            records.team_scope(teams["b"]),
            teams["b"],
            difficulties="",
            proposals="Thêm buổi tập huấn",
            by="binh@phuong.vn",
            now=at(date(2026, 12, 8)),
            submit=True,
        )
    assert run(store, content, date(2026, 12, 10)) == ["draft_team_reports:2026Q4"]
    with store.transaction() as tx:
        rows = {r["scope"]: r for r in records.reports(tx, Q4)}
    drafted = rows[records.team_scope(teams["a"])]
    assert drafted["drafted_at"] is not None and drafted["submitted_at"] is None
    assert rows[records.team_scope(teams["b"])]["drafted_at"] is None  # sent: no draft
    assert banner_keys(store, "admin", None, date(2026, 12, 10), content) == [
        ("teams_missing", "Tổ công nghệ số 1")
    ]
    assert banner_keys(store, "leader", teams["a"], date(2026, 12, 10), content) == [
        ("leader_late", None)
    ]
    assert run(store, content, date(2026, 12, 11)) == ["ward_draft:2026Q4"]
    with store.transaction() as tx:
        assert records.report(tx, Q4, records.WARD)["drafted_at"] is not None
    keys = [k for k, _ in banner_keys(store, "admin", None, date(2026, 12, 11), content)]
    assert keys == ["teams_missing", "ward_ready"]


def test_days_missed_while_down_run_once_after_start(store: Store, content: Content) -> None:
    ward(store)
    run(store, content, date(2026, 12, 1))  # up on the 1st, then down until the 12th
    assert run(store, content, date(2026, 12, 12)) == [
        "remind_leaders:2026Q4",
        "draft_team_reports:2026Q4",
        "ward_draft:2026Q4",
    ]
    assert len(notices(store)) == 2
    assert run(store, content, date(2026, 12, 12), 15) == []
    assert run(store, content, date(2026, 12, 13)) == []
    assert len(notices(store)) == 2


def test_a_quarter_gone_by_is_closed_without_its_work(store: Store, content: Content) -> None:
    ward(store)
    run(store, content, date(2026, 9, 1))  # Q3's duties made, then down until October
    assert run(store, content, date(2026, 10, 2)) == [
        "remind_leaders:2026Q3",
        "draft_team_reports:2026Q3",
        "ward_draft:2026Q3",
    ]
    assert notices(store) == []
    with store.transaction() as tx:
        assert records.reports(tx, "2026Q3") == []


def test_two_checks_racing_do_each_duty_once(store: Store, content: Content) -> None:
    ward(store)
    run(store, content, date(2026, 12, 1))
    barrier = threading.Barrier(2)
    done: list[list[str]] = []

    def check() -> None:
        barrier.wait()
        done.append(run(store, content, date(2026, 12, 12)))

    threads = [threading.Thread(target=check) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(k for keys in done for k in keys) == sorted(
        ["remind_leaders:2026Q4", "draft_team_reports:2026Q4", "ward_draft:2026Q4"]
    )
    assert len(notices(store)) == 2
    with store.transaction() as tx:
        assert all(r["done_at"] for r in tx.conn.execute(select(duty_t)).mappings())
        assert len(tx.conn.execute(select(report_t)).all()) == 3  # two teams and the ward


def test_the_scheduler_checks_at_start(store: Store, content: Content) -> None:
    ward(store)
    with store.transaction() as tx:
        records.ensure_duty(tx, "remind_leaders:2026Q4", date(2026, 12, 5))
    clock = lambda: at(date(2026, 12, 7), 10)  # noqa: E731  (a day after it was due)

    async def started() -> list[str]:
        runner = PlanDuties(store, content, content.plan.reporting, clock)
        woken: list[bool] = []
        runner.on_done.append(lambda: woken.append(True))
        runner.start()
        try:
            for _ in range(200):
                if notices(store):
                    break
                await asyncio.sleep(0.05)
        finally:
            await runner.stop()
        return [r["recipient"] for r in notices(store)]

    assert sorted(asyncio.run(started())) == ["9001", "9002"]
