"""Shared fixtures: the real content/, a real database (SQLite, and PostgreSQL when
HIENDIEN_TEST_POSTGRES_URL is set), and a fixed "today" in Vietnam."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text

from db import migrate
from db.engine import make_engine
from db.store import Store
from handlers.content import Content, load_content

ROOT = Path(__file__).resolve().parent.parent
TODAY = date(2026, 11, 25)
POSTGRES_URL = os.environ.get("HIENDIEN_TEST_POSTGRES_URL")


@pytest.fixture(scope="session")
def content() -> Content:
    return load_content(ROOT / "content")


def _reset_postgres(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def database_url(kind: str, tmp_path: Path) -> str:
    if kind == "sqlite":
        return f"sqlite:///{tmp_path / 'hiendien.db'}"
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL: set HIENDIEN_TEST_POSTGRES_URL to run (.ci/run does)")
    _reset_postgres(POSTGRES_URL)
    return POSTGRES_URL


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    url = database_url(request.param, tmp_path)
    migrate.upgrade(url)
    return url


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    s = Store(db_url)
    yield s
    s.close()


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    url = database_url("sqlite", tmp_path)
    migrate.upgrade(url)
    s = Store(url)
    yield s
    s.close()
