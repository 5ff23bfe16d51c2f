"""The plan tracker (``/office/plan``) and the quarterly reports (``/office/reports``) against
the real app on loopback: who may open what (members 403; another team's report 404), the
leader's form saved and sent (audited), which teams have sent, the downloads per role read
back as documents, evidence recorded by hand (bad input answered in Vietnamese, nothing
recorded), overdue tasks labelled in words, and the plan's banners on the first page."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import docx
import openpyxl
from sqlalchemy import select

from bot.reports import duties
from db import audit
from db import plan as records
from db.store import Store
from db.tables import plan_evidence_t
from handlers.content import Content
from tests.support.office import Clock, browser, make_user, office_app
from tests.support.plan_ward import DIFFICULTIES_1, Q4, TEAM_1, TEAM_2, plan_ward

ADMIN = "admin@phuong.vn"
LEADER_1 = "lan@phuong.vn"
LEADER_2 = "binh@phuong.vn"
MEMBER = "an@phuong.vn"
DECEMBER = Clock(datetime(2026, 12, 6, 3, tzinfo=UTC))  # 10:00 on 6 December in Vietnam


def people(store: Store) -> dict[str, int]:
    ids = plan_ward(store)
    make_user(store, ADMIN, "admin")
    make_user(store, LEADER_1, "leader", TEAM_1)
    make_user(store, LEADER_2, "leader", TEAM_2)
    make_user(store, MEMBER, "member", TEAM_1)
    return ids


def actions(store: Store, action: str) -> list[dict]:
    with store.transaction() as tx:
        return audit.events(tx, action=action)


async def test_who_may_open_the_plan_and_the_reports(store: Store, content: Content) -> None:
    people(store)
    async with office_app(store, content, DECEMBER) as (base, _):
        async with browser(base) as member:
            await member.login(MEMBER)
            assert (await member.get("/office/plan")).status == 403
            assert (await member.get("/office/reports")).status == 403
        async with browser(base) as leader:
            await leader.login(LEADER_1)
            plan = await leader.get("/office/plan")
            assert plan.status == 200 and "Ghi kết quả kèm minh chứng" not in plan.text
            page = await leader.get("/office/reports?quarter=2026Q4")
            assert page.status == 200 and TEAM_1 in page.text and TEAM_2 not in page.text


async def test_overdue_tasks_are_labelled_in_words(store: Store, content: Content) -> None:
    people(store)
    async with office_app(store, content, DECEMBER) as (base, _), browser(base) as admin:
        await admin.login(ADMIN)
        page = (await admin.get("/office/plan")).text
    task = page.split('id="task-I.3"')[1].split("</li>")[0]
    assert "Quá hạn: đã qua hạn 30/11/2025 mà chưa có kết quả." in task
    logo = page.split('id="task-I.4"')[1].split("</li>")[0]
    assert "Quá hạn" not in logo and "Đặt logo trên Cổng" in logo
    assert "2 nhiệm vụ quá hạn chưa có kết quả:" in page


async def test_admin_records_evidence_and_the_task_is_no_longer_overdue(
    store: Store, content: Content
) -> None:
    people(store)
    async with office_app(store, content, DECEMBER) as (base, _):
        async with browser(base) as admin:
            await admin.login(ADMIN)
            await admin.get("/office/plan")
            bad = await admin.post(
                "/office/plan/I.3/evidence",
                {"done_on": "2025-11-20", "note": "Công văn", "count": "1", "link": "javascript:x"},
            )
            assert bad.status == 400 and "Liên kết chưa đúng" in bad.text
            future = await admin.post(
                "/office/plan/I.3/evidence", {"done_on": "2027-01-01", "note": "x", "count": "1"}
            )
            assert future.status == 400 and "Ngày thực hiện chưa đến" in future.text
            with store.transaction() as tx:
                before = len(tx.conn.execute(select(plan_evidence_t)).all())
            ok = await admin.post(
                "/office/plan/I.3/evidence",
                {"done_on": "2025-11-20", "note": "Công văn triển khai số 12", "count": "1"},
            )
            assert ok.status == 303 and ok.location.endswith("#task-I.3")
            page = (await admin.get(ok.location.split("#")[0])).text
            assert (await admin.post("/office/plan/IX.9/evidence", {"note": "x"})).status == 404
        async with browser(base) as leader:
            await leader.login(LEADER_1)
            await leader.get("/office/plan")
            answer = await leader.post(
                "/office/plan/I.3/evidence", {"done_on": "2025-11-20", "note": "x", "count": "1"}
            )
            assert answer.status == 403
    task = page.split('id="task-I.3"')[1].split("</li>")[0]
    assert "Quá hạn" not in task and "20/11/2025: Công văn triển khai số 12" in task
    with store.transaction() as tx:
        assert len(tx.conn.execute(select(plan_evidence_t)).all()) == before + 1
    assert [e["target"] for e in actions(store, "plan_evidence")] == ["plan:I.3"]


async def test_leader_writes_and_sends_the_team_report(store: Store, content: Content) -> None:
    ids = people(store)
    async with office_app(store, content, DECEMBER) as (base, _):
        async with browser(base) as leader:
            await leader.login(LEADER_2)
            await leader.get("/office/reports?quarter=2026Q4")
            form = {"difficulties": "Thiếu máy tính", "proposals": "Xin thêm tài liệu"}
            saved = await leader.post(
                f"/office/reports/2026Q4/team/{ids['team_2']}", {**form, "action": "save"}
            )
            assert saved.status == 303
            with store.transaction() as tx:
                row = records.report(tx, Q4, records.team_scope(ids["team_2"]))
            assert row["proposals"] == "Xin thêm tài liệu" and row["submitted_at"] is None
            sent = await leader.post(
                f"/office/reports/2026Q4/team/{ids['team_2']}", {**form, "action": "submit"}
            )
            assert sent.status == 303
            other = await leader.post(
                f"/office/reports/2026Q4/team/{ids['team_1']}", {**form, "action": "submit"}
            )
            assert other.status == 404  # another team's report
        async with browser(base) as admin:
            await admin.login(ADMIN)
            page = (await admin.get("/office/reports?quarter=2026Q4")).text
    assert "2/2 tổ đã gửi báo cáo." in page and "Thiếu máy tính" in page and DIFFICULTIES_1 in page
    with store.transaction() as tx:
        row = records.report(tx, Q4, records.team_scope(ids["team_1"]))
    assert row["difficulties"] == DIFFICULTIES_1  # team 1's words untouched
    assert len(actions(store, "report_submitted")) == 1
    assert len(actions(store, "report_saved")) == 1


async def test_downloads_per_role(store: Store, content: Content) -> None:
    ids = people(store)
    team_1, team_2 = ids["team_1"], ids["team_2"]
    async with office_app(store, content, DECEMBER) as (base, _):
        async with browser(base) as leader:
            await leader.login(LEADER_1)
            status, body, headers = await leader.get_bytes(
                f"/office/reports/2026Q4/team-{team_1}.docx"
            )
            assert status == 200 and "attachment" in headers["Content-Disposition"]
            doc = docx.Document(io.BytesIO(body))
            assert any("Tổ công nghệ số 1 đã tiếp nhận 4 yêu cầu" in p.text for p in doc.paragraphs)
            assert (await leader.get_bytes(f"/office/reports/2026Q4/team-{team_2}.docx"))[0] == 404
            assert (await leader.get_bytes("/office/reports/2026Q4/ward.docx"))[0] == 403
            assert (await leader.get_bytes("/office/reports/final/ward.xlsx"))[0] == 403
        async with browser(base) as admin:
            await admin.login(ADMIN)
            status, body, _ = await admin.get_bytes("/office/reports/2026Q4/ward.xlsx")
            assert status == 200
            book = openpyxl.load_workbook(io.BytesIO(body))
            assert book.sheetnames[0] == "Tổng hợp"
            status, body, _ = await admin.get_bytes("/office/reports/final/ward.docx")
            assert status == 200
            lines = [p.text for p in docx.Document(io.BytesIO(body)).paragraphs]
            assert lines[lines.index("BÁO CÁO") + 1].startswith("Tổng kết kết quả")
            assert (await admin.get_bytes("/office/reports/2026Q4/team-999.docx"))[0] == 404
    made = actions(store, "report_exported")
    assert len(made) == 3 and {e["actor"] for e in made} == {LEADER_1, ADMIN}


async def test_ward_report_finalised_then_a_leader_change_is_kept_with_a_note(
    store: Store, content: Content
) -> None:
    ids = people(store)
    async with office_app(store, content, DECEMBER) as (base, _):
        async with browser(base) as admin:
            await admin.login(ADMIN)
            await admin.get("/office/reports?quarter=2026Q4")
            answer = await admin.post(
                "/office/reports/2026Q4/ward",
                {"difficulties": "Chung", "proposals": "", "action": "finalise"},
            )
            assert answer.status == 303
        async with browser(base) as leader:
            await leader.login(LEADER_1)
            page = await leader.get("/office/reports?quarter=2026Q4")
            assert "đã được chốt" in page.text
            changed = await leader.post(
                f"/office/reports/2026Q4/team/{ids['team_1']}",
                {"difficulties": "Sửa sau khi chốt", "proposals": "", "action": "save"},
            )
            assert changed.status == 303
    assert actions(store, "report_saved")[0]["detail"]["after_final"] is True
    assert len(actions(store, "report_finalised")) == 1


async def test_banners_follow_the_plan_days(store: Store, content: Content) -> None:
    people(store)
    now = datetime(2026, 12, 10, 2, tzinfo=UTC)
    duties.run_due(store, content, content.plan.reporting, date(2026, 12, 10), now)
    async with office_app(store, content, Clock(now)) as (base, _):
        async with browser(base) as admin:
            await admin.login(ADMIN)
            home = (await admin.get("/office/")).text
            assert "Các tổ chưa gửi báo cáo Quý IV/2026: Tổ công nghệ số 2." in home
        async with browser(base) as leader:
            await leader.login(LEADER_2)
            home = (await leader.get("/office/")).text
            assert 'data-banner="leader_late"' in home
        async with browser(base) as leader:
            await leader.login(LEADER_1)  # team 1 has sent: no banner
            assert "data-banner" not in (await leader.get("/office/")).text
