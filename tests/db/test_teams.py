"""The teams service (db.team) on SQLite and PostgreSQL: names unique without case and
diacritics, rename, archive, the tổ dân phố each team serves, invites made for an office
user, and new leads offered to members on Zalo."""

from __future__ import annotations

import json
import unicodedata
from datetime import timedelta

import pytest
from sqlalchemy import delete, insert, select, update

from db import leads, team
from db.models import utcnow
from db.store import Store
from db.tables import invite_t, lead_t, member_t, office_user_t, outbox_t
from handlers.types import RecordLead


def create(store: Store, name: str) -> int:
    with store.transaction() as tx:
        return team.create_team(tx, name)


def refused(store: Store, fn, *args) -> team.TeamError:
    with pytest.raises(team.TeamError) as caught, store.transaction() as tx:
        fn(tx, *args)
    return caught.value


def linked(store: Store, team_name: str, channel: str, account: str, role: str = "member") -> int:
    with store.transaction() as tx:
        code = team.create_invite(tx, team_name, role)
        outcome, member = team.redeem_invite(tx, code, channel, account, f"Người {account}")
    assert outcome == "linked" and member is not None
    return int(member["id"])


def a_lead(phone: str, area: str = "Tổ dân phố 1") -> RecordLead:
    return RecordLead("person", "eligible_youth", "Trần Văn Bình", phone, area, "sáng", None)


def offers(store: Store) -> list[dict]:
    with store.transaction() as tx:
        found = tx.conn.execute(select(outbox_t).where(outbox_t.c.kind == "lead_offer"))
        return [dict(r) for r in found.mappings()]


def test_names_differing_only_in_case_or_diacritics_are_refused(store: Store) -> None:
    create(store, "Tổ công nghệ số 1")
    for twin in ("to cong nghe so 1", "TỔ CÔNG NGHỆ SỐ 1", "  Tổ   công nghệ số 1 "):
        error = refused(store, team.create_team, twin)
        assert error.code == "duplicate" and error.params["existing"] == "Tổ công nghệ số 1"
    assert refused(store, team.create_team, "   ").code == "empty"
    assert refused(store, team.create_team, "T" * 101).code == "too_long"
    with store.transaction() as tx:
        assert [t["name"] for t in team.teams(tx)] == ["Tổ công nghệ số 1"]


def test_a_name_is_stored_trimmed_in_nfc(store: Store) -> None:
    team_id = create(store, unicodedata.normalize("NFD", "  Tổ  Hỗ trợ   số  ") + "\t")
    with store.transaction() as tx:
        stored = team.team_by_id(tx, team_id)
    assert stored is not None and stored["name"] == "Tổ Hỗ trợ số"
    assert unicodedata.is_normalized("NFC", stored["name"])
    assert stored["name_key"] == "to ho tro so"


def test_rename_keeps_names_unique_and_allows_a_new_spelling(store: Store) -> None:
    first, second = create(store, "Tổ 1"), create(store, "Tổ 2")
    with store.transaction() as tx:
        assert team.rename_team(tx, first, "TỔ 1") == "TỔ 1"  # its own name, spelt anew
        assert team.rename_team(tx, second, "Tổ Đồng Hòa") == "Tổ Đồng Hòa"
    assert refused(store, team.rename_team, first, "to dong hoa").params["existing"] == (
        "Tổ Đồng Hòa"
    )
    assert refused(store, team.rename_team, first, "").code == "empty"
    assert refused(store, team.rename_team, 9999, "Tổ 9").code == "missing"
    with store.transaction() as tx:
        assert team.team_by_name(tx, "to dong hoa")["id"] == second


def test_an_archived_team_gets_no_invites_and_its_pending_ones_expire(store: Store) -> None:
    team_id = create(store, "Tổ 3")
    with store.transaction() as tx:
        waiting = team.create_invite(tx, "Tổ 3")
        team.assign_area(tx, "Tổ dân phố 7", team_id)
        assert team.archive_team(tx, team_id) == ["Tổ dân phố 7"]
    with store.transaction() as tx:
        assert team.redeem_invite(tx, waiting, "telegram", "5", "Lan")[0] == "expired"
        assert team.pending_invites(tx) == []
        assert team.serving(tx, "Tổ dân phố 7") is None  # a new lead from there: no team
    assert refused(store, team.create_invite, "to 3").code == "archived"
    assert refused(store, team.assign_area, "Tổ dân phố 7", team_id).code == "archived"
    with store.transaction() as tx:
        team.unarchive_team(tx, team_id)
        again = team.create_invite(tx, "Tổ 3")
    with store.transaction() as tx:
        assert team.redeem_invite(tx, again, "telegram", "5", "Lan")[0] == "linked"


def test_an_area_has_one_team_and_moves_when_assigned_again(store: Store) -> None:
    first, second = create(store, "Tổ 1"), create(store, "Tổ 2")
    with store.transaction() as tx:
        assert team.assign_area(tx, "Tổ dân phố 1", first) is None
        team.assign_area(tx, "Khu tái định cư", first)
        assert team.assign_area(tx, "tổ dân phố 1", second) == first  # typed another way
        assert team.areas_of(tx, first) == ["Khu tái định cư"]
        assert team.areas_of(tx, second) == ["tổ dân phố 1"]
        assert team.serving(tx, "TO DAN PHO 1") == second
    with store.transaction() as tx:
        moved = team.set_areas(tx, first, ["Tổ dân phố 10", "Tổ dân phố 2", "Tổ dân phố 1"])
        assert moved == {"Tổ dân phố 1": second}
        assert team.areas_of(tx, first) == ["Tổ dân phố 1", "Tổ dân phố 2", "Tổ dân phố 10"]
        assert team.areas_of(tx, second) == []
        assert team.unassign_area(tx, "Tổ dân phố 2") is True
        assert team.unassign_area(tx, "Tổ dân phố 2") is False
    assert refused(store, team.assign_area, "  ", first).code == "area_empty"


def test_teams_are_listed_with_areas_members_and_pending_invites(store: Store) -> None:
    linked(store, "Tổ 1", "telegram", "1")
    gone = linked(store, "Tổ 1", "zalo", "2")
    with store.transaction() as tx:
        team.remove_member(tx, gone)
        team.create_invite(tx, "Tổ 1", "admin")
        late = team.create_invite(tx, "Tổ 1")
        tx.conn.execute(
            update(invite_t)
            .where(invite_t.c.code == late)
            .values(expires_at=utcnow() - timedelta(minutes=1))
        )
        team.create_team(tx, "Tổ 2")
        team.assign_area(tx, "Tổ dân phố 4", team.team_by_name(tx, "Tổ 2")["id"])
    with store.transaction() as tx:
        listed = {t["name"]: t for t in team.teams(tx)}
        [pending] = team.pending_invites(tx)
    assert (listed["Tổ 1"]["members"], listed["Tổ 1"]["invites"]) == (1, 1)
    assert listed["Tổ 2"]["areas"] == ["Tổ dân phố 4"] and listed["Tổ 2"]["members"] == 0
    assert pending["team"] == "Tổ 1" and pending["role"] == "admin"


def test_an_invite_for_an_office_user_links_the_chat_to_that_user(store: Store) -> None:
    with store.transaction() as tx:
        user_id = tx.conn.execute(
            insert(office_user_t).returning(office_user_t.c.id),
            {
                "email": "hoa@kienan.example.vn",
                "name": "Nguyễn Thị Hoa",
                "role": "member",
                "lang": "vi",
                "failed_logins": 0,
                "active": True,
                "created_at": utcnow(),
            },
        ).scalar_one()
        code = team.create_invite(tx, "Tổ 1", office_user_id=user_id)
        assert team.pending_invites(tx)[0]["office_user_id"] == user_id
    with store.transaction() as tx:
        outcome, member = team.redeem_invite(tx, code, "zalo", "8800", "Hoa Zalo")
    assert outcome == "linked" and member is not None
    assert member["office_user_id"] == user_id
    assert member["display_name"] == "Nguyễn Thị Hoa"  # as the office knows her
    with store.transaction() as tx:
        [chat] = team.members(tx, office_user_id=user_id)
    assert (chat["channel"], chat["account"], chat["team"]) == ("zalo", "8800", "Tổ 1")


def test_a_new_lead_is_offered_to_zalo_admins_when_it_has_no_team(store: Store) -> None:
    admin = linked(store, "Phòng VH-XH", "zalo", "900", role="admin")
    linked(store, "Tổ 1", "zalo", "901")  # a member of a team: not for team-less leads
    linked(store, "Phòng VH-XH", "telegram", "902", role="admin")  # Telegram: the group
    with store.transaction() as tx:
        lead_id, created = leads.record(tx, "web", "r1", a_lead("+84912345678"), None)
    assert created
    [offer] = offers(store)
    assert (offer["channel"], offer["recipient"]) == ("zalo", "900")
    assert json.loads(offer["payload"]) == {"lead_id": lead_id, "member_id": admin}
    with store.transaction() as tx:  # the same phone again: an update, not a new lead
        leads.record(tx, "web", "r1", a_lead("+84912345678", "Tổ dân phố 2"), None)
    assert len(offers(store)) == 1


def test_a_lead_of_a_team_is_offered_to_its_active_zalo_members(store: Store) -> None:
    mine = linked(store, "Tổ 1", "zalo", "1")
    removed = linked(store, "Tổ 1", "zalo", "2")
    linked(store, "Tổ 2", "zalo", "3")
    linked(store, "Tổ 1", "zalo", "4", role="admin")
    with store.transaction() as tx:
        team.remove_member(tx, removed)
        lead_id, _ = leads.record(tx, "web", "r1", a_lead("+84987654321"), None)
        tx.conn.execute(delete(outbox_t).where(outbox_t.c.kind == "lead_offer"))
        team_id = team.team_by_name(tx, "Tổ 1")["id"]
        tx.conn.execute(update(lead_t).where(lead_t.c.id == lead_id).values(team_id=team_id))
        assert team.offer_lead(tx, lead_id) == 2
    made = offers(store)
    assert sorted(o["recipient"] for o in made) == ["1", "4"]
    assert mine in {json.loads(o["payload"])["member_id"] for o in made}


def test_a_message_from_a_member_is_remembered_as_their_last(store: Store) -> None:
    member_id = linked(store, "Tổ 1", "zalo", "77")
    at = utcnow() + timedelta(hours=1)
    with store.transaction() as tx:
        assert team.heard_from(tx, "zalo", "77", at)["id"] == member_id
        assert team.heard_from(tx, "zalo", "78", at) is None  # not a member
        stored = tx.conn.execute(
            select(member_t.c.last_message_at).where(member_t.c.id == member_id)
        ).scalar()
    assert stored == at


def test_leads_waiting_for_a_team_go_to_the_team_that_takes_their_area(store: Store) -> None:
    from tests.support.followup import a_lead

    with store.transaction() as tx:
        first = team.create_team(tx, "Tổ công nghệ số 1")
        team.create_team(tx, "Tổ công nghệ số 2")  # two teams: no single-team fallback
    waiting = a_lead(store, "0912345678", area="Tổ dân phố 7")
    elsewhere = a_lead(store, "0912345679", area="Tổ dân phố 8")
    with store.transaction() as tx:
        assert (
            tx.conn.execute(select(lead_t.c.team_id).where(lead_t.c.id == waiting)).scalar() is None
        )
        team.assign_area(tx, "to dan pho 7", first)
        routed = dict(tx.conn.execute(select(lead_t.c.id, lead_t.c.team_id)).all())
    assert routed == {waiting: first, elsewhere: None}
