"""Schools and youths: db.schools on SQLite and PostgreSQL (a school's name unique without
case or diacritics, outreach per school, the youths figure append-only with the latest
value dated on or before a day), and the page ``/office/schools`` on the real app: admins
add, change and archive schools, record activities and set the figure with its source and
date; leaders read; members are kept out; mistakes answered in Vietnamese."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from db import audit, schools
from db.schools import SchoolError
from db.store import Store
from handlers.content import Content
from tests.support import TODAY
from tests.support.office import browser, make_user, office_app

ADMIN = "admin@phuong.vn"


def add(store: Store, name: str, kind: str = "college") -> int:
    with store.transaction() as tx:
        return int(schools.add(tx, name, kind, actor="cli")["id"])


def listing(store: Store, on: date = TODAY) -> list[dict]:
    with store.transaction() as tx:
        return schools.listing(tx, on, archived=True)


def test_a_school_name_is_unique_without_case_or_diacritics(store: Store) -> None:
    add(store, "Trường Cao đẳng Hàng hải")
    with pytest.raises(SchoolError) as raised, store.transaction() as tx:
        schools.add(tx, "truong cao dang  HANG HAI", "college", actor="cli")
    assert raised.value.key == "taken"
    assert raised.value.params["existing"] == "Trường Cao đẳng Hàng hải"
    other = add(store, "Trường Trung cấp nghề Kiến An", "vocational")
    with pytest.raises(SchoolError) as clash, store.transaction() as tx:
        schools.change(tx, other, "Trường Cao Đẳng Hàng Hải", "vocational", actor="cli")
    assert clash.value.key == "taken"


def test_outreach_marks_a_school_reached_from_its_day(store: Store) -> None:
    first = add(store, "Trường Cao đẳng Hàng hải")
    add(store, "Trường Trung cấp nghề Kiến An", "vocational")
    held = TODAY - timedelta(days=3)
    with store.transaction() as tx:
        schools.record_outreach(tx, first, held, "Giới thiệu id.vn", 120, today=TODAY, actor="cli")
    assert [s["reached"] for s in listing(store)] == [True, False]
    assert [s["reached"] for s in listing(store, held - timedelta(days=1))] == [False, False]
    assert listing(store)[0]["attended"] == 120
    with pytest.raises(SchoolError) as future, store.transaction() as tx:
        schools.record_outreach(
            tx, first, TODAY + timedelta(days=1), "Sắp tới", None, today=TODAY, actor="cli"
        )
    assert future.value.key == "future_day"


def test_the_youths_figure_keeps_its_history_and_answers_for_a_day(store: Store) -> None:
    with store.transaction() as tx:
        assert schools.figure(tx, schools.YOUTHS, TODAY) is None
        schools.set_figure(
            tx,
            "youths_18_23",
            1200,
            "Công an phường",
            date(2026, 9, 30),
            today=TODAY,
            actor="lan@phuong.vn",
        )
        schools.set_figure(
            tx,
            "youths_18_23",
            1250,
            "Đoàn Thanh niên",
            date(2026, 11, 1),
            today=TODAY,
            actor="lan@phuong.vn",
        )
        schools.set_figure(  # a correction for the same day: the last one set counts
            tx,
            "youths_18_23",
            1260,
            "Đoàn Thanh niên (sửa)",
            date(2026, 11, 1),
            today=TODAY,
            actor="lan@phuong.vn",
        )
    with store.transaction() as tx:
        assert schools.figure(tx, "youths_18_23", date(2026, 9, 29)) is None
        october = schools.figure(tx, "youths_18_23", date(2026, 10, 31))
        november = schools.figure(tx, "youths_18_23", TODAY)
        history = schools.history(tx, "youths_18_23")
    assert october is not None and october["value"] == 1200
    assert november is not None and november["value"] == 1260
    assert november["source"] == "Đoàn Thanh niên (sửa)" and november["set_by"] == "lan@phuong.vn"
    assert [h["value"] for h in history] == [1260, 1250, 1200]
    with pytest.raises(SchoolError) as no_source, store.transaction() as tx:
        schools.set_figure(tx, "youths_18_23", 5, " ", TODAY, today=TODAY, actor="cli")
    assert no_source.value.key == "source_empty"


# --- the page ------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["member"])
async def test_members_may_not_open_the_schools_page(
    store: Store, content: Content, role: str
) -> None:
    make_user(store, "hoa@phuong.vn", role, "Tổ công nghệ số 1")
    async with office_app(store, content) as (base, _), browser(base) as b:
        await b.login("hoa@phuong.vn")
        assert (await b.get("/office/schools")).status == 403
        await b.get("/office/")
        assert (await b.post("/office/schools", {"name": "X", "kind": "college"})).status == 403
    assert listing(store) == []


async def test_leaders_read_the_schools_and_the_figure_but_change_nothing(
    store: Store, content: Content
) -> None:
    school = add(store, "Trường Cao đẳng Hàng hải")
    with store.transaction() as tx:
        schools.set_figure(
            tx, schools.YOUTHS, 1200, "Công an phường", TODAY, today=TODAY, actor="cli"
        )
    make_user(store, "nam@phuong.vn", "leader", "Tổ công nghệ số 1")
    async with office_app(store, content) as (base, _), browser(base) as b:
        await b.login("nam@phuong.vn")
        page = await b.get("/office/schools")
        assert page.status == 200
        assert "Trường Cao đẳng Hàng hải" in page.text and "Chưa tiếp cận" in page.text
        assert "<strong>1.200</strong>" in page.text and "Công an phường" in page.text
        assert 'action="/office/schools/youths"' not in page.text
        for path, data in (
            ("/office/schools", {"name": "Mới", "kind": "college"}),
            ("/office/schools/youths", {"value": "1", "source": "x", "as_of": "2026-11-01"}),
            (f"/office/schools/{school}/archive", {}),
        ):
            assert (await b.post(path, data)).status == 403, path
    assert len(listing(store)) == 1


async def test_an_admin_adds_a_school_records_an_activity_and_sets_the_figure(
    store: Store, content: Content
) -> None:
    make_user(store, ADMIN, "admin")
    async with office_app(store, content) as (base, _), browser(base) as b:
        await b.login(ADMIN)
        await b.get("/office/schools")
        added = await b.post(
            "/office/schools",
            {"name": "Trường Cao đẳng Hàng hải", "kind": "college", "address": "Kiến An"},
        )
        assert added.status == 303 and added.location == "/office/schools?done=added"
        again = await b.post(
            "/office/schools", {"name": "truong cao dang hang hai", "kind": "college"}
        )
        assert again.status == 400
        assert "Đã có trường" in again.text
        assert 'value="truong cao dang hang hai"' in again.text  # what was typed is kept
        (school,) = listing(store)
        future = await b.post(
            "/office/schools/outreach",
            {
                "school": str(school["id"]),
                "held_on": (TODAY + timedelta(days=2)).isoformat(),
                "activity": "Giới thiệu id.vn",
                "attended": "80",
            },
        )
        assert future.status == 400 and "Ngày ở tương lai" in future.text
        bad = await b.post(
            "/office/schools/outreach",
            {
                "school": str(school["id"]),
                "held_on": TODAY.isoformat(),
                "activity": "Giới thiệu id.vn",
                "attended": "nhiều",
            },
        )
        assert bad.status == 400 and "Số người tham dự phải là số nguyên" in bad.text
        done = await b.post(
            "/office/schools/outreach",
            {
                "school": str(school["id"]),
                "held_on": TODAY.isoformat(),
                "activity": "Giới thiệu id.vn cho sinh viên",
                "attended": "80",
            },
        )
        assert done.status == 303
        no_source = await b.post(
            "/office/schools/youths", {"value": "1.250", "source": "", "as_of": "2026-11-01"}
        )
        assert no_source.status == 400 and "nguồn của số liệu" in no_source.text
        figure = await b.post(
            "/office/schools/youths",
            {"value": "1.250", "source": "Công an phường, tháng 11/2026", "as_of": "2026-11-01"},
        )
        assert figure.status == 303
        page = await b.get("/office/schools?done=figure_set")
        assert "Đã lưu số thanh niên 18–23 tuổi." in page.text
        assert "<strong>1.250</strong>" in page.text
        assert "Đã tiếp cận" in page.text and "80 người tham dự" in page.text
        archived = await b.post(f"/office/schools/{school['id']}/archive", {})
        assert archived.status == 303
        assert (await b.post("/office/schools/999/archive", {})).status == 404
    (school,) = listing(store)
    assert school["archived_at"] is not None and school["reached"]
    with store.transaction() as tx:
        actions = [e["action"] for e in audit.events(tx)]
        figure_now = schools.figure(tx, schools.YOUTHS, TODAY)
    assert {"school_changed", "outreach_recorded", "figure_set"} <= set(actions)
    assert figure_now is not None and figure_now["set_by"] == ADMIN
    assert not re.search(r"ngày sinh|CCCD", str(figure_now))
