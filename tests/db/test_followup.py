"""Following up a lead (db.followup), on SQLite and PostgreSQL: who acts, claims decided by
the database, the rules of each role, statuses with the registered domain, notes, the
history and the audit log, what each role sees, the board's filters, search and pages,
reminders, and routing a new lead to the team that serves its tổ dân phố."""

from __future__ import annotations

import json
import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import insert, select

from bot.turns import Conversations
from db import audit, followup, leads, registrations
from db.followup import Actor, Filters
from db.models import AuditEvent, Lead, LeadEvent, Outbox, Registration, utcnow
from db.store import Store
from db.tables import lead_t, source_t
from handlers.types import RecordLead
from tests.support import TODAY
from tests.support.conversations import LEAD_DIALOGUE, talk
from tests.support.followup import (
    a_lead,
    a_member,
    a_team,
    a_user,
    member_actor,
    user_actor,
)
from tests.support.records import rows


def lead_row(store: Store, lead_id: int) -> dict:
    [lead] = [r for r in rows(store, Lead) if r["id"] == lead_id]
    return lead


def claim(store: Store, lead_id: int, actor: Actor, **kw) -> str:
    with store.transaction() as tx:
        return followup.claim_lead(tx, lead_id, actor, **kw)


def status(store: Store, lead_id: int, actor: Actor, new: str, **kw) -> str:
    with store.transaction() as tx:
        return followup.set_status(tx, lead_id, actor, new, **kw)


def seen(store: Store, actor: Actor, **filters) -> set[int]:
    with store.transaction() as tx:
        found, total = followup.board(tx, actor, Filters(**filters), per_page=1000)
    assert total == len(found)
    return {r["id"] for r in found}


# --- who acts -----------------------------------------------------------------------------


def test_a_chat_member_acts_with_the_role_of_their_chat_account(store: Store) -> None:
    team_id = a_team(store, "Tổ 1")
    boss = member_actor(store, a_member(store, "1", team_id, "Cô Mai", "admin"))
    plain = member_actor(store, a_member(store, "2", team_id, "Anh Tú", "something else"))
    assert (boss.role, boss.team_id, boss.user_id, boss.name) == ("admin", team_id, None, "Cô Mai")
    assert (plain.role, plain.team_id, plain.channel, plain.account) == (
        "member",
        team_id,
        "telegram",
        "2",
    )
    assert plain.who == "telegram:2"


def test_a_chat_account_linked_to_an_office_user_acts_as_that_user(store: Store) -> None:
    first, second = a_team(store, "Tổ 1"), a_team(store, "Tổ 2")
    user_id = a_user(store, "hoa@phuong.example", "leader", second)
    member = a_member(store, "7", first, "Hoa Telegram", user_id=user_id)
    actor = member_actor(store, member)
    assert actor == Actor(
        name="Hoa",
        role="leader",
        team_id=second,
        user_id=user_id,
        member_id=member["id"],
        channel="telegram",
        account="7",
        email="hoa@phuong.example",
    )
    assert actor.who == "hoa@phuong.example"
    gone = a_user(store, "old@phuong.example", "admin", None, active=False)
    left = member_actor(store, a_member(store, "8", first, "Cũ", user_id=gone))
    assert (left.role, left.user_id, left.team_id) == ("member", None, first)


def test_an_office_user_acts_with_their_first_linked_chat(store: Store) -> None:
    team_id = a_team(store, "Tổ 1")
    lan = a_user(store, "lan@phuong.example", "member", team_id)
    alone = a_user(store, "tu@phuong.example", "admin")
    gone = a_user(store, "old@phuong.example", "admin", active=False)
    chat = a_member(store, "55", team_id, "Lan", user_id=lan, channel="zalo")
    a_member(store, "56", team_id, "Lan 2", user_id=lan)
    actor = user_actor(store, lan)
    assert (actor.member_id, actor.channel, actor.account) == (chat["id"], "zalo", "55")
    assert (actor.role, actor.team_id, actor.name) == ("member", team_id, "Lan")
    solo = user_actor(store, alone)
    assert (solo.member_id, solo.channel, solo.account, solo.role) == (None, None, None, "admin")
    with store.transaction() as tx:
        assert followup.actor_of_user(tx, gone) is None
        assert followup.actor_of_user(tx, 9999) is None


# --- claims -------------------------------------------------------------------------------


def test_many_claiming_at_once_one_wins(store: Store) -> None:
    team_id = a_team(store, "Tổ 1", "Tổ dân phố 1")
    lead_id = a_lead(store, "0912 345 678")
    actors = [
        member_actor(store, a_member(store, str(100 + i), team_id, f"Thành viên {i}"))
        for i in range(4)
    ] + [
        user_actor(store, a_user(store, f"u{i}@phuong.example", "member", team_id))
        for i in range(2)
    ]
    barrier = threading.Barrier(len(actors))
    outcomes: list[str] = []

    def take(actor: Actor) -> None:
        barrier.wait()
        outcomes.append(claim(store, lead_id, actor))

    threads = [threading.Thread(target=take, args=(a,)) for a in actors]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["taken"] * 5 + ["won"]
    lead = lead_row(store, lead_id)
    [winner] = [a for a in actors if followup.holds(a, lead)]
    assert lead["status"] == "claimed" and lead["assignee"] == winner.name
    assert (lead["assignee_member_id"], lead["assignee_user_id"]) == (
        winner.member_id,
        winner.user_id,
    )
    kinds = sorted(r["kind"] for r in rows(store, Outbox))
    if winner.member_id is not None:  # a chat to send the details to
        assert kinds == ["lead_changed", "lead_created", "lead_details"]
        [details] = [r for r in rows(store, Outbox) if r["kind"] == "lead_details"]
        assert details["recipient"] == winner.account
        assert json.loads(details["payload"]) == {"lead_id": lead_id}
    else:
        assert kinds == ["lead_changed", "lead_created"]


def test_a_claim_from_the_board_sends_the_details_to_the_users_linked_chat(store: Store) -> None:
    team_id = a_team(store, "Tổ 1")
    user_id = a_user(store, "hoa@phuong.example", "member", team_id)
    chat = a_member(store, "77", team_id, "Chị Hoa", user_id=user_id)
    lead_id = a_lead(store, "0912 345 678")
    assert claim(store, lead_id, user_actor(store, user_id)) == "won"
    lead = lead_row(store, lead_id)
    assert (lead["assignee_user_id"], lead["assignee_member_id"]) == (user_id, chat["id"])
    [details] = [r for r in rows(store, Outbox) if r["kind"] == "lead_details"]
    assert (details["channel"], details["recipient"]) == ("telegram", "77")
    # the same person from the chat: already theirs
    assert claim(store, lead_id, member_actor(store, chat)) == "mine"
    assert claim(store, lead_id, user_actor(store, user_id)) == "mine"


def test_members_claim_only_their_teams_leads_admins_any(store: Store) -> None:
    first = a_team(store, "Tổ 1", "Tổ dân phố 1")
    second = a_team(store, "Tổ 2", "Tổ dân phố 2")
    ours = a_lead(store, "0912 345 678", area="Tổ dân phố 1")
    theirs = a_lead(store, "0987 654 321", area="Tổ dân phố 2")
    nobodys = a_lead(store, "0903 123 456", area="Tổ dân phố 9")  # two teams, no area match
    assert [lead_row(store, i)["team_id"] for i in (ours, theirs, nobodys)] == [
        first,
        second,
        None,
    ]
    member = member_actor(store, a_member(store, "1", first, "Anh Tú"))
    leader = user_actor(store, a_user(store, "lead@phuong.example", "leader", first))
    admin = user_actor(store, a_user(store, "boss@phuong.example", "admin"))
    assert claim(store, theirs, member) == "other_team"
    assert claim(store, theirs, leader) == "other_team"
    assert claim(store, nobodys, member) == "no_team"
    assert claim(store, nobodys, leader) == "no_team"
    assert lead_row(store, theirs)["status"] == lead_row(store, nobodys)["status"] == "new"
    assert claim(store, ours, member) == "won"
    assert claim(store, ours, leader) == "taken"
    assert claim(store, nobodys, admin) == "won"
    assert claim(store, theirs, admin) == "won"
    assert claim(store, 9999, admin) == "missing"


def test_a_lead_that_came_before_its_team_goes_to_it_when_claimed(store: Store) -> None:
    lead_id = a_lead(store, "0912 345 678", area="Tổ dân phố 4")
    assert lead_row(store, lead_id)["team_id"] is None  # no team yet
    team_id = a_team(store, "Tổ 1")
    member = member_actor(store, a_member(store, "1", team_id, "Anh Tú"))
    assert claim(store, lead_id, member) == "won"
    assert lead_row(store, lead_id)["team_id"] == team_id


# --- statuses, domains, notes --------------------------------------------------------------


def test_statuses_are_recorded_with_who_and_when(store: Store) -> None:
    team_id = a_team(store, "Tổ 1")
    lead_id = a_lead(store, "0912 345 678")
    holder = member_actor(store, a_member(store, "201", team_id, "Chị Hoa"))
    other = member_actor(store, a_member(store, "202", team_id, "Anh Tú"))
    boss = member_actor(store, a_member(store, "203", team_id, "Cô Mai", role="admin"))
    assert status(store, lead_id, holder, "contacted") == "unclaimed"
    assert claim(store, lead_id, holder) == "won"
    assert claim(store, lead_id, holder) == "mine"
    assert status(store, lead_id, other, "contacted") == "not_yours"
    assert status(store, lead_id, holder, "contacted") == "ok"
    assert status(store, lead_id, holder, "contacted") == "same"
    assert status(store, lead_id, holder, "registering") == "ok"
    assert status(store, lead_id, boss, "registered") == "domain_needed"
    assert status(store, lead_id, boss, "registered", domain="binh.id.vn") == "ok"
    assert status(store, 9999, boss, "registered", domain="an.id.vn") == "missing"
    with pytest.raises(ValueError):
        status(store, lead_id, boss, "claimed")
    with store.transaction() as tx:
        card = followup.lead_card(tx, lead_id)
    assert card is not None and card["team"] == "Tổ 1"
    assert card["status"] == "registered" and card["assignee"] == "Chị Hoa"
    assert card["last_change"]["actor"] == "Cô Mai"
    events = [(e["kind"], e["status"], e["actor"]) for e in rows(store, LeadEvent)]
    assert events[1:] == [
        ("claimed", "claimed", "Chị Hoa"),
        ("status", "contacted", "Chị Hoa"),
        ("status", "registering", "Chị Hoa"),
        ("status", "registered", "Cô Mai"),
    ]


def test_leaders_change_their_teams_leads_members_only_theirs(store: Store) -> None:
    first = a_team(store, "Tổ 1", "Tổ dân phố 1")
    second = a_team(store, "Tổ 2", "Tổ dân phố 2")
    ours = a_lead(store, "0912 345 678", area="Tổ dân phố 1")
    theirs = a_lead(store, "0987 654 321", area="Tổ dân phố 2")
    holder = member_actor(store, a_member(store, "1", first, "Chị Hoa"))
    teammate = member_actor(store, a_member(store, "2", first, "Anh Tú"))
    stranger = member_actor(store, a_member(store, "3", second, "Chị Lan"))
    leader = user_actor(store, a_user(store, "lead@phuong.example", "leader", first))
    other_leader = user_actor(store, a_user(store, "lead2@phuong.example", "leader", second))
    admin = user_actor(store, a_user(store, "boss@phuong.example", "admin"))
    assert claim(store, ours, holder) == "won"
    assert claim(store, theirs, stranger) == "won"
    assert status(store, ours, teammate, "contacted") == "not_yours"
    assert status(store, ours, stranger, "contacted") == "not_yours"
    assert status(store, ours, other_leader, "contacted") == "not_yours"
    assert lead_row(store, ours)["status"] == "claimed"
    assert status(store, ours, leader, "contacted") == "ok"
    assert status(store, theirs, leader, "declined") == "not_yours"
    assert status(store, theirs, other_leader, "unreachable") == "ok"
    assert status(store, theirs, admin, "declined") == "ok"
    assert [lead_row(store, i)["status"] for i in (ours, theirs)] == ["contacted", "declined"]


def test_registered_takes_a_valid_name_under_id_vn_or_biz_vn(store: Store) -> None:
    team_id = a_team(store, "Tổ 1")
    lead_id = a_lead(store, "0912 345 678")
    holder = member_actor(store, a_member(store, "1", team_id, "Chị Hoa"))
    claim(store, lead_id, holder)
    for missing in (None, "", "  "):
        assert status(store, lead_id, holder, "registered", domain=missing) == "domain_needed"
    for wrong in ("binh.com", "id.vn", "-binh.id.vn", "binh..id.vn", "bình id.vn", "bình.id.vn"):
        assert status(store, lead_id, holder, "registered", domain=wrong) == "bad_domain", wrong
    for elsewhere in ("Bình.VN", "binh.com.vn", "a.binh.id.vn"):
        assert status(store, lead_id, holder, "registered", domain=elsewhere) == "other_zone"
    assert lead_row(store, lead_id)["status"] == "claimed"
    assert rows(store, Registration) == []
    assert status(store, lead_id, holder, "registered", domain=" TranVanBinh.ID.VN ") == "ok"
    assert lead_row(store, lead_id)["domain"] == "tranvanbinh.id.vn"
    assert status(store, lead_id, holder, "registered", domain="tranvanbinh.id.vn") == "same"
    assert status(store, lead_id, holder, "registered") == "domain_needed"  # never without
    assert status(store, lead_id, holder, "registered", domain="Binh.Biz.VN") == "ok"  # corrected
    lead = lead_row(store, lead_id)
    assert (lead["status"], lead["domain"]) == ("registered", "binh.biz.vn")
    with pytest.raises(ValueError):
        status(store, lead_id, holder, "contacted", domain="binh.id.vn")


def test_registered_records_the_registration_in_the_same_transaction(store: Store) -> None:
    team_id = a_team(store, "Tổ 1")
    lead_id = a_lead(store, "0912 345 678")
    other_id = a_lead(store, "0987 654 321")
    holder = member_actor(store, a_member(store, "1", team_id, "Chị Hoa"))
    claim(store, lead_id, holder)
    claim(store, other_id, holder)
    day = date(2026, 12, 1)
    assert status(store, lead_id, holder, "registered", domain="Lan.ID.VN", today=day) == "ok"
    [registration] = rows(store, Registration)
    assert registration["domain"] == "lan.id.vn" and registration["kind"] == "id.vn"
    assert registration["source"] == "staff" and registration["lead_id"] == lead_id
    assert registration["registered_on"] == day and registration["recorded_by"] == "telegram:1"
    # the same name for another resident's request is refused, and nothing changes
    assert status(store, other_id, holder, "registered", domain="lan.id.vn") == "domain_taken"
    assert lead_row(store, other_id)["status"] == "claimed"
    assert len(rows(store, Registration)) == 1


def test_a_corrected_name_replaces_the_staff_record_so_one_person_counts_once(
    store: Store,
) -> None:
    team_id = a_team(store, "Tổ 1")
    lead_id = a_lead(store, "0912 345 678")
    holder = member_actor(store, a_member(store, "1", team_id, "Chị Hoa"))
    claim(store, lead_id, holder)
    assert status(store, lead_id, holder, "registered", domain="lann.id.vn") == "ok"  # a typo
    with store.transaction() as tx:  # the resident had also said so in the chat
        registrations.record(
            tx,
            "lan.id.vn",
            source=registrations.SELF_REPORTED,
            registered_on=date(2026, 12, 1),
            recorded_by="resident",
            lead_id=lead_id,
        )
    assert status(store, lead_id, holder, "registered", domain="lan.id.vn") == "ok"
    assert lead_row(store, lead_id)["domain"] == "lan.id.vn"
    kept = {(r["domain"], r["source"]) for r in rows(store, Registration)}
    assert kept == {("lan.id.vn", "staff")}  # the typo is gone; staff confirmed the resident


def test_notes_are_appended_to_the_history(store: Store) -> None:
    team_id = a_team(store, "Tổ 1")
    lead_id = a_lead(store, "0912 345 678")
    user_id = a_user(store, "hoa@phuong.example", "member", team_id)
    hoa = user_actor(store, user_id)
    tu = member_actor(store, a_member(store, "2", team_id, "Anh Tú"))
    with store.transaction() as tx:
        assert followup.add_note(tx, lead_id, hoa, "gọi trước") == "not_yours"  # not hers yet
    claim(store, lead_id, hoa)
    with store.transaction() as tx:
        assert followup.add_note(tx, lead_id, hoa, "  Đã gọi, hẹn\nchiều mai  ") == "ok"
        assert followup.add_note(tx, lead_id, hoa, " \n ") == "empty"
        assert followup.add_note(tx, lead_id, hoa, "x" * 2001) == "too_long"
        assert followup.add_note(tx, lead_id, hoa, "x" * 2000) == "ok"
        assert followup.add_note(tx, lead_id, tu, "của tôi") == "not_yours"
        assert followup.add_note(tx, 9999, hoa, "?") == "missing"
        history = followup.history(tx, lead_id)
    assert [(e["kind"], e["status"]) for e in history] == [
        ("created", None),
        ("claimed", "claimed"),
        ("note", None),
        ("note", None),
    ]
    note = history[2]
    assert note["note"] == "Đã gọi, hẹn\nchiều mai" and note["actor"] == "Hoa"
    assert note["actor_user_id"] == user_id and history[1]["actor_user_id"] == user_id
    assert history[0]["at"] <= history[1]["at"] <= history[2]["at"]
    assert lead_row(store, lead_id)["status"] == "claimed"  # a note changes no status


def test_claims_statuses_and_notes_go_to_the_audit_log(store: Store) -> None:
    team_id = a_team(store, "Tổ 1")
    lead_id = a_lead(store, "0912 345 678")
    user_id = a_user(store, "hoa@phuong.example", "member", team_id)
    hoa = user_actor(store, user_id)
    boss = member_actor(store, a_member(store, "9", team_id, "Cô Mai", role="admin"))
    claim(store, lead_id, hoa)
    status(store, lead_id, hoa, "registering")
    status(store, lead_id, boss, "registered", domain="binh.id.vn")
    status(store, lead_id, boss, "registered", domain="binh.id.vn")  # same: nothing to log
    status(store, lead_id, boss, "registered")  # refused without the name: nothing to log
    with store.transaction() as tx:
        followup.add_note(tx, lead_id, hoa, "xong")
        followup.add_note(tx, lead_id, hoa, "")  # refused: nothing to log
        logged = list(reversed(audit.events(tx)))
    assert [(e["action"], e["actor"], e["actor_user_id"], e["target"]) for e in logged] == [
        ("lead_claimed", "hoa@phuong.example", user_id, f"lead:{lead_id}"),
        ("lead_status", "hoa@phuong.example", user_id, f"lead:{lead_id}"),
        ("lead_status", "telegram:9", None, f"lead:{lead_id}"),
        ("lead_note", "hoa@phuong.example", user_id, f"lead:{lead_id}"),
    ]
    assert logged[1]["detail"] == {"from": "claimed", "to": "registering"}
    assert logged[2]["detail"] == {
        "from": "registering",
        "to": "registered",
        "domain": "binh.id.vn",
    }
    assert len(rows(store, AuditEvent)) == 4


# --- what each role sees ---------------------------------------------------------------------


def test_each_role_sees_what_it_may(store: Store) -> None:
    first = a_team(store, "Tổ 1", "Tổ dân phố 1")
    second = a_team(store, "Tổ 2", "Tổ dân phố 2")
    open_ours = a_lead(store, "0912 345 671", area="Tổ dân phố 1")
    hoas = a_lead(store, "0912 345 672", area="Tổ dân phố 1")
    tus = a_lead(store, "0912 345 673", area="Tổ dân phố 1")
    open_theirs = a_lead(store, "0912 345 674", area="Tổ dân phố 2")
    nobodys = a_lead(store, "0912 345 675", area="Tổ dân phố 8")
    hoa_id = a_user(store, "hoa@phuong.example", "member", first)
    hoa = user_actor(store, hoa_id)
    tu = member_actor(store, a_member(store, "2", first, "Anh Tú"))
    lan = member_actor(store, a_member(store, "3", second, "Chị Lan"))
    leader = user_actor(store, a_user(store, "lead@phuong.example", "leader", first))
    admin = user_actor(store, a_user(store, "boss@phuong.example", "admin"))
    assert claim(store, hoas, hoa) == claim(store, tus, tu) == "won"

    everything = {open_ours, hoas, tus, open_theirs, nobodys}
    assert seen(store, admin) == everything
    assert seen(store, leader) == {open_ours, hoas, tus}
    assert seen(store, hoa) == {open_ours, hoas}
    assert seen(store, tu) == {open_ours, tus}
    assert seen(store, lan) == {open_theirs}
    with store.transaction() as tx:
        assert followup.lead_for(tx, hoa, tus) is None  # a teammate's lead
        assert followup.lead_for(tx, hoa, open_theirs) is None  # another team's
        assert followup.lead_for(tx, leader, nobodys) is None
        assert followup.lead_for(tx, hoa, 9999) is None
        mine = followup.lead_for(tx, hoa, hoas)
        open_one = followup.lead_for(tx, hoa, open_ours)
        as_leader = followup.lead_for(tx, leader, tus)
        as_admin = followup.lead_for(tx, admin, nobodys)
    assert mine is not None and mine["team"] == "Tổ 1"
    assert (mine["mine"], mine["may_change"], mine["may_claim"]) == (True, True, False)
    assert open_one is not None
    assert (open_one["mine"], open_one["may_change"], open_one["may_claim"]) == (
        False,
        False,
        True,
    )
    assert as_leader is not None and (as_leader["may_change"], as_leader["mine"]) == (True, False)
    assert as_admin is not None and as_admin["may_claim"] and as_admin["team"] is None


def test_the_same_phone_is_named_only_among_the_leads_one_may_see(store: Store) -> None:
    a_team(store, "Tổ 1", "Tổ dân phố 1")
    a_team(store, "Tổ 2", "Tổ dân phố 2")
    first = a_team(store, "Tổ 3", "Tổ dân phố 3")
    ours = a_lead(store, "0912 345 670", area="Tổ dân phố 3", user_ref="web-a")
    ours_too = a_lead(store, "0912345670", area="Tổ dân phố 3", user_ref="web-b")
    theirs = a_lead(store, "+84912345670", area="Tổ dân phố 1", user_ref="web-c")
    leader = user_actor(store, a_user(store, "lead3@phuong.example", "leader", first))
    admin = user_actor(store, a_user(store, "boss@phuong.example", "admin"))
    other = a_lead(store, "0987 654 321", area="Tổ dân phố 3", user_ref="web-d")
    with store.transaction() as tx:
        as_leader = followup.lead_for(tx, leader, ours)
        as_admin = followup.lead_for(tx, admin, ours)
        alone = followup.lead_for(tx, admin, other)
    assert as_leader is not None and as_leader["same_phone"] == [ours_too]  # not Tổ 1's
    assert as_admin is not None and sorted(as_admin["same_phone"]) == [ours_too, theirs]
    assert alone is not None and alone["same_phone"] == []


# --- the board: filters, search, pages --------------------------------------------------------


def test_the_board_pages_newest_first_with_the_total(store: Store) -> None:
    a_team(store, "Tổ 1")
    admin = user_actor(store, a_user(store, "boss@phuong.example", "admin"))
    start = datetime(2026, 11, 1, 2, 0, tzinfo=UTC)
    ids = [
        a_lead(store, f"0912 345 {600 + i}", created_at=start + timedelta(hours=i))
        for i in range(30)
    ]
    with store.transaction() as tx:
        first, total = followup.board(tx, admin, Filters())
        second, total2 = followup.board(tx, admin, Filters(), page=2)
        third, total3 = followup.board(tx, admin, Filters(), page=3)
        small, total4 = followup.board(tx, admin, Filters(), page=4, per_page=7)
        nought, _ = followup.board(tx, admin, Filters(), page=0)
    assert total == total2 == total3 == total4 == 30
    assert [r["id"] for r in first] == ids[::-1][:25]
    assert [r["id"] for r in second] == ids[::-1][25:]
    assert third == []
    assert [r["id"] for r in small] == ids[::-1][21:28]
    assert [r["id"] for r in nought] == [r["id"] for r in first]


def test_search_pages_count_the_matches(store: Store) -> None:
    a_team(store, "Tổ 1")
    admin = user_actor(store, a_user(store, "boss@phuong.example", "admin"))
    for i in range(27):
        a_lead(store, f"0912 345 {600 + i}", name=f"Nguyễn Thị Lan {i}")
    for i in range(5):
        a_lead(store, f"0987 654 {300 + i}", name=f"Trần Văn An {i}")
    with store.transaction() as tx:
        first, total = followup.board(tx, admin, Filters(q="nguyen lan"))
        second, _ = followup.board(tx, admin, Filters(q="nguyen lan"), page=2)
    assert total == 27 and len(first) == 25 and len(second) == 2
    assert all(r["name"].startswith("Nguyễn Thị Lan") for r in first + second)


def test_search_by_name_without_case_or_diacritics_and_by_phone(store: Store) -> None:
    a_team(store, "Tổ 1")
    admin = user_actor(store, a_user(store, "boss@phuong.example", "admin"))
    lan = a_lead(store, "0912 345 678", name="Nguyễn Thị Hương Lan")
    duc = a_lead(store, "0987 654 321", name="Đặng Minh Đức")
    an = a_lead(store, "0903 123 456", name="Trần Văn An")
    for q in ("Hương Lan", "huong lan", "HƯƠNG", "nguyen thi", "Lan Hương", "ương"):
        assert seen(store, admin, q=q) == {lan}, q
    for q in ("dang duc", "Đức", "DUC"):
        assert seen(store, admin, q=q) == {duc}, q
    assert seen(store, admin, q="van an") == {an}
    assert seen(store, admin, q="an") == {lan, duc, an}  # inside "Lan", "Đặng" too
    for q in ("0912 345 678", "0912345678", "+84912345678", "+84 912 345 678", "84-912-345-678"):
        assert seen(store, admin, q=q) == {lan}, q
    for q in ("345 678", "345678"):
        assert seen(store, admin, q=q) == {lan}, q
    assert seen(store, admin, q="0903.123") == {an}
    assert seen(store, admin, q="0911 111 111") == set()
    assert seen(store, admin, q="Phạm") == set()
    assert seen(store, admin, q="  ") == {lan, duc, an}  # nothing to search


def test_search_shows_only_what_the_actor_may_see(store: Store) -> None:
    first = a_team(store, "Tổ 1", "Tổ dân phố 1")
    a_team(store, "Tổ 2", "Tổ dân phố 2")
    ours = a_lead(store, "0912 345 678", name="Lê Thị Hoa", area="Tổ dân phố 1")
    a_lead(store, "0987 654 321", name="Lê Thị Hoa", area="Tổ dân phố 2")
    member = member_actor(store, a_member(store, "1", first, "Anh Tú"))
    assert seen(store, member, q="le thi hoa") == {ours}
    assert seen(store, member, q="0987 654 321") == set()


def test_the_board_filters(store: Store) -> None:
    first = a_team(store, "Tổ 1", "Tổ dân phố 1")
    second = a_team(store, "Tổ 2", "Tổ dân phố 2")
    admin = user_actor(store, a_user(store, "boss@phuong.example", "admin"))
    # 24/11 23:30 in Vietnam, and 25/11 00:30 in Vietnam (still 24/11 in UTC)
    late = datetime(2026, 11, 24, 16, 30, tzinfo=UTC)
    early = datetime(2026, 11, 24, 17, 30, tzinfo=UTC)
    a = a_lead(store, "0912 345 671", area="Tổ dân phố 1", source="hoiphunu", created_at=late)
    b = a_lead(
        store,
        "0912 345 672",
        area="Tổ dân phố 2",
        applicant="household",
        reason="eligible_household",
        created_at=early,
    )
    later = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
    c = a_lead(store, "0912 345 673", area="Tổ dân phố 5", channel="telegram", created_at=later)
    claim(store, a, admin)
    assert seen(store, admin, status="claimed") == {a}
    assert seen(store, admin, status="new") == {b, c}
    assert seen(store, admin, team_id=first) == {a}
    assert seen(store, admin, team_id=second) == {b}
    assert seen(store, admin, no_team=True) == {c}
    assert seen(store, admin, source="hoiphunu") == {a}
    assert seen(store, admin, applicant="household") == {b}
    assert seen(store, admin, area="Tổ dân phố 5") == {c}
    day = date(2026, 11, 25)
    assert seen(store, admin, created_from=day, created_to=day) == {b}
    assert seen(store, admin, created_to=date(2026, 11, 24)) == {a}
    assert seen(store, admin, created_from=date(2026, 11, 24)) == {a, b, c}
    assert seen(store, admin, created_from=date(2026, 11, 24), q="0912 345 672") == {b}
    assert seen(store, admin, status="new", team_id=first) == set()
    # a request made at the stroke of midnight in Vietnam belongs to the day that begins
    at_midnight = a_lead(
        store, "0912 345 674", created_at=datetime(2026, 11, 26, 17, 0, tzinfo=UTC)
    )  # 00:00 on 27/11 in Vietnam
    assert seen(store, admin, created_from=date(2026, 11, 27)) == {at_midnight}
    assert at_midnight not in seen(store, admin, created_to=date(2026, 11, 26))


def test_the_rows_carry_the_team_and_source_names(store: Store) -> None:
    team_id = a_team(store, "Tổ 1")
    with store.transaction() as tx:
        tx.conn.execute(
            insert(source_t),
            {"code": "hoiphunu", "name": "Hội Phụ nữ phường", "organisation": "Hội Phụ nữ"},
        )
    admin = user_actor(store, a_user(store, "boss@phuong.example", "admin"))
    named = a_lead(store, "0912 345 678", source="hoiphunu")
    coded = a_lead(store, "0987 654 321", source="loa")
    with store.transaction() as tx:
        board, _ = followup.board(tx, admin, Filters())
    by_id = {r["id"]: r for r in board}
    assert (by_id[named]["source_name"], by_id[named]["team"]) == ("Hội Phụ nữ phường", "Tổ 1")
    assert (by_id[coded]["source"], by_id[coded]["source_name"]) == ("loa", None)
    assert by_id[named]["team_id"] == team_id


# --- routing ---------------------------------------------------------------------------------


def test_a_new_lead_goes_to_the_team_serving_its_area(store: Store) -> None:
    first = a_team(store, "Tổ 1", "Tổ dân phố 1", "Tổ dân phố 3")
    second = a_team(store, "Tổ 2", "Tổ dân phố 2")
    a_team(store, "Tổ cũ", "Tổ dân phố 7", archived=True)
    assert lead_row(store, a_lead(store, "0912 345 671", area="Tổ dân phố 3"))["team_id"] == first
    assert lead_row(store, a_lead(store, "0912 345 672", area="Tổ dân phố 2"))["team_id"] == second
    typed = a_lead(store, "0912 345 673", area="to dan pho 2")  # typed by the resident
    assert lead_row(store, typed)["team_id"] == second
    archived = a_lead(store, "0912 345 674", area="Tổ dân phố 7")  # its team is archived
    assert lead_row(store, archived)["team_id"] is None
    assert lead_row(store, a_lead(store, "0912 345 675", area="Khu khác"))["team_id"] is None


def test_with_one_team_every_new_lead_goes_to_it(store: Store) -> None:
    assert lead_row(store, a_lead(store, "0912 345 671"))["team_id"] is None  # no team
    a_team(store, "Tổ cũ", archived=True)
    only = a_team(store, "Tổ 1")
    assert lead_row(store, a_lead(store, "0912 345 672", area="Khu khác"))["team_id"] == only


def test_an_updated_lead_keeps_its_team(store: Store) -> None:
    first = a_team(store, "Tổ 1", "Tổ dân phố 1")
    second = a_team(store, "Tổ 2", "Tổ dân phố 2")
    lead_id = a_lead(store, "0912 345 678", area="Tổ dân phố 1", user_ref="binh")
    again = RecordLead("person", "eligible_youth", "Bình", "+84912345678", "Tổ dân phố 2", "", None)
    with store.transaction() as tx:  # the same chat gives its number again
        assert leads.record(tx, "web", "binh", again, None) == (lead_id, False)
    lead = lead_row(store, lead_id)
    assert (lead["area"], lead["team_id"]) == ("Tổ dân phố 2", first)
    assert second != first


def test_a_conversation_routes_the_lead_it_leaves(store: Store, content) -> None:
    team_id = a_team(store, "Tổ 5", "Tổ dân phố 5")
    a_team(store, "Tổ 6", "Tổ dân phố 6")
    talk(Conversations(store, content, lambda: TODAY), "resident", *LEAD_DIALOGUE)
    [lead] = rows(store, Lead)
    assert (lead["area"], lead["team_id"]) == ("Tổ dân phố 5", team_id)


# --- reminders -------------------------------------------------------------------------------


def test_unclaimed_leads_are_reminded_once_then_escalated(store: Store) -> None:
    team_id = a_team(store, "Tổ 1")
    lead_id = a_lead(store, "0912 345 678")
    admin = a_member(store, "301", team_id, "Cô Mai", role="admin")
    a_member(store, "302", team_id, "Anh Tú")
    now = utcnow()

    def check(at) -> int:
        with store.transaction() as tx:
            return followup.queue_reminders(
                tx, at, timedelta(hours=24), timedelta(hours=48), "telegram"
            )

    assert check(now + timedelta(hours=23)) == 0
    assert check(now + timedelta(hours=25)) == 1
    assert check(now + timedelta(hours=26)) == 0  # once
    assert check(now + timedelta(hours=49)) == 1  # one admin
    assert check(now + timedelta(hours=50)) == 0
    notes = {(r["kind"], r["recipient"]) for r in rows(store, Outbox)}
    assert ("lead_reminder", "team") in notes and ("lead_escalated", admin["account"]) in notes
    with store.transaction() as tx:
        lead = tx.conn.execute(select(lead_t).where(lead_t.c.id == lead_id)).first()
    assert lead is not None and lead.reminded_at is not None and lead.escalated_at is not None
