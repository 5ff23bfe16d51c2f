"""A lead left by a resident asking for a relative ("con tôi 19 tuổi") is stored as such
(lead.for_relative), with the asker's own name and phone; the resident's own lead is not;
/dulieu says it; and migration 0017 keeps the leads before it as the residents' own. On
SQLite and PostgreSQL (the migration on SQLite)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import create_engine, text

from bot.turns import Conversations
from db import migrate
from db.models import Lead
from db.store import Store
from handlers.content import Content
from handlers.types import Inbound
from tests.support import TODAY
from tests.support.records import rows


def say(conversations: Conversations, user: str, *typed: str) -> str:
    reply = None
    for text_ in typed:
        reply = conversations.handle_sync(Inbound("web", user, text=text_))
    assert reply is not None
    return "\n".join(m.text for m in reply.messages)


def test_a_lead_for_a_relative_is_stored_as_one(store: Store, content: Content) -> None:
    conversations = Conversations(store, content, lambda: TODAY)
    say(conversations, "asker", "/start", "con tôi 19 tuổi", "có", "bỏ qua", "nhờ hỗ trợ")
    say(conversations, "asker", "đồng ý", "Nguyễn Văn Bình", "0912345678", "tổ 3", "tối")
    say(conversations, "self", "/start", "mình 20 tuổi, người việt nam", "bỏ qua", "nhờ hỗ trợ")
    say(conversations, "self", "đồng ý", "Lê Thị Lan", "0987654321", "tổ 2", "sáng")
    by_name = {lead["name"]: lead for lead in rows(store, Lead)}
    asker, own = by_name["Nguyễn Văn Bình"], by_name["Lê Thị Lan"]
    assert asker["for_relative"] is True and asker["phone"] == "+84912345678"
    assert own["for_relative"] is False
    shown = say(conversations, "asker", "/dulieu")
    assert "hỏi cho người thân" in shown
    assert "hỏi cho người thân" not in say(conversations, "self", "/dulieu")


def test_migration_0017_keeps_earlier_leads_as_the_residents_own(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    migrate.upgrade(url, "0016")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO lead (created_at, updated_at, channel, user_ref, applicant, name,"
                " phone, area, contact_time, status) VALUES ('2026-01-01', '2026-01-01', 'web',"
                " 'u1', 'person', 'An', '+84912345678', 'Tổ dân phố 1', 'sáng', 'new')"
            )
        )
    engine.dispose()
    migrate.upgrade(url)
    engine = create_engine(url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT for_relative FROM lead")).scalar() in (0, False)
    engine.dispose()
    command.downgrade(migrate.alembic_config(url), "0016")  # and back: the column goes
    engine = create_engine(url)
    with engine.connect() as conn:
        columns = [r[1] for r in conn.execute(text("PRAGMA table_info(lead)"))]
    engine.dispose()
    assert "for_relative" not in columns and "name" in columns
