"""A small ward with known numbers for the reports' tests (tests/reports, tests/office,
tests/cli): two teams, six leads (team 1: four, two contacted and one registered an id.vn;
team 2: two, one registered an id.vn), 100 youths 18–23, two schools (one reached), three
loudspeaker broadcasts recorded in December 2026, the logo on the portal recorded, the
registry's proposal list exported once, team 1's report for 2026Q4 sent with its words and
team 2's not. Counted by hand: leads 6, contacted 4, registered 2; id.vn 2 of 100 = 2,0%;
schools 1/2; news in December 3.

May import: db, handlers, tests.support.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from sqlalchemy import insert

from db import plan as records
from db.models import utcnow
from db.store import Store
from db.tables import audit_t, event_t, outreach_t, registration_t, school_t, ward_figure_t
from tests.support.followup import a_lead, a_team

Q4 = "2026Q4"
TEAM_1 = "Tổ công nghệ số 1"
TEAM_2 = "Tổ công nghệ số 2"
DIFFICULTIES_1 = "Nhiều hộ kinh doanh chưa có thư điện tử."
PROPOSALS_1 = "Đề nghị thêm một buổi hướng dẫn tại Tổ dân phố 1."
WARD_DIFFICULTIES = "Loa truyền thanh tổ dân phố 3 hỏng."
EARLY = datetime(2026, 11, 2, 3, tzinfo=UTC)


def _event(store: Store, lead_id: int, status: str) -> None:
    with store.transaction() as tx:
        tx.conn.execute(
            insert(event_t),
            {"lead_id": lead_id, "at": EARLY, "actor": "test", "kind": "status", "status": status},
        )


def _registered(store: Store, lead_id: int, domain: str) -> None:
    with store.transaction() as tx:
        tx.conn.execute(
            insert(registration_t),
            {
                "domain": domain,
                "kind": "id.vn",
                "registered_on": date(2026, 11, 20),
                "source": "staff",
                "lead_id": lead_id,
                "recorded_by": "test",
                "created_at": utcnow(),
            },
        )


def plan_ward(store: Store) -> dict[str, int]:
    """The ward above; the teams' ids ("team_1", "team_2")."""
    one = a_team(store, TEAM_1, "Tổ dân phố 1")
    two = a_team(store, TEAM_2, "Tổ dân phố 2")
    leads = [
        a_lead(store, f"091200000{i}", f"Người dân {i}", area, created_at=EARLY)
        for i, area in enumerate(["Tổ dân phố 1"] * 4 + ["Tổ dân phố 2"] * 2)
    ]
    _event(store, leads[0], "contacted")
    _event(store, leads[1], "contacted")
    _registered(store, leads[2], "nguoidan2.id.vn")
    _registered(store, leads[4], "nguoidan4.id.vn")
    with store.transaction() as tx:
        tx.conn.execute(
            insert(ward_figure_t),
            {
                "key": "youths_18_23",
                "value": 100,
                "source": "Công an phường",
                "as_of": date(2026, 10, 1),
                "set_by": "test",
                "set_at": EARLY,
            },
        )
        school_ids = [
            tx.conn.execute(
                insert(school_t).returning(school_t.c.id),
                {"name": name, "name_key": key, "kind": "college", "created_at": EARLY},
            ).scalar_one()
            for name, key in (("Trường Cao đẳng A", "truong cao dang a"), ("Trường B", "truong b"))
        ]
        tx.conn.execute(
            insert(outreach_t),
            {
                "school_id": school_ids[0],
                "held_on": date(2026, 11, 10),
                "activity": "Hội thảo tên miền",
                "attended": 80,
                "recorded_by": "test",
                "created_at": EARLY,
            },
        )
        records.add_evidence(tx, "I.6", date(2026, 12, 2), "Phát chuyên đề trên loa", "t", count=3)
        records.add_evidence(
            tx, "I.4", date(2025, 11, 12), "Đặt logo trên Cổng", "t", link="https://kienan.vn/a"
        )
        tx.conn.execute(
            insert(audit_t),
            {
                "at": datetime(2025, 12, 3, 2, tzinfo=UTC),
                "actor": "kinhte@phuong.vn",
                "action": "export",  # as db.registry.record_proposal_export writes it
                "detail": json.dumps({"rows": 12, "format": "xlsx", "list": "registry_proposal"}),
            },
        )
        records.save_report(
            tx,
            Q4,
            records.team_scope(one),
            one,
            difficulties=DIFFICULTIES_1,
            proposals=PROPOSALS_1,
            by="lan@phuong.vn",
            now=datetime(2026, 12, 4, 3, tzinfo=UTC),
            submit=True,
        )
        records.save_report(
            tx,
            Q4,
            records.WARD,
            None,
            difficulties=WARD_DIFFICULTIES,
            proposals="",
            by="admin@phuong.vn",
            now=datetime(2026, 12, 11, 3, tzinfo=UTC),
        )
    return {"team_1": one, "team_2": two}
