"""The progress on the office's home page (/office/), asked over HTTP from the real app: an
admin sees the ward's numbers against the plan's targets with their bands, each number a
link to the rows behind it; a leader sees their team's share, their links kept to their
team; a member keeps the counts only; ``?on=`` shows another day. The numbers themselves
are checked by hand in tests/db/test_progress.py."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import insert

from db.store import Store
from db.tables import business_t, registration_t
from handlers.content import Content
from tests.support.followup import a_lead, a_team
from tests.support.office import browser, make_user, office_app


@pytest.fixture
def ward(store: Store) -> Store:
    """Tổ 1 (Tổ dân phố 1) and Tổ 2 (Tổ dân phố 2); four enterprises founded in 2026, two
    in each tổ dân phố, of which one in Tổ dân phố 1 registered on 1/10; a lead in each,
    made on 20/11."""
    a_team(store, "Tổ 1", "Tổ dân phố 1")
    a_team(store, "Tổ 2", "Tổ dân phố 2")
    with store.transaction() as tx:
        for n in range(4):
            tx.conn.execute(
                insert(business_t),
                {
                    "tax_code": f"010000000{n}",
                    "name": f"Cơ sở {n}",
                    "kind": "enterprise",
                    "started_on": date(2026, 3, 1),
                    "area": f"Tổ dân phố {n % 2 + 1}",
                },
            )
        tx.conn.execute(
            insert(registration_t),
            {
                "domain": "coso0.biz.vn",
                "kind": "biz.vn",
                "registered_on": date(2026, 10, 1),
                "source": "registrar",
                "business_id": 1,
                "recorded_by": "cli",
            },
        )
    made = datetime(2026, 11, 20, 3, tzinfo=UTC)
    a_lead(store, "0912000001", area="Tổ dân phố 1", source="hoiphunu", created_at=made)
    a_lead(store, "0912000002", area="Tổ dân phố 2", source="loa", created_at=made)
    make_user(store, "admin@phuong.vn", "admin")
    make_user(store, "truong@phuong.vn", "leader", "Tổ 1")
    make_user(store, "thanhvien@phuong.vn", "member", "Tổ 1")
    return store


def target(html: str, key: str) -> str:
    start = html.index(f'data-target="{key}"')
    return html[start : html.index("</li>", start)]


def numbers(block: str) -> tuple[str, str]:
    n = re.search(r'<a href="([^"]+)" data-n>(\d+)</a>', block)
    d = re.search(r'<a href="([^"]+)" data-d>([\d—]+)</a>', block)
    assert n and d, block
    return f"{n.group(2)} {n.group(1)}", f"{d.group(2)} {d.group(1)}"


async def home(store: Store, content: Content, email: str, path: str = "/office/") -> str:
    async with office_app(store, content) as (base, _clock), browser(base) as b:
        await b.login(email)
        answer = await b.get(path)
    assert answer.status == 200
    return answer.text


async def test_an_admin_sees_the_wards_targets_with_links_to_the_rows(
    ward: Store, content: Content
) -> None:
    html = await home(ward, content, "admin@phuong.vn")
    biz = target(html, "biz_vn")
    # 4 eligible (founded 1/3/2026), 1 registered → 25.0%, below the 40–50% band
    assert numbers(biz) == (
        "1 /office/registrations?kind=biz.vn",
        "4 /office/registry?eligible=yes",
    )
    assert "25,0%" in biz and 'data-band="below"' in biz and "dưới chỉ tiêu" in biz
    assert 'href="/office/registry?eligible=yes&amp;registered=no" data-not-registered' in biz
    assert "3 cơ sở đủ điều kiện chưa đăng ký" in biz
    assert '<svg class="bar"' in biz and "<title" in biz and 'class="band"' in biz
    youths = target(html, "id_vn")
    assert numbers(youths) == ("0 /office/registrations?kind=id.vn", "— /office/schools")
    assert "chưa nhập số thanh niên 18–23 — đặt ở /office/schools" in youths
    assert 'data-target="news"' in html and "Tin tuyên truyền trong tháng 11/2026" in html
    # the funnels link to the leads board filtered
    assert '<a href="/office/leads?source=hoiphunu">1</a>' in html
    assert re.search(r'<tr data-team="\d+"><th scope="row">Tổ 2</th>', html)
    assert '<table data-table="weekly">' in html and "23/11/2026–29/11/2026" in html
    # the counts the home page always had are still there
    assert 'href="/office/leads?status=new"' in html


async def test_a_leader_sees_their_teams_share_and_links_kept_to_their_team(
    ward: Store, content: Content
) -> None:
    html = await home(ward, content, "truong@phuong.vn")
    # Tổ dân phố 1: 2 eligible, 1 registered → 50.0%, within 40–50%
    biz = target(html, "biz_vn")
    assert numbers(biz)[1] == "2 /office/registry?eligible=yes"
    assert "50,0%" in biz and 'data-band="within"' in biz
    team = re.search(r'<tr data-team="(\d+)">', html)
    assert team and "Tổ 2" not in html.split('data-table="by_team"')[1].split("</table>")[0]
    assert f'href="/office/leads?status=contacted&amp;team={team.group(1)}"' in html
    assert "Số của một tổ chỉ tính hồ sơ" in html


async def test_a_member_keeps_the_counts_only(ward: Store, content: Content) -> None:
    html = await home(ward, content, "thanhvien@phuong.vn")
    assert 'href="/office/leads?status=new"' in html
    assert "data-target" not in html and "Tiến độ so với chỉ tiêu" not in html


async def test_another_day_shows_its_numbers_and_a_wrong_day_says_so(
    ward: Store, content: Content
) -> None:
    before = await home(ward, content, "admin@phuong.vn", "/office/?on=2026-09-30")
    assert "Số liệu đến hết ngày 30/09/2026" in before
    assert numbers(target(before, "biz_vn"))[0].startswith("0 ")  # registered on 1/10
    assert 'value="2026-09-30"' in before
    wrong = await home(ward, content, "admin@phuong.vn", "/office/?on=hôm-qua")
    assert "Ngày chưa đúng" in wrong and "Số liệu đến hết ngày 25/11/2026" in wrong
