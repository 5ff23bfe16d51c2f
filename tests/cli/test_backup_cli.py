"""``hiendien backup`` and ``hiendien restore`` in this process, on SQLite and PostgreSQL:
residents' conversations, consents and leads backed up, restored into an empty database
(a new SQLite file; a fresh PostgreSQL schema, the first one dropped as if lost) and found
again row for row; a database with tables refused; the backup's time recorded for the
doctor; pg_dump missing said in one line."""

from __future__ import annotations

import os
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import make_url, select
from sqlmodel import SQLModel

from bot.cli.main import main
from bot.settings import get_settings
from bot.turns import Conversations
from db import backups
from db.store import Store
from db.tables import conversation_t
from handlers.content import Content
from tests.conftest import POSTGRES_URL
from tests.support import ROOT, TODAY
from tests.support.conversations import LEAD_DIALOGUE, talk
from tests.support.postgres import create_schema, drop_schema, schema_url

SKIPPED = {"backup_run", "alembic_version"}  # the source gains a backup row after its backup


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[pytest.MonkeyPatch]:
    for name in list(os.environ):
        if name.startswith(("HIENDIEN_", "TELEGRAM_", "ZALO_")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HIENDIEN_CONTENT_DIR", str(ROOT / "content"))
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


def hiendien(env: pytest.MonkeyPatch, url: str, *argv: str) -> int:
    env.setenv("HIENDIEN_DATABASE_URL", url)
    get_settings.cache_clear()
    return main(list(argv))


def snapshot(store: Store) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table (but the backups' own record), in key order."""
    found: dict[str, list[dict[str, Any]]] = {}
    with store.transaction() as tx:
        for name, table in SQLModel.metadata.tables.items():
            if name in SKIPPED:
                continue
            rows = tx.conn.execute(select(table).order_by(*table.primary_key.columns)).mappings()
            found[name] = [dict(r) for r in rows]
    return found


def residents(store: Store, content: Content) -> None:
    conv = Conversations(store, content, lambda: TODAY)
    talk(conv, "lan-browser", *LEAD_DIALOGUE)
    other = [t if t != "0912 345 678" else "0987 654 321" for t in LEAD_DIALOGUE]
    talk(conv, "binh-browser", *other)


@pytest.mark.parametrize("same_name", [False, True], ids=["new-name", "same-name"])
def test_a_backup_restored_into_an_empty_database_has_every_row(
    store: Store, content: Content, env: pytest.MonkeyPatch, tmp_path: Path, same_name: bool
) -> None:
    residents(store, content)
    before = snapshot(store)
    assert len(before["lead"]) == 2 and len(before["consent"]) >= 2
    assert before["conversation"]
    out = tmp_path / "hiendien.backup"

    assert hiendien(env, store.url, "backup", "--output", str(out)) == 0
    with store.transaction() as tx:
        made = backups.latest(tx)
    assert made is not None and made.target == str(out) and made.size_bytes == out.stat().st_size

    with fresh_database(store, tmp_path, same_name) as target:
        assert hiendien(env, target, "restore", str(out)) == 0
        with Store(target) as restored:
            assert snapshot(restored) == before
            assert hiendien(env, target, "restore", str(out)) == 2  # no longer empty


class fresh_database:
    """An empty database of the same kind as ``store``'s: a new SQLite file; on PostgreSQL,
    the source's schema dropped (the database lost) and a new, empty schema (of the same
    name, or another: the dump's schema is then renamed)."""

    def __init__(self, store: Store, tmp_path: Path, same_name: bool) -> None:
        self.same_name = same_name
        self.store = store
        self.tmp_path = tmp_path
        self.schema: str | None = None

    def __enter__(self) -> str:
        if not self.store.postgres:
            return f"sqlite:///{self.tmp_path / 'restored' / 'hiendien.db'}"
        source = make_url(self.store.url).query["options"]
        assert isinstance(source, str)
        self.store.engine.dispose()
        lost = source.removeprefix("-csearch_path=")
        assert POSTGRES_URL
        drop_schema(POSTGRES_URL, lost)
        self.schema = lost if self.same_name else f"r_{uuid.uuid4().hex[:12]}"
        create_schema(POSTGRES_URL, self.schema)
        return schema_url(POSTGRES_URL, self.schema)

    def __exit__(self, *_exc: object) -> None:
        if self.schema:
            assert POSTGRES_URL
            drop_schema(POSTGRES_URL, self.schema)


def test_a_database_with_tables_is_never_restored_over(
    store: Store,
    content: Content,
    env: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    residents(store, content)
    before = snapshot(store)
    out = tmp_path / "b.backup"
    assert hiendien(env, store.url, "backup", "-o", str(out)) == 0
    capsys.readouterr()
    assert hiendien(env, store.url, "restore", str(out)) == 2
    err = capsys.readouterr().err
    assert "không trống" in err and "Traceback" not in err
    assert snapshot(store) == before


def test_a_postgresql_backup_without_pg_dump_says_what_to_install(
    env: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env.setenv("PATH", str(tmp_path))  # nothing there
    url = "postgresql://hiendien@127.0.0.1:1/hiendien"
    assert hiendien(env, url, "backup", "--output", str(tmp_path / "x")) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "không tìm thấy pg_dump" in err and "postgresql-client" in err
    assert not (tmp_path / "x").exists()


def test_a_backup_of_the_other_engine_or_of_anything_else_is_refused(
    sqlite_store: Store,
    env: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "lite.backup"
    assert hiendien(env, sqlite_store.url, "backup", "--output", str(out)) == 0
    capsys.readouterr()
    assert hiendien(env, "postgresql://x@127.0.0.1:1/x", "restore", str(out)) == 2
    assert "bản sao lưu sqlite" in capsys.readouterr().err
    junk = tmp_path / "notes.txt"
    junk.write_text("hello")
    target = f"sqlite:///{tmp_path / 'new.db'}"
    assert hiendien(env, target, "restore", str(junk)) == 2
    assert "không phải bản sao lưu" in capsys.readouterr().err
    assert not (tmp_path / "new.db").exists()


def test_a_sqlite_backup_taken_while_residents_talk_is_whole(
    sqlite_store: Store, content: Content, env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    conv = Conversations(sqlite_store, content, lambda: TODAY)
    stop = threading.Event()
    said: list[int] = []

    def residents_talking() -> None:
        while not stop.is_set():
            talk(conv, f"r{len(said)}", "/start", "ca nhan", "15/03/2005")
            said.append(1)

    talking = threading.Thread(target=residents_talking)
    talking.start()
    counts = []
    try:
        deadline = time.monotonic() + 30
        while not said:  # the writer is under way
            assert time.monotonic() < deadline, "nobody talked"
            time.sleep(0.01)
        for n in range(3):
            out = tmp_path / f"live-{n}.backup"
            assert hiendien(env, sqlite_store.url, "backup", "--output", str(out)) == 0
            with sqlite3.connect(out) as copy:
                assert copy.execute("PRAGMA quick_check").fetchone() == ("ok",)
                assert copy.execute("PRAGMA journal_mode").fetchone() == ("delete",)
                counts.append(copy.execute("SELECT count(*) FROM conversation").fetchone()[0])
    finally:
        stop.set()
        talking.join()
    assert counts == sorted(counts) and counts[-1] >= 1
    target = f"sqlite:///{tmp_path / 'drill' / 'hiendien.db'}"
    assert hiendien(env, target, "restore", str(tmp_path / "live-2.backup")) == 0
    with Store(target) as restored, restored.transaction() as tx:
        assert len(list(tx.conn.execute(select(conversation_t)))) == counts[-1]
