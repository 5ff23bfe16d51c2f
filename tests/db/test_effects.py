"""db.effects records a turn's effects in the transaction it is given, in order, and hands
back what the person asked to see; db.tokens keeps a channel's OAuth pair. On SQLite and
PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from db import conversations, effects, tokens
from db.store import Store
from handlers.types import (
    DeleteMyData,
    Inbound,
    Purpose,
    RecordConsent,
    RecordLead,
    ShowMyData,
)

CONSENT = RecordConsent(Purpose.LEAD, "lead-2026-11-v1", "0" * 64, granted=True)
LEAD = RecordLead(
    "person", "eligible_youth", "Trần Văn Bình", "+84912345678", "TDP 5", "sáng", None
)
TODAY = datetime(2026, 11, 25, tzinfo=UTC).date()


def test_effects_apply_in_order_and_show_what_is_stored(store: Store) -> None:
    inbound = Inbound("telegram", "42", text="x", external_id="m1")
    with store.transaction() as tx:
        loaded = conversations.load(tx, "telegram", "42")
        shown = effects.apply(
            tx, inbound, loaded, [ShowMyData(), CONSENT, LEAD, ShowMyData()], TODAY
        )
        assert tx.enqueued  # the lead's announcement to the team is in the outbox
    before, after = shown
    assert before["leads"] == [] and before["consents"] == []
    [lead] = after["leads"]
    [consent] = after["consents"]
    assert loaded.lead_id == lead["id"] and lead["consent_id"] == consent["id"]
    assert consent["external_id"] == "m1" and lead["name"] == "Trần Văn Bình"
    with store.transaction() as tx:
        assert effects.apply(tx, inbound, loaded, [DeleteMyData(), ShowMyData()], TODAY) == [
            {
                "trainings": [],
                "subscribed": False,
                "leads": [],
                "consents": [],
                "conversation": False,
                "source": None,
            }
        ]


def test_a_token_pair_is_saved_replaced_and_marked_failed(store: Store) -> None:
    first = tokens.Pair("a1", "r1", datetime(2026, 11, 25, 12, tzinfo=UTC))
    second = tokens.Pair("a2", "r2", datetime(2026, 11, 26, 12, tzinfo=UTC))
    with store.transaction() as tx:
        assert tokens.load_pair(tx, "zalo") == (None, None)
        tokens.save_pair(tx, "zalo", first)
        tokens.save_pair(tx, "zalo", second)
        assert tokens.load_pair(tx, "zalo") == (second, None)
        tokens.mark_failed(tx, "zalo", "refused " * 100)
        pair, error = tokens.load_pair(tx, "zalo")
    assert pair == second and error is not None and len(error) == 500
    assert error.startswith("refused")
