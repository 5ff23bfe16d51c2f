"""The registered domains page (``/office/registrations``) against the real app on loopback:
admins see every registration, leaders their team's, members may not open it; the
source, DNS status and the link to the request are shown; filters narrow the list; and a
lead moved to "registered" on its page appears here."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from db import registrations
from db.store import Store
from handlers.content import Content
from tests.support.followup import a_lead, a_team
from tests.support.office import browser, make_user, office_app


def record(store: Store, domain: str, source: str, lead_id: int | None = None) -> int:
    with store.transaction() as tx:
        done = registrations.record(
            tx,
            domain,
            source=source,
            registered_on=date(2026, 11, 20),
            recorded_by="cli",
            lead_id=lead_id,
        )
    assert done.id is not None
    return done.id


@pytest.fixture
def ward(store: Store) -> dict[str, int]:
    one = a_team(store, "Tổ công nghệ số 1", "Tổ dân phố 1")
    a_team(store, "Tổ công nghệ số 2", "Tổ dân phố 2")
    make_user(store, "admin@phuong.vn", "admin", name="Chị Lan")
    make_user(store, "leader1@phuong.vn", "leader", "Tổ công nghệ số 1", name="Anh Nam")
    make_user(store, "leader2@phuong.vn", "leader", "Tổ công nghệ số 2", name="Chị Thu")
    make_user(store, "hoa@phuong.vn", "member", "Tổ công nghệ số 1", name="Chị Hoa")
    first = a_lead(store, "0912345678", "Nguyễn Thị Hương", "Tổ dân phố 1")
    second = a_lead(store, "0987654321", "Lê Văn Sơn", "Tổ dân phố 2")
    record(store, "huong.id.vn", "self_reported", first)
    checked = record(store, "son.biz.vn", "registrar", second)
    record(store, "nobody.id.vn", "registrar")
    with store.transaction() as tx:
        registrations.set_dns(tx, checked, "verified", datetime(2026, 11, 21, 3, tzinfo=UTC))
    return {"team1": one, "lead1": first, "lead2": second}


async def test_admins_see_every_registration_with_its_source_dns_and_request(
    store: Store, content: Content, ward: dict[str, int]
) -> None:
    async with office_app(store, content) as (base, _), browser(base) as b:
        await b.login("admin@phuong.vn")
        listed = await b.get("/office/registrations")
        assert listed.status == 200
        text = listed.text
        for domain in ("huong.id.vn", "son.biz.vn", "nobody.id.vn"):
            assert f'data-domain="{domain}"' in text
        assert "Người dân tự báo" in text and "Danh sách nhà đăng ký" in text
        assert "Có trên DNS" in text and "Chưa kiểm tra" in text
        assert f'href="/office/leads/{ward["lead1"]}"' in text
        assert 'href="/office/registrations"' in text  # in the menu
        only = await b.get("/office/registrations?source=registrar&dns=unchecked")
        assert 'data-domain="nobody.id.vn"' in only.text
        assert "son.biz.vn" not in only.text and "huong.id.vn" not in only.text
        biz = await b.get("/office/registrations?kind=biz.vn&source=nonsense")
        assert "son.biz.vn" in biz.text and "huong.id.vn" not in biz.text
        found = await b.get("/office/registrations?q=HUONG")
        assert "huong.id.vn" in found.text and "son.biz.vn" not in found.text
        team = await b.get(f"/office/registrations?team={ward['team1']}")
        assert "huong.id.vn" in team.text and "nobody.id.vn" not in team.text


async def test_a_leader_sees_their_teams_registrations_and_a_member_may_not_open_the_page(
    store: Store, content: Content, ward: dict[str, int]
) -> None:
    async with office_app(store, content) as (base, _), browser(base) as b:
        await b.login("leader1@phuong.vn")
        listed = await b.get(f"/office/registrations?team={ward['team1'] + 1}")  # ignored
        assert "huong.id.vn" in listed.text
        assert "son.biz.vn" not in listed.text and "nobody.id.vn" not in listed.text
    async with office_app(store, content) as (base, _), browser(base) as b:
        await b.login("hoa@phuong.vn")
        refused = await b.get("/office/registrations")
        assert refused.status == 403
        board = await b.get("/office/leads")
        assert 'href="/office/registrations"' not in board.text


async def test_a_lead_marked_registered_on_its_page_is_listed_as_the_staffs(
    store: Store, content: Content, ward: dict[str, int]
) -> None:
    lead_id = ward["lead1"]
    async with office_app(store, content) as (base, _), browser(base) as b:
        await b.login("leader1@phuong.vn")
        await b.get("/office/leads")
        claimed = await b.post(f"/office/leads/{lead_id}/claim", {})
        assert claimed.location.endswith("ok=claimed")
        other = await b.post(
            f"/office/leads/{lead_id}/status", {"status": "registered", "domain": "huong.com.vn"}
        )
        assert other.location.endswith("problem=other_zone")
        assert "không thuộc chương trình" in (await b.get(other.location)).text
        done = await b.post(
            f"/office/leads/{lead_id}/status", {"status": "registered", "domain": "NTHuong.id.vn"}
        )
        assert done.location.endswith("ok=saved")
        listed = await b.get("/office/registrations?source=staff")
        assert 'data-domain="nthuong.id.vn"' in listed.text
