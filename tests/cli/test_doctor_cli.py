"""``hiendien doctor`` in this process: one line per check marked ✓, ! or ✗, and the exit
code 0 (all ok), 1 (a warning) or 2 (a failure) — on a healthy database, a missing or old
one, an outbox that does not drain, backups missing or old, Telegram through the Bot API
stand-in (the webhook, pending updates, a delivery error, a refused token), Zalo's stored
token, and the scheduler's leader on PostgreSQL."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import NamedTuple

import pytest
from sqlalchemy import insert, text

from bot import doctor
from bot.cli.main import main
from bot.settings import get_settings
from db import backups, migrate, operations, tokens
from db.models import utcnow
from db.store import Store
from db.tables import outbox_t
from handlers.content import Content, load_content
from tests.support import ROOT
from tests.support.telegram_standin import BotApiStandIn


@pytest.fixture
def env(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, content: Content
) -> Iterator[pytest.MonkeyPatch]:
    """``hiendien`` in an empty folder, no setting but the content's; content/ read once
    (the session's) but where a test reads it again."""
    monkeypatch.setattr(doctor, "load_content", lambda _folder: content)
    for name in list(os.environ):
        if name.startswith(("HIENDIEN_", "TELEGRAM_", "ZALO_")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HIENDIEN_CONTENT_DIR", str(ROOT / "content"))
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


def doctor_says(
    env: pytest.MonkeyPatch, url: str, capsys: pytest.CaptureFixture[str]
) -> tuple[int, dict[str, str]]:
    """The exit code and each check's line, by the check's name."""
    env.setenv("HIENDIEN_DATABASE_URL", url)
    get_settings.cache_clear()
    capsys.readouterr()
    code = main(["doctor"])
    out = capsys.readouterr().out.splitlines()
    assert out[-1].endswith(f"(mã thoát {code})")
    lines = {line.split(":", 1)[0][2:]: line for line in out[:-1]}
    assert all(line[0] in "✓!✗" for line in lines.values())
    return code, lines


def backed_up(store: Store, hours: float = 1) -> None:
    with store.transaction() as tx:
        backups.record(
            tx, "sqlite", "/backups/hiendien.db", 123_456, utcnow() - timedelta(hours=hours)
        )


@contextmanager
def a_scheduler_leader(store: Store) -> Iterator[None]:
    """PostgreSQL: the scheduler's lock of this schema held, as a running hiendien would."""
    if not store.postgres:
        yield
        return
    with store.engine.connect() as conn:  # the lock of this schema (the test's own)
        conn.execute(text("SELECT pg_advisory_lock(730150, hashtext(current_schema()))"))
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(730150, hashtext(current_schema()))"))


def test_a_healthy_database_is_all_ticks_and_exit_0(
    store: Store, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    backed_up(store)
    env.setattr(doctor, "load_content", load_content)  # content/ read and checked
    with a_scheduler_leader(store):
        code, lines = doctor_says(env, store.url, capsys)
    assert code == 0, lines
    assert all(line.startswith("✓") for line in lines.values())
    assert "phiên bản mới nhất" in lines["Cơ sở dữ liệu (database)"]
    assert "/backups/hiendien.db" in lines["Sao lưu (backup)"]
    assert "0 chờ gửi" in lines["Hàng đợi thông báo (outbox)"]
    leader = "pid" if store.postgres else "SQLite"
    assert leader in lines["Bộ lập lịch (scheduler)"]


@pytest.mark.parametrize(
    ("hours", "mark", "code"), [(None, "!", 1), (30, "!", 1), (24 * 8, "✗", 2)]
)
def test_no_backup_or_an_old_one_is_said(
    sqlite_store: Store,
    env: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    hours: float | None,
    mark: str,
    code: int,
) -> None:
    if hours is not None:
        backed_up(sqlite_store, hours)
    got, lines = doctor_says(env, sqlite_store.url, capsys)
    assert got == code
    assert lines["Sao lưu (backup)"].startswith(mark)


@pytest.mark.parametrize(("minutes", "mark", "code"), [(1, "✓", 0), (20, "!", 1), (180, "✗", 2)])
def test_an_outbox_that_does_not_drain_is_said(
    store: Store,
    env: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    minutes: int,
    mark: str,
    code: int,
) -> None:
    backed_up(store)
    written = utcnow() - timedelta(minutes=minutes)
    with store.transaction() as tx:
        for n in range(3):
            tx.conn.execute(
                insert(outbox_t).values(
                    kind="new_lead",
                    channel="telegram",
                    recipient="-100",
                    payload="{}",
                    dedupe_key=f"k{n}",
                    status="pending",
                    attempts=0,
                    next_attempt_at=written,
                    created_at=written,
                )
            )
    with a_scheduler_leader(store):
        got, lines = doctor_says(env, store.url, capsys)
    line = lines["Hàng đợi thông báo (outbox)"]
    assert got == code and line.startswith(mark), line
    assert "3 chờ gửi, 3 đến hạn" in line


def test_a_missing_or_old_database_is_said_and_nothing_is_created(
    env: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'data' / 'hiendien.db'}"
    code, lines = doctor_says(env, url, capsys)
    assert code == 2 and lines["Cơ sở dữ liệu (database)"].startswith("✗")
    assert not (tmp_path / "data").exists()
    migrate.upgrade(url, "0016")
    code, lines = doctor_says(env, url, capsys)
    assert code == 1 and "chạy hiendien db upgrade" in lines["Cơ sở dữ liệu (database)"]


class Usage(NamedTuple):
    total: int
    used: int
    free: int


@pytest.mark.parametrize(
    ("free", "mark"), [(50 * 1024**3, "✓"), (500 * 1024**2, "!"), (100 * 1024**2, "✗")]
)
def test_free_disk_of_the_sqlite_folder(
    sqlite_store: Store,
    env: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    free: int,
    mark: str,
) -> None:
    total = 100 * 1024**3
    env.setattr(doctor.shutil, "disk_usage", lambda _p: Usage(total, total - free, free))
    _code, lines = doctor_says(env, sqlite_store.url, capsys)
    assert lines["Ổ đĩa (disk)"].startswith(mark)


async def test_telegram_webhook_info_through_the_bot_api(
    sqlite_store: Store, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    backed_up(sqlite_store)
    async with BotApiStandIn() as api:
        env.setenv("TELEGRAM_BOT_TOKEN", api.token)
        env.setenv("TELEGRAM_BASE_URL", api.base_url)
        env.setenv("TELEGRAM_WEBHOOK_SECRET", "s" * 40)
        env.setenv("HIENDIEN_PUBLIC_URL", "https://chat.example.vn")
        api.webhook["url"] = "https://chat.example.vn/webhooks/telegram"

        async def ask() -> tuple[int, str]:
            code, lines = await asyncio.to_thread(doctor_says, env, sqlite_store.url, capsys)
            return code, lines["Telegram"]

        code, line = await ask()
        assert code == 0 and "webhook https://chat.example.vn/webhooks/telegram" in line
        assert "0 cập nhật đang chờ" in line
        assert api.calls_to("getWebhookInfo")

        for n in range(120):
            api.push(api.update_json(message={"message_id": n}))
        code, line = await ask()
        assert code == 1 and line.startswith("!") and "120 cập nhật đang chờ" in line

        api._updates.clear()
        api.webhook_error = (int(utcnow().timestamp()) - 60, "Connection refused")
        code, line = await ask()
        assert code == 1 and "Connection refused" in line

        api.webhook_error = None
        api.webhook["url"] = "https://old.example.vn/webhooks/telegram"
        code, line = await ask()
        assert code == 1 and "https://chat.example.vn/webhooks/telegram" in line

        env.setenv("TELEGRAM_BOT_TOKEN", "999:WRONG")
        code, line = await ask()
        assert code == 2 and line.startswith("✗") and "TELEGRAM_BOT_TOKEN" in line
        assert "999:WRONG" not in line


def test_telegram_unreachable_is_a_failure(
    sqlite_store: Store, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    env.setenv("TELEGRAM_BOT_TOKEN", "123:ABC")
    env.setenv("TELEGRAM_BASE_URL", "http://127.0.0.1:9")  # discard: nobody answers
    code, lines = doctor_says(env, sqlite_store.url, capsys)
    assert code == 2 and "không gọi được Bot API ở 127.0.0.1:9" in lines["Telegram"]


def test_zalo_token_refused_expiring_or_fine(
    store: Store, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    backed_up(store)
    env.setenv("ZALO_APP_ID", "1234")
    env.setenv("ZALO_APP_SECRET", "app-secret")
    env.setenv("ZALO_OA_SECRET_KEY", "oa-secret")
    code, lines = doctor_says(env, store.url, capsys)
    assert code == 2 and "hiendien zalo set-token" in lines["Zalo"]

    pair = tokens.Pair("access", "refresh", utcnow() + timedelta(hours=20))
    with store.transaction() as tx:
        tokens.save_pair(tx, "zalo", pair)
    code, lines = doctor_says(env, store.url, capsys)
    assert lines["Zalo"].startswith("✓") and "dùng được đến" in lines["Zalo"]

    with store.transaction() as tx:
        tokens.mark_failed(tx, "zalo", "Invalid refresh token")
    code, lines = doctor_says(env, store.url, capsys)
    assert code == 2 and "Invalid refresh token" in lines["Zalo"]


def test_the_scheduler_leader_is_whoever_holds_the_advisory_lock(store: Store) -> None:
    if not store.postgres:
        pytest.skip("PostgreSQL only: SQLite has one process")
    key = 730_150_000 + os.getpid() % 1000  # a key of this test alone, beside the real one
    with store.transaction() as tx:
        assert operations.advisory_holder(tx, key) is None
    with store.engine.connect() as holder:
        holder.execute(text("SELECT pg_advisory_lock(:k)"), {"k": key})
        pid = holder.execute(text("SELECT pg_backend_pid()")).scalar()
        with store.transaction() as tx:
            found = operations.advisory_holder(tx, key)
        assert found is not None and found.pid == pid
        holder.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
        with store.transaction() as tx:
            assert operations.advisory_holder(tx, key) is None
        schema_lock = "SELECT pg_advisory_lock(:k, hashtext(current_schema()))"
        holder.execute(text(schema_lock), {"k": key})  # the per-schema form
        with store.transaction() as tx:
            found = operations.advisory_holder(tx, key)
        assert found is not None and found.pid == pid
        holder.execute(text("SELECT pg_advisory_unlock_all()"))
    with store.transaction() as tx:
        assert operations.advisory_holder(tx, key) is None
