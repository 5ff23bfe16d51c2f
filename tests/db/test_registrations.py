"""Registered domains (db.registrations), on SQLite and PostgreSQL: one row per domain,
what is missing filled in and nothing lost, a registrar's list confirming what a resident
said; a resident's own report through the conversation, linked to their request; the
backfill of leads already marked registered (migration 0014); and the follow-up question,
queued once, only where the channel may write first and the resident consented."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, update

from bot.turns import Conversations
from db import followup, migrate, registrations
from db.models import Lead, Outbox, Registration
from db.store import Store
from db.tables import business_t, consent_t, conversation_t, lead_t
from tests.support import TODAY
from tests.support.conversations import LEAD_DIALOGUE, talk
from tests.support.followup import a_lead, a_member, a_team, member_actor
from tests.support.records import rows

DAY = date(2026, 11, 20)


def record(store: Store, domain: str, **kw) -> registrations.Recorded:
    kw.setdefault("source", "staff")
    kw.setdefault("registered_on", DAY)
    kw.setdefault("recorded_by", "cli")
    with store.transaction() as tx:
        return registrations.record(tx, domain, **kw)


def a_business(store: Store, tax_code: str = "0101234567", phone: str | None = None) -> int:
    with store.transaction() as tx:
        now = datetime.now(UTC)
        return int(
            tx.conn.execute(
                insert(business_t).returning(business_t.c.id),
                {
                    "tax_code": tax_code,
                    "name": "Cửa hàng Hoa Mai",
                    "kind": "household",
                    "phone": phone,
                    "imported_at": now,
                    "updated_at": now,
                },
            ).scalar_one()
        )


def test_a_domain_is_recorded_once_with_its_kind_from_its_zone(store: Store) -> None:
    first = record(store, "Lan.ID.VN", source="self_reported", recorded_by="resident")
    assert (first.outcome, first.domain) == ("added", "lan.id.vn")
    again = record(store, "lan.id.vn.", source="self_reported", recorded_by="resident")
    assert (again.outcome, again.id) == ("same", first.id)
    shop = record(store, "hoamai.biz.vn")
    [lan, hoamai] = sorted(rows(store, Registration), key=lambda r: r["id"])
    assert (lan["domain"], lan["kind"], lan["source"]) == ("lan.id.vn", "id.vn", "self_reported")
    assert (hoamai["kind"], shop.outcome) == ("biz.vn", "added")


def test_names_that_are_not_the_programmes_are_refused_with_the_reason(store: Store) -> None:
    assert record(store, "lan.com.vn").outcome == "other_zone"
    assert record(store, "lan.vn").outcome == "other_zone"
    assert record(store, "bình.id.vn").outcome == "diacritics"
    assert record(store, "lan id vn").outcome == "invalid"
    assert record(store, "id.vn").outcome == "invalid"
    assert rows(store, Registration) == []


def test_what_is_missing_is_filled_and_nothing_recorded_is_lost(store: Store) -> None:
    lead_id = a_lead(store, "0912 345 678")
    other_lead = a_lead(store, "0987 654 321")
    business_id = a_business(store)
    record(store, "hoamai.biz.vn", lead_id=lead_id)
    filled = record(store, "hoamai.biz.vn", business_id=business_id, tax_code="0101234567")
    assert filled.outcome == "updated"
    kept = record(store, "hoamai.biz.vn", lead_id=other_lead, source="self_reported")
    assert kept.outcome == "same"  # another lead, a weaker source: nothing replaced
    [row] = rows(store, Registration)
    assert (row["lead_id"], row["business_id"], row["tax_code"]) == (
        lead_id,
        business_id,
        "0101234567",
    )
    assert (row["source"], row["registered_on"]) == ("staff", DAY)


def test_a_registrars_list_confirms_what_a_resident_said(store: Store) -> None:
    said = record(store, "lan.id.vn", source="self_reported", registered_on=DAY)
    listed = date(2026, 11, 12)
    confirmed = record(store, "lan.id.vn", source="registrar", registered_on=listed)
    assert (confirmed.outcome, confirmed.id) == ("updated", said.id)
    [row] = rows(store, Registration)
    assert (row["source"], row["registered_on"]) == ("registrar", listed)
    # a later report from staff or the resident does not undo the registrar's word
    assert record(store, "lan.id.vn", source="staff").outcome == "same"
    assert record(store, "lan.id.vn", source="self_reported").outcome == "same"
    assert rows(store, Registration)[0]["source"] == "registrar"


def test_a_resident_reports_their_domain_in_the_chat_linked_to_their_request(
    store: Store, content
) -> None:
    conv = Conversations(store, content, lambda: TODAY)
    talk(conv, "binh", *LEAD_DIALOGUE)
    said = talk(conv, "binh", "mình đăng ký rồi: BinhTran.id.vn")
    assert "Chúc mừng bạn đã có tên miền binhtran.id.vn" in said
    talk(conv, "stranger", "da dang ky roi", "an-nguyen.id.vn")
    by_domain = {r["domain"]: r for r in rows(store, Registration)}
    [lead] = [r for r in rows(store, Lead) if r["user_ref"] == "binh"]
    binh = by_domain["binhtran.id.vn"]
    assert (binh["source"], binh["lead_id"], binh["recorded_by"]) == (
        "self_reported",
        lead["id"],
        "resident",
    )
    assert binh["registered_on"] == TODAY
    assert by_domain["an-nguyen.id.vn"]["lead_id"] is None  # no request: an orphan


def test_the_backfill_records_leads_already_marked_registered(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    migrate.upgrade(url, "0013")
    with Store(url) as old:
        ids = [a_lead(old, p) for p in ("0912 345 678", "0987 654 321", "0903 111 222")]
        business_id = a_business(old)
        at = datetime(2026, 11, 10, 20, 0, tzinfo=UTC)  # 11/11 03:00 in Vietnam
        for lead_id, domain in zip(ids, ("Binh.id.vn", "hoa.com.vn", None), strict=True):
            with old.transaction() as tx:
                tx.conn.execute(
                    update(lead_t)
                    .where(lead_t.c.id == lead_id)
                    .values(status="registered", domain=domain, updated_at=at)
                )
        with old.transaction() as tx:
            tx.conn.execute(
                update(lead_t).where(lead_t.c.id == ids[0]).values(business_id=business_id)
            )
    migrate.upgrade(url)
    with Store(url) as new:
        [row] = rows(new, Registration)
    assert (row["domain"], row["kind"], row["source"]) == ("binh.id.vn", "id.vn", "staff")
    assert (row["lead_id"], row["business_id"]) == (ids[0], business_id)
    assert row["registered_on"] == date(2026, 11, 11)


# --- the follow-up question -----------------------------------------------------------------

NOW = datetime(2026, 12, 10, 2, 0, tzinfo=UTC)


def anyone(channel: str, last: datetime | None) -> bool:
    return True


def a_contacted_lead(store: Store, content, user: str, channel: str, days: int) -> int:
    """A resident's request (given in the chat, with consent) the team contacted ``days``
    ago."""
    conv = Conversations(store, content, lambda: TODAY)
    phone = f"0912 345 6{user[-1]}0"
    talk(conv, user, *LEAD_DIALOGUE[:8], phone, *LEAD_DIALOGUE[9:], channel=channel)
    [lead] = [r for r in rows(store, Lead) if r["user_ref"] == user]
    team_id = a_team(store, f"Tổ {user}")
    holder = member_actor(store, a_member(store, f"m{user}", team_id, "Chị Hoa", "admin"))
    with store.transaction() as tx:
        assert followup.claim_lead(tx, lead["id"], holder) == "won"
        assert followup.set_status(tx, lead["id"], holder, "contacted") == "ok"
        tx.conn.execute(
            update(lead_t)
            .where(lead_t.c.id == lead["id"])
            .values(updated_at=NOW - timedelta(days=days))
        )
    return int(lead["id"])


def queue(store: Store, channels=("telegram", "zalo"), may_write=anyone) -> int:
    with store.transaction() as tx:
        return registrations.queue_follow_ups(tx, NOW, timedelta(days=7), channels, may_write)


def asked(store: Store) -> list[tuple[str, str]]:
    return [
        (r["channel"], r["recipient"])
        for r in rows(store, Outbox)
        if r["kind"] == registrations.FOLLOW_UP_KIND
    ]


def test_the_follow_up_question_goes_once_where_the_channel_may_write_first(
    store: Store, content
) -> None:
    a_contacted_lead(store, content, "tg1", "telegram", days=8)
    a_contacted_lead(store, content, "tg2", "telegram", days=3)  # not yet a week
    a_contacted_lead(store, content, "web3", "web", days=8)  # the web chat only answers
    assert queue(store) == 1
    assert asked(store) == [("telegram", "tg1")]
    assert queue(store) == 0  # once per lead
    assert asked(store) == [("telegram", "tg1")]


def test_the_follow_up_keeps_a_channels_window_and_waits_for_the_resident(
    store: Store, content
) -> None:
    a_contacted_lead(store, content, "za4", "zalo", days=9)

    def within_48_hours(channel: str, last: datetime | None) -> bool:
        return last is not None and NOW - last <= timedelta(hours=48)

    with store.transaction() as tx:  # the resident last wrote 9 days ago
        tx.conn.execute(
            update(conversation_t)
            .where(conversation_t.c.user_ref == "za4")
            .values(updated_at=NOW - timedelta(days=9))
        )
    assert queue(store, may_write=within_48_hours) == 0
    with store.transaction() as tx:  # they write again: the window is open
        tx.conn.execute(
            update(conversation_t)
            .where(conversation_t.c.user_ref == "za4")
            .values(updated_at=NOW - timedelta(hours=1))
        )
    assert queue(store, may_write=within_48_hours) == 1
    assert asked(store) == [("zalo", "za4")]


def test_no_follow_up_without_consent_or_once_a_registration_is_known(
    store: Store, content
) -> None:
    withdrawn = a_contacted_lead(store, content, "tg5", "telegram", days=8)
    known = a_contacted_lead(store, content, "tg6", "telegram", days=8)
    without = a_lead(store, "0977 000 111", channel="telegram")  # no consent on record
    with store.transaction() as tx:
        consent_id = (
            tx.conn.execute(lead_t.select().where(lead_t.c.id == withdrawn))
            .mappings()
            .one()["consent_id"]
        )
        tx.conn.execute(
            update(consent_t).where(consent_t.c.id == consent_id).values(withdrawn_at=NOW)
        )
        tx.conn.execute(
            update(lead_t)
            .where(lead_t.c.id == without)
            .values(status="contacted", updated_at=NOW - timedelta(days=30))
        )
    record(store, "tg6.id.vn", source="self_reported", lead_id=known)
    assert queue(store) == 0 and asked(store) == []
