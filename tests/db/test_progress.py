"""The plan's progress numbers (db.progress) on a small fixed ward whose every number was
counted by hand (the arithmetic is in the comments), on SQLite and PostgreSQL.

The day of the numbers is ON = Wednesday 25/11/2026; the programme's rules are the real
content's (an enterprise is eligible before its first anniversary; the programme runs to
31/12/2026). Two teams: Tổ 1 serves Tổ dân phố 1, Tổ 2 serves Tổ dân phố 2.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import insert, update

from db.progress import Named, Ratio, Week, eligibility, progress
from db.sources import Funnel
from db.store import Store
from db.tables import (
    business_t,
    campaign_t,
    conversation_t,
    delivery_t,
    event_t,
    lead_t,
    outreach_t,
    plan_evidence_t,
    registration_t,
    school_t,
    subscriber_t,
    verdict_t,
    ward_figure_t,
)
from handlers.content import Content
from handlers.rules import check_enterprise
from tests.support.followup import a_lead, a_team

ON = date(2026, 11, 25)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def add(store: Store, table: Any, **values: Any) -> int:
    with store.transaction() as tx:
        return int(tx.conn.execute(insert(table).returning(table.c.id), values).scalar_one())


def business(store: Store, n: int, kind: str, started_on: date | None, area: str, **more: Any):
    return add(
        store,
        business_t,
        tax_code=f"01000000{n:02d}",
        name=f"Cơ sở {n}",
        kind=kind,
        started_on=started_on,
        area=area,
        **more,
    )


def registration(store: Store, domain: str, on: date, **more: Any) -> int:
    kind = "biz.vn" if domain.endswith(".biz.vn") else "id.vn"
    return add(
        store,
        registration_t,
        domain=domain,
        kind=kind,
        registered_on=on,
        source="registrar",
        recorded_by="cli",
        **more,
    )


def status(store: Store, lead_id: int, value: str, at: datetime) -> None:
    add(store, event_t, lead_id=lead_id, at=at, actor="Tổ", kind="status", status=value)


def figure(store: Store, value: int, as_of: date) -> None:
    add(
        store,
        ward_figure_t,
        key="youths_18_23",
        value=value,
        source="Công an phường",
        as_of=as_of,
        set_by="admin@phuong.vn",
    )


TDP1, TDP2 = "Tổ dân phố 1", "Tổ dân phố 2"


@pytest.fixture
def ward(store: Store) -> dict[str, int]:
    ids: dict[str, int] = {}
    ids["t1"] = a_team(store, "Tổ 1", TDP1)
    ids["t2"] = a_team(store, "Tổ 2", TDP2)
    # --- the registry -------------------------------------------------------------------
    # B1 founded 26/11/2025: its first anniversary is 26/11/2026, so on the 25th it is eligible
    b1 = business(store, 1, "enterprise", date(2025, 11, 26), TDP1)
    # B2 founded 25/11/2025: the 25th is its anniversary — no longer eligible
    business(store, 2, "enterprise", date(2025, 11, 25), TDP1)
    # B3 founded 1/6/2025, registered 10/3/2026 (eligible then), again 1/4/2026 (second one)
    b3 = business(store, 3, "enterprise", date(2025, 6, 1), TDP2)
    # B4 founded 15/1/2024, registered 1/2/2026: already over a year old — not eligible
    b4 = business(store, 4, "enterprise", date(2024, 1, 15), TDP2)
    # B5 household with its certificate since 2020, registered 1/10/2026
    b5 = business(store, 5, "household", date(2020, 5, 5), TDP1, phone="+84912000005")
    # B6 household, no certificate day given; its phone is the phone of lead L2
    business(store, 6, "household", None, TDP2, phone="+84912000006")
    # B7 enterprise without a founding day: not counted eligible
    business(store, 7, "enterprise", None, TDP1)
    # B9 founded 10/1/2026, eligible; its registration is dated 1/12/2026, after ON
    b9 = business(store, 9, "enterprise", date(2026, 1, 10), TDP1)
    registration(store, "coso3.biz.vn", date(2026, 3, 10), business_id=b3)
    registration(store, "coso3-hai.biz.vn", date(2026, 4, 1), business_id=b3)
    registration(store, "coso4.biz.vn", date(2026, 2, 1), business_id=b4)
    registration(store, "coso5.biz.vn", date(2026, 10, 1), business_id=b5)
    registration(store, "coso9.biz.vn", date(2026, 12, 1), business_id=b9)
    # --- leads (created 1/11 10:00 in Vietnam unless said) ---------------------------------
    first = utc(2026, 11, 1, 3)
    l1 = a_lead(store, "0912000101", area=TDP1, source="hoiphunu", created_at=first)
    l2 = a_lead(store, "0912000006", area=TDP2, created_at=first)
    # L3 made at 01:00 on Monday 23/11 in Vietnam (still Sunday in UTC)
    l3 = a_lead(store, "0912000103", area=TDP1, source="hoiphunu", created_at=utc(2026, 11, 22, 18))
    l4 = a_lead(store, "0912000104", area=TDP2, source="loa", created_at=utc(2026, 11, 24, 3))
    ly = a_lead(store, "0912000105", area=TDP1, source="loa", created_at=utc(2026, 5, 1, 3))
    a_lead(store, "0912000106", area=TDP1, source="hoiphunu", created_at=utc(2026, 11, 26, 3))
    with store.transaction() as tx:
        for lead, biz in ((l1, b1), (l3, b9), (l4, b4)):
            tx.conn.execute(update(lead_t).where(lead_t.c.id == lead).values(business_id=biz))
    status(store, l1, "contacted", utc(2026, 11, 20, 2))  # B1 reached
    status(store, l2, "contacted", utc(2026, 11, 26, 2))  # after ON: B6 not reached yet
    status(store, l3, "claimed", utc(2026, 11, 23, 2))  # claimed is not reached: B9 not
    status(store, l4, "contacted", utc(2026, 11, 2, 2))  # B4 reached, but not eligible
    # --- id.vn ----------------------------------------------------------------------------
    registration(store, "lan.id.vn", date(2026, 5, 1), lead_id=ly)  # Tổ 1's
    registration(store, "minh.id.vn", ON)  # on the day itself: counts
    registration(store, "hoa.id.vn", date(2026, 11, 26))  # after: does not
    figure(store, 400, date(2026, 1, 1))
    figure(store, 500, date(2026, 11, 1))
    figure(store, 800, date(2026, 12, 1))
    # --- schools --------------------------------------------------------------------------
    made = utc(2026, 1, 1)
    s1 = add(store, school_t, name="S1", name_key="s1", kind="college", created_at=made)
    add(store, school_t, name="S2", name_key="s2", kind="vocational", created_at=made)
    s3 = add(
        store,
        school_t,
        name="S3",
        name_key="s3",
        kind="college",
        created_at=made,
        archived_at=utc(2026, 11, 1),
    )
    s4 = add(store, school_t, name="S4", name_key="s4", kind="college", created_at=made)
    add(store, school_t, name="S5", name_key="s5", kind="college", created_at=utc(2026, 12, 1))
    for school, day in (
        (s1, date(2026, 10, 10)),
        (s3, date(2026, 10, 1)),
        (s4, date(2026, 11, 30)),
    ):
        add(
            store, outreach_t, school_id=school, held_on=day, activity="Ngoại khoá", recorded_by="x"
        )
    # --- news -----------------------------------------------------------------------------
    subs = [add(store, subscriber_t, channel="web", user_ref=f"s{i}") for i in range(2)]
    c1 = add(store, campaign_t, text="Tin 1", first_at=utc(2026, 11, 5, 2))
    c2 = add(store, campaign_t, text="Tin 2", every="1 00:30")

    def delivery(campaign: int, run_at: datetime, sub: int, state: str) -> None:
        sent_at = run_at if state == "sent" else None
        add(store, delivery_t, campaign_id=campaign, run_at=run_at, subscriber_id=sub,
            status=state, sent_at=sent_at)  # fmt: skip

    delivery(c1, utc(2026, 11, 5, 2), subs[0], "sent")  # one run, two messages: 1
    delivery(c1, utc(2026, 11, 5, 2), subs[1], "sent")
    delivery(c1, utc(2026, 11, 15, 2), subs[0], "failed")  # nothing sent: 0
    delivery(c2, utc(2026, 10, 31, 17, 30), subs[0], "sent")  # 00:30 on 1/11 in Vietnam: 1
    delivery(c2, utc(2026, 11, 26, 2), subs[0], "sent")  # after ON: 0
    for task, day, count in (
        ("I.6", date(2026, 11, 10), 3),  # news: true → 3
        ("I.4", date(2026, 11, 12), 1),  # not a news task → 0
        ("I.6", date(2026, 10, 30), 2),  # another month → 0
    ):
        add(store, plan_evidence_t, task=task, done_on=day, note="Loa", count=count,
            recorded_by="x")  # fmt: skip
    # --- conversations and verdicts (the funnel's first steps) -----------------------------
    for i, (source, at) in enumerate(
        (("hoiphunu", first), ("hoiphunu", first), ("loa", utc(2026, 11, 26, 3)))
    ):
        add(store, conversation_t, channel="web", user_ref=f"c{i}", state="{}", source=source,
            created_at=at)  # fmt: skip
    for source, reason, day in (
        ("hoiphunu", "eligible_new_enterprise", date(2026, 11, 1)),
        ("hoiphunu", "enterprise_too_old", date(2026, 11, 2)),
        ("loa", "eligible_youth", date(2026, 11, 30)),  # after ON
    ):
        add(store, verdict_t, day=day, channel="web", applicant="enterprise", reason=reason,
            source=source)  # fmt: skip
    return ids


def numbers(store: Store, content: Content, on: date = ON, team_id: int | None = None):
    with store.transaction() as tx:
        return progress(tx, on, content.rules, content.plan, team_id)


def test_the_ward_numbers_on_the_day(store: Store, content: Content, ward: dict) -> None:
    p = numbers(store, content)
    # id.vn: lan (1/5) and minh (25/11, the day itself) = 2; hoa (26/11) is later.
    # youths: the figure of 1/11 (500) is the latest with as_of ≤ 25/11 → 2 ÷ 500 = 0.4%
    assert p.id_vn == Ratio(2, 500, (50, 60))
    assert (p.id_vn.percent, p.id_vn.band) == (0.4, "below")
    # eligible on 25/11: B1 (anniversary tomorrow), B5, B6 (households), B9 = 4;
    # plus those registered while eligible: B3 (10/3, before its 1/6 anniversary), B5 = 5.
    # not: B2 (anniversary today), B4 (registered when over a year old), B7 (no day).
    # registered: B3 (its second registration does not count twice) and B5 = 2 → 40.0%
    assert p.biz_vn == Ratio(2, 5, (40, 50))
    assert (p.biz_vn.percent, p.biz_vn.band) == (40.0, "within")
    # reached: B3, B5 (registrations), B1 (L1 contacted 20/11) = 3 of 5 → 60.0%;
    # B6 (L2 by phone) only on 26/11, B9 (L3) only claimed, B4 not eligible
    assert p.businesses_reached == Ratio(3, 5, 100)
    assert (p.businesses_reached.percent, p.businesses_reached.band) == (60.0, "below")
    # schools: S1, S2, S4 (S3 archived 1/11, S5 created 1/12); reached: S1 (S4's is 30/11)
    # → 1 ÷ 3 = 33.3%
    assert p.schools_reached == Ratio(1, 3, 100)
    assert p.schools_reached.percent == 33.3
    # news in 11/2026 to the 25th: c1's run of 5/11 (1) + c2's run at 00:30 on 1/11 in
    # Vietnam (1) + the evidence of I.6 (3) = 5; c1's failed run, c2's 26/11, I.4 and
    # October's I.6 do not count
    assert (p.news_month, p.news_sent, p.news_target, p.news_band) == ("2026-11", 5, 2, "above")


def test_the_json_is_designs_object(store: Store, content: Content, ward: dict) -> None:
    found = json.loads(json.dumps(numbers(store, content).as_json()))
    assert found == {
        "on": "2026-11-25",
        "id_vn": {"registered": 2, "youths": 500, "percent": 0.4, "target_percent": [50, 60]},
        "biz_vn": {
            "registered": 2,
            "eligible_businesses": 5,
            "percent": 40.0,
            "target_percent": [40, 50],
        },
        "businesses_reached": {"reached": 3, "eligible": 5, "percent": 60.0, "target_percent": 100},
        "schools_reached": {"reached": 1, "schools": 3, "percent": 33.3, "target_percent": 100},
        "news": {"month": "2026-11", "sent": 5, "target_per_month": 2},
    }


def test_a_past_day_counts_what_stood_then(store: Store, content: Content, ward: dict) -> None:
    p = numbers(store, content, on=date(2026, 10, 31))
    # youths: the figure of 1/1 (400); id.vn: lan only → 1 ÷ 400 = 0.25 → 0.3 (half up)
    assert p.id_vn == Ratio(1, 400, (50, 60)) and p.id_vn.percent == 0.3
    # eligible on 31/10: B1? founded 26/11/2025 → yes; B2 (anniversary 25/11) → yes too;
    # B5, B6, B9 → 5, plus B3 (registered while eligible) → 6; registered: B3, B5 → 2
    assert p.biz_vn == Ratio(2, 6, (40, 50)) and p.biz_vn.percent == 33.3
    # reached by 31/10: B3, B5 (registrations); L1's call is on 20/11 → 2 of 6
    assert p.businesses_reached == Ratio(2, 6, 100)
    # schools on 31/10: S1, S2, S3 (archived only on 1/11), S4 → 4; reached S1, S3 → 2
    assert p.schools_reached == Ratio(2, 4, 100)
    # news in 10/2026: the I.6 evidence of 30/10 (2); c2's run at 00:30 on 1/11 is November's
    assert (p.news_month, p.news_sent) == ("2026-10", 2)


def test_youths_unset_leave_the_percent_empty(store: Store, content: Content) -> None:
    registration(store, "lan.id.vn", date(2026, 5, 1))
    p = numbers(store, content)
    assert p.id_vn == Ratio(1, None, (50, 60))
    assert (p.id_vn.percent, p.id_vn.band) == (None, None)
    assert p.as_json()["id_vn"] == {
        "registered": 1,
        "youths": None,
        "percent": None,
        "target_percent": [50, 60],
    }
    # nothing else either: zero denominators give no percent
    assert p.as_json()["biz_vn"]["percent"] is None
    assert p.as_json()["schools_reached"] == {
        "reached": 0,
        "schools": 0,
        "percent": None,
        "target_percent": 100,
    }


def test_the_funnels_by_source_and_by_team(store: Store, content: Content, ward: dict) -> None:
    p = numbers(store, content)
    by_source = {n.key: n.funnel for n in p.by_source}
    # hoiphunu: 2 conversations of 1/11 (the loa one is of 26/11), verdicts of 1/11 and 2/11
    # (1 eligible), leads L1 and L3 (the one of 26/11 is later), L1 contacted
    assert by_source["hoiphunu"] == Funnel(2, 2, 1, 2, 1, 0)
    # loa: L4 (contacted 2/11) and lan's lead (her registration: contacted and registered)
    assert by_source["loa"] == Funnel(0, 0, 0, 2, 2, 1)
    assert by_source[None] == Funnel(0, 0, 0, 1, 0, 0)  # L2: contacted only on 26/11
    assert list(by_source) == ["hoiphunu", "loa", None]
    # by team: Tổ 1 has L1, L3 and lan's lead; Tổ 2 has L2 and L4
    assert p.by_team == (
        Named(ward["t1"], "Tổ 1", Funnel(0, 0, 0, 3, 2, 1)),
        Named(ward["t2"], "Tổ 2", Funnel(0, 0, 0, 2, 1, 0)),
    )


def test_the_weekly_trend_is_in_vietnam_weeks(store: Store, content: Content, ward: dict) -> None:
    weeks = numbers(store, content).weekly
    assert len(weeks) == 12
    assert (weeks[0].monday, weeks[-1].monday, weeks[-1].sunday) == (
        date(2026, 9, 7),
        date(2026, 11, 23),
        date(2026, 11, 29),
    )
    busy = {w.monday: (w.leads, w.registrations) for w in weeks if w.leads or w.registrations}
    assert busy == {
        date(2026, 9, 28): (0, 1),  # coso5.biz.vn on Thursday 1/10
        date(2026, 10, 26): (2, 0),  # L1 and L2 on Sunday 1/11 at 10:00 in Vietnam
        # L3 (01:00 Monday 23/11 in Vietnam), L4; minh.id.vn on the 25th; not the 26th's
        date(2026, 11, 23): (2, 1),
    }
    assert all(isinstance(w, Week) for w in weeks)


def test_a_teams_share(store: Store, content: Content, ward: dict) -> None:
    p = numbers(store, content, team_id=ward["t1"])
    # Tổ 1's id.vn: lan's (her lead is Tổ 1's); minh's belongs to nobody; youths: the ward's
    assert p.id_vn == Ratio(1, 500, (50, 60))
    # Tổ dân phố 1's registry: B1, B2, B5, B7, B9; eligible B1, B5, B9 = 3; registered B5
    # → 1 ÷ 3 = 33.3%; reached B1, B5 = 2 → 66.7%
    assert p.biz_vn == Ratio(1, 3, (40, 50)) and p.biz_vn.percent == 33.3
    assert p.businesses_reached == Ratio(2, 3, 100) and p.businesses_reached.percent == 66.7
    assert p.schools_reached == Ratio(1, 3, 100)  # the ward's
    assert p.news_sent == 5  # the ward's
    # funnels count Tổ 1's leads only
    assert {n.key: n.funnel for n in p.by_source} == {
        "hoiphunu": Funnel(0, 0, 0, 2, 1, 0),
        "loa": Funnel(0, 0, 0, 1, 1, 1),
    }
    assert p.by_team == (Named(ward["t1"], "Tổ 1", Funnel(0, 0, 0, 3, 2, 1)),)
    busy = {w.monday: (w.leads, w.registrations) for w in p.weekly if w.leads or w.registrations}
    # L1 (1/11), L3 (23/11); coso5.biz.vn (B5 is in Tổ dân phố 1)
    assert busy == {
        date(2026, 9, 28): (0, 1),
        date(2026, 10, 26): (1, 0),
        date(2026, 11, 23): (1, 0),
    }


@pytest.mark.parametrize(
    ("started", "on", "expected"),
    [
        (date(2025, 11, 26), date(2026, 11, 25), True),  # the day before the anniversary
        (date(2025, 11, 25), date(2026, 11, 25), False),  # the anniversary
        (date(2024, 2, 29), date(2025, 2, 28), True),  # 29/2 completes its year on 1/3
        (date(2024, 2, 29), date(2025, 3, 1), False),
        (date(2026, 11, 26), date(2026, 11, 25), False),  # founded after the day
        (date(2026, 3, 1), date(2027, 1, 2), False),  # the programme has ended
    ],
)
def test_a_registry_enterprise_is_eligible_exactly_when_the_rules_say(
    content: Content, started: date, on: date, expected: bool
) -> None:
    assert eligibility(content.rules)("enterprise", started, on) is expected
    if started <= on:
        assert check_enterprise(started, on, content.rules).eligible is expected


def test_a_household_counts_from_its_certificate_day(content: Content) -> None:
    eligible = eligibility(content.rules)
    assert eligible("household", date(2026, 11, 25), date(2026, 11, 25))
    assert not eligible("household", date(2026, 11, 26), date(2026, 11, 25))
    assert eligible("household", None, date(2026, 11, 25))
    assert not eligible("enterprise", None, date(2026, 11, 25))


def test_a_ratio_rounds_half_up_and_bands() -> None:
    assert Ratio(1, 8, 100).percent == 12.5
    assert Ratio(1, 400, 100).percent == 0.3
    assert Ratio(2, 3, 100).percent == 66.7
    assert Ratio(1, 0, 100).percent is None
    assert [Ratio(n, 100, (40, 50)).band for n in (39, 40, 50, 51)] == [
        "below",
        "within",
        "within",
        "above",
    ]
    assert Ratio(5, 5, 100).band == "within"
