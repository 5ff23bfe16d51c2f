"""The leads board and a lead's page, against the real app on loopback: who sees which
lead (another team's answers 404), claiming, statuses with the domain registered, notes,
filters and search, pages, exports, the audit log, and text shown as text."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from db import followup
from db.store import Store
from db.tables import audit_t, lead_t
from handlers.content import Content
from tests.support.followup import a_lead, a_member, a_team
from tests.support.office import browser, make_user, office_app


@pytest.fixture
def ward(store: Store) -> dict[str, int]:
    """Two teams, an admin, a leader and two members of team 1, a member of team 2, and a
    lead in each team's tổ dân phố."""
    one = a_team(store, "Tổ công nghệ số 1", "Tổ dân phố 1")
    two = a_team(store, "Tổ công nghệ số 2", "Tổ dân phố 2")
    make_user(store, "admin@phuong.vn", "admin", name="Chị Lan")
    make_user(store, "leader1@phuong.vn", "leader", "Tổ công nghệ số 1", name="Anh Nam")
    make_user(store, "hoa@phuong.vn", "member", "Tổ công nghệ số 1", name="Chị Hoa")
    make_user(store, "minh@phuong.vn", "member", "Tổ công nghệ số 1", name="Anh Minh")
    make_user(store, "tu@phuong.vn", "member", "Tổ công nghệ số 2", name="Anh Tú")
    first = a_lead(store, "0912345678", "Nguyễn Thị Hương", "Tổ dân phố 1")
    second = a_lead(
        store,
        "0987654321",
        "Lê Văn Sơn",
        "Tổ dân phố 2",
        applicant="household",
        reason="eligible_household",
    )
    return {"team1": one, "team2": two, "lead1": first, "lead2": second}


def lead(store: Store, lead_id: int) -> dict:
    with store.transaction() as tx:
        return dict(tx.conn.execute(select(lead_t).where(lead_t.c.id == lead_id)).mappings().one())


def audited(store: Store, action: str) -> list[dict]:
    with store.transaction() as tx:
        rows = tx.conn.execute(select(audit_t).where(audit_t.c.action == action)).mappings()
        return [dict(r) for r in rows]


@pytest.mark.parametrize(
    ("email", "sees_first", "sees_second"),
    [
        ("admin@phuong.vn", True, True),
        ("leader1@phuong.vn", True, False),
        ("hoa@phuong.vn", True, False),
        ("tu@phuong.vn", False, True),
    ],
)
async def test_each_role_sees_its_leads_and_another_teams_lead_is_not_there(
    store: Store,
    content: Content,
    ward: dict[str, int],
    email: str,
    sees_first: bool,
    sees_second: bool,
):
    async with office_app(store, content) as (base, _), browser(base) as b:
        await b.login(email)
        board = await b.get("/office/leads")
        assert board.status == 200
        assert (f"#{ward['lead1']}<" in board.text) is sees_first
        assert (f"#{ward['lead2']}<" in board.text) is sees_second
        for key, seen in (("lead1", sees_first), ("lead2", sees_second)):
            page = await b.get(f"/office/leads/{ward[key]}")
            assert page.status == (200 if seen else 404)
        assert (await b.get("/office/leads/99999")).status == 404


async def test_a_member_claims_a_lead_and_then_sees_the_contact_details(
    store: Store, content: Content, ward: dict[str, int]
):
    lead_id = ward["lead1"]
    async with office_app(store, content) as (base, _), browser(base) as b:
        await b.login("hoa@phuong.vn")
        before = await b.get(f"/office/leads/{lead_id}")
        assert "Nguyễn Thị Hương" not in before.text and "0912 345 678" not in before.text
        assert "hiện ra sau khi bạn nhận hỗ trợ" in before.text
        claimed = await b.post(f"/office/leads/{lead_id}/claim", {})
        assert claimed.location == f"/office/leads/{lead_id}?ok=claimed"
        after = await b.get(claimed.location)
        assert "Bạn đã nhận hỗ trợ hồ sơ này." in after.text
        assert "Nguyễn Thị Hương" in after.text and "0912 345 678" in after.text
    row = lead(store, lead_id)
    assert row["status"] == "claimed" and row["assignee"] == "Chị Hoa"
    viewed = audited(store, "lead_viewed")
    assert [(v["actor"], v["target"]) for v in viewed] == [("hoa@phuong.vn", f"lead:{lead_id}")]
    assert [a["actor"] for a in audited(store, "lead_claimed")] == ["hoa@phuong.vn"]


async def test_a_lead_someone_took_is_gone_from_the_others_boards(
    store: Store, content: Content, ward: dict[str, int]
):
    lead_id = ward["lead1"]
    async with office_app(store, content) as (base, _), browser(base) as hoa, browser(base) as minh:
        await hoa.login("hoa@phuong.vn")
        await minh.login("minh@phuong.vn")
        await minh.get("/office/leads")  # the board with the claim button
        await hoa.get("/office/leads")
        assert (await hoa.post(f"/office/leads/{lead_id}/claim", {})).status == 303
        late = await minh.post(f"/office/leads/{lead_id}/claim", {})
        assert late.status == 404  # no longer on his board: held by someone else
        assert f"#{lead_id}<" not in (await minh.get("/office/leads")).text
    assert lead(store, lead_id)["assignee"] == "Chị Hoa"


async def test_a_claim_in_the_chat_shows_on_the_board(
    store: Store, content: Content, ward: dict[str, int]
):
    member = a_member(store, "777", ward["team1"], "Chị Mai")
    with store.transaction() as tx:
        actor = followup.actor_of_member(tx, member)
        assert followup.claim_lead(tx, ward["lead1"], actor) == "won"
    async with office_app(store, content) as (base, _), browser(base) as b:
        await b.login("leader1@phuong.vn")
        board = await b.get("/office/leads")
        assert "Chị Mai phụ trách" in board.text and "Đang hỗ trợ" in board.text


async def test_statuses_move_on_and_registered_needs_a_vn_domain(
    store: Store, content: Content, ward: dict[str, int]
):
    lead_id = ward["lead1"]
    async with office_app(store, content) as (base, _), browser(base) as b:
        await b.login("hoa@phuong.vn")
        await b.get("/office/leads")
        await b.post(f"/office/leads/{lead_id}/claim", {})
        await b.get(f"/office/leads/{lead_id}")
        for status in ("contacted", "registering"):
            done = await b.post(f"/office/leads/{lead_id}/status", {"status": status})
            assert done.location == f"/office/leads/{lead_id}?ok=saved"
        empty = await b.post(f"/office/leads/{lead_id}/status", {"status": "registered"})
        assert empty.location.endswith("problem=domain_needed")
        wrong = await b.post(
            f"/office/leads/{lead_id}/status", {"status": "registered", "domain": "huong.com"}
        )
        assert wrong.location.endswith("problem=bad_domain")
        assert "cần là một tên miền .vn" in (await b.get(wrong.location)).text
        ok = await b.post(
            f"/office/leads/{lead_id}/status",
            {"status": "registered", "domain": "NguyenThiHuong.ID.VN"},
        )
        assert ok.location.endswith("ok=saved")
        page = await b.get(f"/office/leads/{lead_id}")
        assert "nguyenthihuong.id.vn" in page.text
        assert page.text.count("Đã đăng ký xong") >= 2  # the badge and the history
    row = lead(store, lead_id)
    assert (row["status"], row["domain"]) == ("registered", "nguyenthihuong.id.vn")


async def test_a_member_cannot_change_a_lead_someone_else_holds_but_the_leader_can(
    store: Store, content: Content, ward: dict[str, int]
):
    lead_id = ward["lead1"]
    async with office_app(store, content) as (base, _), browser(base) as b:
        await b.login("hoa@phuong.vn")
        await b.get("/office/leads")
        await b.post(f"/office/leads/{lead_id}/claim", {})
    async with office_app(store, content) as (base, _), browser(base) as b:
        await b.login("minh@phuong.vn")
        await b.get("/office/leads")
        refused = await b.post(f"/office/leads/{lead_id}/status", {"status": "declined"})
        assert refused.status == 404  # not his to see
    async with office_app(store, content) as (base, _), browser(base) as b:
        await b.login("leader1@phuong.vn")
        await b.get(f"/office/leads/{lead_id}")
        done = await b.post(f"/office/leads/{lead_id}/status", {"status": "unreachable"})
        assert done.location.endswith("ok=saved")
    async with office_app(store, content) as (base, _), browser(base) as b:
        await b.login("tu@phuong.vn")  # the other team
        await b.get("/office/leads")
        assert (await b.post(f"/office/leads/{lead_id}/note", {"note": "x"})).status == 404
    assert lead(store, lead_id)["status"] == "unreachable"


async def test_notes_go_into_the_history_as_text(
    store: Store, content: Content, ward: dict[str, int]
):
    lead_id = ward["lead1"]
    async with office_app(store, content) as (base, _), browser(base) as b:
        await b.login("admin@phuong.vn")
        await b.get(f"/office/leads/{lead_id}")
        assert (await b.post(f"/office/leads/{lead_id}/note", {"note": "  "})).location.endswith(
            "problem=note_empty"
        )
        await b.get(f"/office/leads/{lead_id}")
        said = "Gọi lúc 9h, hẹn chiều mai <b>mang CCCD</b>"
        assert (await b.post(f"/office/leads/{lead_id}/note", {"note": said})).location.endswith(
            "ok=noted"
        )
        page = await b.get(f"/office/leads/{lead_id}")
        assert "Gọi lúc 9h, hẹn chiều mai &lt;b&gt;mang CCCD&lt;/b&gt;" in page.text
        assert "<b>mang CCCD</b>" not in page.text
        assert '<span class="actor">Người dân</span>' in page.text
        assert "web:resident" not in page.text


async def test_filters_search_and_pages(store: Store, content: Content, ward: dict[str, int]):
    start = datetime(2026, 11, 1, 3, 0, tzinfo=UTC)
    for n in range(30):
        a_lead(
            store,
            f"09033300{n:02d}",
            f"Phạm Văn Khang {n}",
            "Tổ dân phố 1",
            created_at=start + timedelta(hours=n),
        )
    async with office_app(store, content) as (base, _), browser(base) as b:
        await b.login("admin@phuong.vn")
        everything = await b.get("/office/leads")
        assert "32 hồ sơ" in everything.text and "Trang 1/2" in everything.text
        second = await b.get("/office/leads?page=2")
        assert "Trang 2/2" in second.text and second.text.count('class="lead ') == 7
        by_name = await b.get("/office/leads?q=huong")
        assert "1 hồ sơ" in by_name.text and "Nguyễn Thị Hương" in by_name.text
        by_phone = await b.get("/office/leads?q=0987+654+321")
        assert "1 hồ sơ" in by_phone.text and "Lê Văn Sơn" in by_phone.text
        household = await b.get("/office/leads?kind=household")
        assert "1 hồ sơ" in household.text
        area = await b.get("/office/leads?area=T%E1%BB%95+d%C3%A2n+ph%E1%BB%91+2")
        assert "1 hồ sơ" in area.text
        days = await b.get("/office/leads?from=2026-11-01&to=2026-11-01")
        assert "14 hồ sơ" in days.text  # 10:00 … 23:00 on 1 November in Vietnam (UTC+7)
        nonsense = await b.get("/office/leads?status=bogus&from=yesterday&page=-3")
        assert nonsense.status == 200 and "32 hồ sơ" in nonsense.text


async def test_an_admin_exports_what_the_board_shows_and_the_export_is_logged(
    store: Store, content: Content, ward: dict[str, int]
):
    async with office_app(store, content) as (base, _), browser(base) as b:
        await b.login("admin@phuong.vn")
        status, body, headers = await b.get_bytes("/office/leads/export.xlsx?kind=household")
        assert status == 200 and "attachment" in headers["Content-Disposition"]
        sheet = load_workbook(io.BytesIO(body)).active
        assert sheet["C1"].value == "Họ tên" and sheet.max_row == 2
        assert sheet["C2"].value == "Lê Văn Sơn"
        status, body, _ = await b.get_bytes("/office/leads/export.csv?q=0912+345+678")
        assert body.startswith(b"\xef\xbb\xbf") and "Nguyễn Thị Hương" in body.decode("utf-8-sig")
    async with office_app(store, content) as (base, _), browser(base) as b:
        await b.login("leader1@phuong.vn")
        assert (await b.get_bytes("/office/leads/export.xlsx"))[0] == 403
    exports = audited(store, "export")
    assert [(e["actor"], e["ip"] is not None) for e in exports] == [
        ("admin@phuong.vn", True),
        ("admin@phuong.vn", True),
    ]
    assert json.loads(exports[0]["detail"]) == {
        "rows": 1,
        "format": "xlsx",
        "filters": {"applicant": "household"},
    }
    searched = json.loads(exports[1]["detail"])
    assert searched == {"rows": 1, "format": "csv", "filters": {"searched": True}}
    assert "912" not in exports[1]["detail"]  # a search typed is not kept: it names a resident


async def test_a_name_typed_as_html_is_shown_as_text(store: Store, content: Content):
    a_team(store, "Tổ 1", "Tổ dân phố 1")
    make_user(store, "admin@phuong.vn")
    lead_id = a_lead(store, "0912345678", "<script>alert('x')</script>", "Tổ dân phố 1")
    async with office_app(store, content) as (base, _), browser(base) as b:
        await b.login("admin@phuong.vn")
        for path in ("/office/leads", f"/office/leads/{lead_id}"):
            page = await b.get(path)
            assert "<script>alert" not in page.text
            assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page.text


async def test_a_claim_without_the_forms_token_is_refused(
    store: Store, content: Content, ward: dict[str, int]
):
    async with office_app(store, content) as (base, _), browser(base) as b:
        await b.login("hoa@phuong.vn")
        await b.get("/office/leads")
        assert (await b.post(f"/office/leads/{ward['lead1']}/claim", {}, csrf=False)).status == 403
    assert lead(store, ward["lead1"])["status"] == "new"


async def test_the_first_page_counts_what_waits_and_what_is_mine(
    store: Store, content: Content, ward: dict[str, int]
):
    async with office_app(store, content) as (base, _), browser(base) as b:
        await b.login("hoa@phuong.vn")
        first = await b.get("/office/")
        assert "<strong>1</strong> hồ sơ đang chờ người nhận" in first.text
        assert "<strong>0</strong> hồ sơ bạn đang phụ trách" in first.text
        await b.post(f"/office/leads/{ward['lead1']}/claim", {})
        after = await b.get("/office/")
        assert "<strong>0</strong> hồ sơ đang chờ người nhận" in after.text
        assert "<strong>1</strong> hồ sơ bạn đang phụ trách" in after.text
    async with office_app(store, content) as (base, _), browser(base) as b:
        await b.login("admin@phuong.vn")
        assert "<strong>1</strong> hồ sơ đang chờ người nhận" in (await b.get("/office/")).text
