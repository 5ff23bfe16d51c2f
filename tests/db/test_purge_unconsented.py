"""The purge of conversations nothing was kept from (issue 14, D5), on SQLite and PostgreSQL:
untouched for ``privacy.purge_unconsented_after_days`` of content/ward.yaml (30), a
conversation is deleted unless something refers to its chat — a consent (given or refused),
a lead (its own, or the one the conversation points to), a subscription (even ended), a
reminder, a training sign-up, a team member's account — or ward staff have paused it. It
runs in the maintenance tick (bot.maintenance.purge_once)."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any

from sqlalchemy import insert, select, update

from bot.maintenance import purge_once
from db.models import utcnow
from db.store import Store
from db.tables import (
    consent_t,
    conversation_t,
    lead_t,
    member_t,
    reminder_t,
    subscriber_t,
    team_t,
    training_session_t,
    training_signup_t,
)
from handlers.content import Content
from tests.support import TODAY

NOW = utcnow()
OLD = NOW - timedelta(days=31)


def conversation(store: Store, user: str, channel: str = "web", **values: Any) -> int:
    row = {"channel": channel, "user_ref": user, "state": "{}", "created_at": OLD}
    row |= {"updated_at": OLD, **values}
    with store.transaction() as tx:
        return int(tx.conn.execute(insert(conversation_t).values(**row)).inserted_primary_key[0])


def refer(store: Store, table: Any, **values: Any) -> int:
    with store.transaction() as tx:
        return int(tx.conn.execute(insert(table).values(**values)).inserted_primary_key[0])


def consent(user: str, granted: bool, channel: str = "web") -> dict[str, Any]:
    return {
        "channel": channel,
        "user_ref": user,
        "purpose": "lead",
        "version": "v1",
        "text_hash": "0" * 64,
        "granted": granted,
        "at": OLD,
    }


def left(store: Store) -> list[tuple[str, str]]:
    with store.transaction() as tx:
        query = select(conversation_t.c.channel, conversation_t.c.user_ref)
        return sorted((c, u) for c, u in tx.conn.execute(query))


def with_days(content: Content, days: int) -> Content:
    privacy = content.ward.privacy.model_copy(update={"purge_unconsented_after_days": days})
    return dataclasses.replace(content, ward=content.ward.model_copy(update={"privacy": privacy}))


def test_only_conversations_nothing_was_kept_from_are_purged(
    store: Store, content: Content
) -> None:
    assert content.ward.privacy.purge_unconsented_after_days == 30
    conversation(store, "bare")
    conversation(store, "bare", channel="zalo")
    conversation(store, "recent", updated_at=NOW - timedelta(days=29))
    conversation(store, "consented")
    refer(store, consent_t, **consent("consented", granted=True))
    conversation(store, "refused")
    refer(store, consent_t, **consent("refused", granted=False))
    conversation(store, "elsewhere", channel="telegram")  # a consent on another channel
    refer(store, consent_t, **consent("elsewhere", granted=True, channel="web"))
    conversation(store, "lead")
    lead = {
        "channel": "web",
        "user_ref": "lead",
        "applicant": "person",
        "name": "Nguyễn Văn An",
        "phone": "+84912345678",
        "area": "Tổ dân phố 1",
        "contact_time": "sáng",
    }
    lead_id = refer(store, lead_t, **lead)
    conversation(store, "points-to-a-lead", lead_id=lead_id)
    conversation(store, "subscriber")
    refer(store, subscriber_t, channel="web", user_ref="subscriber", unsubscribed_at=OLD)
    conversation(store, "reminder")
    refer(store, reminder_t, kind="birthday_18", channel="web", user_ref="reminder", due_on=TODAY)
    conversation(store, "trainee")
    session = refer(
        store,
        training_session_t,
        title="Tập huấn",
        starts_at=NOW,
        place="Hội trường",
        capacity=10,
        audience="all",
        created_by="admin@example.vn",
    )
    refer(
        store,
        training_signup_t,
        session_id=session,
        channel="web",
        user_ref="trainee",
        name="Trần Thị Bình",
        status="registered",
        code="ABC123",
    )
    conversation(store, "member", channel="telegram")
    team = refer(store, team_t, name="Tổ 1", name_key="to 1")
    refer(store, member_t, team_id=team, channel="telegram", account="member", display_name="Chi")
    conversation(store, "paused", paused_until=NOW + timedelta(hours=3))
    conversation(store, "was-paused", paused_until=NOW - timedelta(days=20))

    done = purge_once(store, content, TODAY, now=NOW)

    assert done["unconsented_conversations"] == 4
    assert left(store) == [
        ("telegram", "member"),
        ("web", "consented"),
        ("web", "lead"),
        ("web", "paused"),
        ("web", "points-to-a-lead"),
        ("web", "recent"),
        ("web", "refused"),
        ("web", "reminder"),
        ("web", "subscriber"),
        ("web", "trainee"),
    ]
    assert purge_once(store, content, TODAY, now=NOW)["unconsented_conversations"] == 0


def test_the_days_are_the_ward_yaml_setting(store: Store, content: Content) -> None:
    conversation(store, "eleven-days", updated_at=NOW - timedelta(days=11))
    conversation(store, "nine-days", updated_at=NOW - timedelta(days=9))
    assert purge_once(store, content, TODAY, now=NOW)["unconsented_conversations"] == 0
    done = purge_once(store, with_days(content, 10), TODAY, now=NOW)
    assert done["unconsented_conversations"] == 1
    assert left(store) == [("web", "nine-days")]


def test_a_conversation_touched_again_is_not_purged(store: Store, content: Content) -> None:
    conversation(store, "back")
    with store.transaction() as tx:
        tx.conn.execute(update(conversation_t).values(updated_at=NOW - timedelta(days=1)))
    assert purge_once(store, content, TODAY, now=NOW)["unconsented_conversations"] == 0
    assert left(store) == [("web", "back")]
