"""Conversation rows and what surrounds a turn: de-duplicating platform deliveries
(``inbound_seen``, with the reply a web request got, for its retry), the ids of messages
we sent (``sent_message``, so their echoes are known as ours) and ward staff taking a chat
over (pause and hand back).

A turn loads its row (locked on PostgreSQL) and saves the new state with a new version in
the same transaction; these run on every turn and are :class:`~db.prepared.Prepared`.
Imports db.models, db.store, db.prepared, db.tables, db.subscribers and handlers'
types.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, update

from db import subscribers
from db.models import utcnow
from db.prepared import Prepared
from db.store import Tx, insert_ignore
from db.tables import conversation_t, seen_t, sent_t
from handlers.types import ConversationState

_c = conversation_t.c
_select = select(_c.id, _c.state, _c.lead_id, _c.version, _c.paused_until).where(
    _c.channel == bindparam("ch"), _c.user_ref == bindparam("ur")
)
_LOAD = Prepared(lambda postgres: _select.with_for_update() if postgres else _select)
_SAVED = ("state", "lang", "source", "lead_id", "updated_at", "version")
_INSERT = Prepared(
    lambda _: insert(conversation_t).returning(_c.id),
    ("channel", "user_ref", "created_at", *_SAVED),
)
_UPDATE = Prepared(lambda _: update(conversation_t).where(_c.id == bindparam("cid")), _SAVED)
_SEEN = Prepared(
    lambda postgres: insert_ignore(seen_t, postgres).returning(seen_t.c.channel),
    ("channel", "external_id", "seen_at"),
)
_encode = json.JSONEncoder(ensure_ascii=False).encode  # json.dumps(…, ensure_ascii=False)


@dataclass
class LoadedConversation:
    id: int | None
    state: ConversationState
    lead_id: int | None
    version: int
    paused_until: datetime | None = None  # a person (ward staff) has taken over until then


def mark_seen(tx: Tx, channel: str, external_id: str) -> bool:
    """Record a platform delivery; False when it was already handled."""
    params = {"channel": channel, "external_id": external_id[:128], "seen_at": utcnow()}
    return _SEEN.first(tx, params) is not None


def keep_reply(
    tx: Tx, channel: str, external_id: str, user_ref: str, reply: dict[str, Any]
) -> None:
    """Keep the reply a delivery got (JSON), for a retry of it whose answer was lost; the
    chat it belongs to is noted so an erasure forgets it too."""
    tx.conn.execute(
        update(seen_t)
        .where(seen_t.c.channel == channel, seen_t.c.external_id == external_id[:128])
        .values(reply=_encode(reply), user_ref=user_ref)
    )


def kept_reply(tx: Tx, channel: str, external_id: str) -> dict[str, Any] | None:
    """The reply kept for a delivery handled before; None if none was kept."""
    kept = tx.conn.execute(
        select(seen_t.c.reply).where(
            seen_t.c.channel == channel, seen_t.c.external_id == external_id[:128]
        )
    ).scalar()
    return json.loads(kept) if kept else None


def forget_replies(tx: Tx, channel: str, user_ref: str) -> None:
    """Forget the replies kept for a chat (an erasure): the ids stay, so a retry is still
    handled once."""
    tx.conn.execute(
        update(seen_t)
        .where(seen_t.c.channel == channel, seen_t.c.user_ref == user_ref)
        .values(reply=None, user_ref=None)
    )


def prune_seen(tx: Tx, before: datetime) -> int:
    """Forget delivery ids and sent-message ids older than ``before``."""
    tx.conn.execute(delete(sent_t).where(sent_t.c.at < before))
    return int(tx.conn.execute(delete(seen_t).where(seen_t.c.seen_at < before)).rowcount)


_EXISTS = Prepared(
    lambda _: select(_c.id).where(_c.channel == bindparam("ch"), _c.user_ref == bindparam("ur"))
)


def exists(tx: Tx, channel: str, user_ref: str) -> bool:
    """Whether this chat has a conversation (a user id never seen, or forgotten, has none)."""
    return _EXISTS.first(tx, {"ch": channel, "ur": user_ref}) is not None


def load(tx: Tx, channel: str, user_ref: str) -> LoadedConversation:
    """The conversation (a fresh one if there is none); locked until commit on PostgreSQL."""
    row = _LOAD.first(tx, {"ch": channel, "ur": user_ref})
    if row is None:
        return LoadedConversation(None, ConversationState(), None, 0)
    row_id, state, lead_id, version, paused_until = row
    return LoadedConversation(
        row_id, ConversationState.from_json(json.loads(state)), lead_id, version, paused_until
    )


def save(
    tx: Tx, channel: str, user_ref: str, loaded: LoadedConversation, state: ConversationState
) -> None:
    """Store the new state with the next version (creating the row on a first turn)."""
    now = utcnow()
    values: dict[str, Any] = {
        "state": _encode(state.to_json()),
        "lang": state.lang,
        "source": state.source,
        "lead_id": loaded.lead_id,
        "updated_at": now,
        "version": loaded.version + 1,
    }
    if loaded.id is None:
        params = {"channel": channel, "user_ref": user_ref, "created_at": now, **values}
        created = _INSERT.first(tx, params)
        assert created is not None
        loaded.id = created[0]
    else:
        values["cid"] = loaded.id
        _UPDATE.run(tx, values)
        if state.lang != loaded.state.lang:  # news comes in the language they chose now
            subscribers.set_lang(tx, channel, user_ref, state.lang)
    loaded.version += 1


def _where(channel: str, user_ref: str) -> Any:
    return (_c.channel == channel) & (_c.user_ref == user_ref)


def pause(tx: Tx, channel: str, user_ref: str, until: datetime | None) -> None:
    """A person (ward staff) has taken over this chat until ``until`` (None: hand back)."""
    tx.conn.execute(
        update(conversation_t).where(_where(channel, user_ref)).values(paused_until=until)
    )


def paused_until(tx: Tx, channel: str, user_ref: str) -> datetime | None:
    found: datetime | None = tx.conn.execute(
        select(_c.paused_until).where(_where(channel, user_ref))
    ).scalar()
    return found


def last_turn_at(tx: Tx, channel: str, user_ref: str) -> datetime | None:
    """When the person last wrote to us (every turn of theirs updates the row)."""
    found: datetime | None = tx.conn.execute(
        select(_c.updated_at).where(_where(channel, user_ref))
    ).scalar()
    return found


def record_sent(tx: Tx, channel: str, message_ids: list[str], user_ref: str) -> None:
    """Remember the ids of messages we sent, so their echoes are known as our own."""
    now = utcnow()
    tx.conn.execute(
        tx.insert_ignore(sent_t),
        [
            {"channel": channel, "message_id": m, "user_ref": user_ref, "at": now}
            for m in message_ids
        ],
    )


def was_sent(tx: Tx, channel: str, message_id: str) -> bool:
    c = sent_t.c
    found = select(c.message_id).where(c.channel == channel, c.message_id == message_id)
    return tx.conn.execute(found).first() is not None
