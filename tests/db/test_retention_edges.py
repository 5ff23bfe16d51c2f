"""The edges of db.erasure and db.consents, on SQLite and PostgreSQL, every expected value
written out: whose consents a withdrawal ends, whose subscription a person's data shows, an
erasure of someone with no request, and the days of the retention schedule — the last
moment kept and the first one gone. Written for the mutants that survived `make mutants`
on these modules (issue 15)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select

from bot.turns import Conversations
from db import consents, erasure, followup
from db.models import Consent, Conversation, Lead, LeadEvent, Subscriber
from db.store import Store
from db.tables import consent_t, conversation_t, inbox_t, seen_t, subscriber_t
from handlers.types import Purpose, RecordConsent
from tests.support import TODAY
from tests.support.conversations import LEAD_DIALOGUE, talk
from tests.support.followup import a_lead, a_user, user_actor
from tests.support.records import rows

NOW = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)
EARLIER = datetime(2026, 11, 1, 3, 0, tzinfo=UTC)


def given(store: Store, channel: str, user: str, purpose: Purpose, granted: bool = True) -> int:
    record = RecordConsent(purpose=purpose, version="v1", text_hash="0" * 64, granted=granted)
    with store.transaction() as tx:
        return consents.record(tx, channel, user, record, None)


def withdrawn_at(store: Store) -> dict[int, datetime | None]:
    with store.transaction() as tx:
        found = tx.conn.execute(select(consent_t.c.id, consent_t.c.withdrawn_at))
        return {i: (at.replace(tzinfo=UTC) if at and at.tzinfo is None else at) for i, at in found}


def test_a_withdrawal_ends_only_the_persons_standing_consents_for_those_purposes(
    store: Store,
) -> None:
    standing = given(store, "web", "an", Purpose.NEWS)
    declined = given(store, "web", "an", Purpose.NEWS, granted=False)
    ended = given(store, "web", "an", Purpose.NEWS)
    with store.transaction() as tx:
        consents.withdraw(tx, "web", "an", [Purpose.NEWS], EARLIER)  # ends both granted ones
    again = given(store, "web", "an", Purpose.NEWS)
    other_purpose = given(store, "web", "an", Purpose.LEAD)
    other_channel = given(store, "telegram", "an", Purpose.NEWS)  # another person there
    other_person = given(store, "web", "binh", Purpose.NEWS)
    with store.transaction() as tx:
        consents.withdraw(tx, "web", "an", [Purpose.NEWS], NOW)
    assert withdrawn_at(store) == {
        standing: EARLIER,  # withdrawn once, not again
        declined: None,  # a refusal is not withdrawn: it was never given
        ended: EARLIER,
        again: NOW,
        other_purpose: None,
        other_channel: None,
        other_person: None,
    }


def subscribe(store: Store, user: str, ended: bool) -> None:
    row = {"channel": "web", "user_ref": user, "unsubscribed_at": EARLIER if ended else None}
    with store.transaction() as tx:
        tx.conn.execute(insert(subscriber_t).values(**row))


def test_a_persons_data_shows_their_own_subscription_only_while_it_stands(store: Store) -> None:
    subscribe(store, "an", ended=True)
    subscribe(store, "binh", ended=False)
    with store.transaction() as tx:
        an, binh = erasure.my_data(tx, "web", "an"), erasure.my_data(tx, "web", "binh")
        nobody = erasure.my_data(tx, "web", "chi")
    assert (an["subscribed"], binh["subscribed"], nobody["subscribed"]) == (False, True, False)


def kept_reply(store: Store, external_id: str, user: str) -> None:
    row = {"channel": "web", "external_id": external_id, "reply": '["Chào anh"]'}
    with store.transaction() as tx:
        tx.conn.execute(insert(seen_t).values(**row, user_ref=user, seen_at=NOW))


def test_erasing_someone_without_a_request_counts_none_and_forgets_their_kept_replies(
    store: Store,
) -> None:
    kept_reply(store, "1", "an")
    kept_reply(store, "2", "binh")
    with store.transaction() as tx:
        assert erasure.erase(tx, "web", "an") == 0
    with store.transaction() as tx:
        found = tx.conn.execute(select(seen_t.c.external_id, seen_t.c.user_ref, seen_t.c.reply))
        left = sorted(tuple(r) for r in found)
    assert left == [("1", None, None), ("2", "binh", '["Chào anh"]')]  # the ids stay


def conversation(store: Store, user: str, updated_at: datetime, **values: Any) -> None:
    row = {"channel": "web", "user_ref": user, "state": "{}", "created_at": EARLIER}
    with store.transaction() as tx:
        tx.conn.execute(insert(conversation_t).values(**row, updated_at=updated_at, **values))


def users_left(store: Store) -> list[str]:
    return sorted(r["user_ref"] for r in rows(store, Conversation))


def test_an_idle_conversation_goes_after_90_days_not_a_moment_before(store: Store) -> None:
    conversation(store, "exactly-90-days", NOW - timedelta(days=90))
    conversation(store, "a-second-more", NOW - timedelta(days=90, seconds=1))
    with store.transaction() as tx:
        done = erasure.purge(tx, NOW, NOW.date(), date(2027, 12, 31))
    assert done["conversations"] == 1
    assert users_left(store) == ["exactly-90-days"]


def test_an_unconsented_conversation_goes_after_its_days_not_a_moment_before(
    store: Store,
) -> None:
    after = timedelta(days=30)
    conversation(store, "exactly-30-days", NOW - after)
    conversation(store, "a-second-more", NOW - after - timedelta(seconds=1))
    conversation(store, "paused-until-now", NOW - after - timedelta(days=1), paused_until=NOW)
    with store.transaction() as tx:
        done = erasure.purge(tx, NOW, NOW.date(), date(2027, 12, 31), after)
    assert done["unconsented_conversations"] == 2  # a pause ending now has ended
    assert users_left(store) == ["exactly-30-days"]
    with store.transaction() as tx:
        assert (
            erasure.purge(tx, NOW, NOW.date(), date(2027, 12, 31))["unconsented_conversations"] == 0
        )


def test_leads_and_consents_are_kept_through_the_last_day_of_retention(store: Store) -> None:
    a_lead(store, "0912 345 678")
    given(store, "web", "an", Purpose.NEWS)
    subscribe(store, "an", ended=False)
    last_day = date(2026, 11, 25)
    with store.transaction() as tx:
        kept = erasure.purge(tx, NOW, last_day, last_day)
    assert (kept["leads"], kept["consents"], "training_signups" in kept) == (0, 0, False)
    with store.transaction() as tx:
        gone = erasure.purge(tx, NOW, last_day + timedelta(days=1), last_day)
    assert (gone["leads"], gone["consents"], gone["training_signups"]) == (1, 1, 0)
    assert rows(store, Consent) == [] and rows(store, Subscriber) == []


def test_the_standing_consent_is_the_newest_given_and_kept_one_of_that_person_and_purpose(
    store: Store,
) -> None:
    def standing(channel: str = "web", user: str = "an", purpose: Purpose = Purpose.NEWS) -> Any:
        with store.transaction() as tx:
            return consents.latest(tx, channel, user, purpose)

    assert standing() is None
    given(store, "web", "an", Purpose.NEWS, granted=False)
    assert standing() is None  # a refusal is no consent
    given(store, "web", "an", Purpose.NEWS)
    newest = given(store, "web", "an", Purpose.NEWS)
    # newer rows that are not it: another channel, another person, another purpose, a refusal
    elsewhere = given(store, "telegram", "an", Purpose.NEWS)
    given(store, "web", "binh", Purpose.NEWS)
    given(store, "web", "an", Purpose.LEAD)
    given(store, "web", "an", Purpose.NEWS, granted=False)
    assert standing() == newest
    assert standing("telegram") == elsewhere
    assert standing(user="chi") is None
    assert sorted(r["id"] for r in rows(store, Consent)) == list(range(newest - 2, newest + 5))
    with store.transaction() as tx:
        consents.withdraw(tx, "web", "an", [Purpose.NEWS], NOW)
    assert standing() is None  # withdrawn: none stands, not the withdrawn one
    assert standing(purpose=Purpose.LEAD) is not None


def test_erasing_one_person_leaves_everyone_elses_request_whole(store: Store, content) -> None:
    conv = Conversations(store, content, lambda: TODAY)
    talk(conv, "an", *LEAD_DIALOGUE)
    talk(conv, "binh", *LEAD_DIALOGUE)
    admin = user_actor(store, a_user(store, "boss@phuong.example", "admin"))
    for lead in rows(store, Lead):
        with store.transaction() as tx:
            assert followup.claim_lead(tx, lead["id"], admin) == "won"
    [binhs] = [r["id"] for r in rows(store, Lead) if r["user_ref"] == "binh"]

    def binh_has() -> tuple[Any, int]:
        [binh] = [r for r in rows(store, Conversation) if r["user_ref"] == "binh"]
        events = [e for e in rows(store, LeadEvent) if e["lead_id"] == binhs]
        return binh["lead_id"], len(events)

    before = binh_has()
    assert before[0] == binhs and before[1] >= 1
    with store.transaction() as tx:
        assert erasure.erase(tx, "web", "an") == 1
    assert binh_has() == before
    assert [r["id"] for r in rows(store, Lead)] == [binhs]
    # and nothing of An's request is left: not its history (a note may name them)
    assert {e["lead_id"] for e in rows(store, LeadEvent)} == {binhs}


def test_the_end_of_retention_leaves_no_conversation_pointing_at_a_request(
    store: Store, content: Any
) -> None:
    conv = Conversations(store, content, lambda: TODAY)
    talk(conv, "an", *LEAD_DIALOGUE)
    [before] = rows(store, Conversation)
    assert before["lead_id"] is not None
    last_day = date(2026, 11, 25)
    with store.transaction() as tx:
        assert erasure.purge(tx, NOW, last_day + timedelta(days=1), last_day)["leads"] == 1
    assert [c["lead_id"] for c in rows(store, Conversation)] == [None]
    assert rows(store, LeadEvent) == []


def test_delivery_ids_are_kept_a_week_and_then_forgotten(store: Store) -> None:
    week = timedelta(days=7)
    for external_id, at in (("fresh", NOW - week + timedelta(hours=1)), ("old", NOW - week * 2)):
        row = {"channel": "telegram", "external_id": external_id}
        with store.transaction() as tx:
            tx.conn.execute(insert(seen_t).values(**row, seen_at=at))
            tx.conn.execute(
                insert(inbox_t).values(**row, status="done", received_at=at, attempts=1)
            )
    with store.transaction() as tx:
        done = erasure.purge(tx, NOW, NOW.date(), date(2027, 12, 31))
    assert (done["inbound_seen"], done["inbox"]) == (1, 1)
    with store.transaction() as tx:
        seen_left = [i for (i,) in tx.conn.execute(select(seen_t.c.external_id))]
        inbox_left = [i for (i,) in tx.conn.execute(select(inbox_t.c.external_id))]
    assert seen_left == inbox_left == ["fresh"]  # a redelivery this week is still known
