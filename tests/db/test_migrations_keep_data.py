"""Upgrading a SQLite database keeps what points at a lead: SQLite's batch mode rebuilds a
table (copy, drop, rename), and with foreign keys on, the drop ran the ON DELETE actions of
every row pointing at it — a lead's whole history (lead_event, CASCADE) went, and the chats
lost their lead (SET NULL). db/migrations/env.py turns the keys off for migrations and checks
them before the commit. Tested from revisions before each rebuild of ``lead`` (0009, 0012,
0016)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from db import migrate

LEAD = (
    "INSERT INTO lead (created_at, updated_at, channel, user_ref, applicant, name, phone, area,"
    " contact_time, status) VALUES ('2026-01-01', '2026-01-01', 'web', 'u1', 'person', 'An',"
    " '+84912345678', 'Tổ dân phố 1', 'sáng', 'new')"
)
EVENT = "INSERT INTO lead_event (lead_id, at, actor, kind) VALUES (1, '2026-01-01', 'x', 'created')"
CHAT = (
    "INSERT INTO conversation (channel, user_ref, state, lang, lead_id, version, created_at,"
    " updated_at) VALUES ('web', 'u1', '{}', 'vi', 1, 0, '2026-01-01', '2026-01-01')"
)


@pytest.mark.parametrize("start", ["0008", "0011", "0015"])
def test_an_upgrade_keeps_a_leads_history_and_its_chat(tmp_path: Path, start: str) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    migrate.upgrade(url, start)
    engine = create_engine(url)
    with engine.begin() as conn:
        for statement in (LEAD, EVENT, CHAT):
            conn.execute(text(statement))
    engine.dispose()
    migrate.upgrade(url)
    engine = create_engine(url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM lead_event WHERE lead_id = 1")).scalar() == 1
        assert conn.execute(text("SELECT lead_id FROM conversation")).scalar() == 1
        assert conn.execute(text("SELECT name FROM lead WHERE id = 1")).scalar() == "An"
    engine.dispose()
