"""Shared fixtures for every test: the real content/, a real database (SQLite, and
PostgreSQL when HIENDIEN_TEST_POSTGRES_URL is set) and the app on an aiohttp test client.
The fixed "today" and the repository's path are in tests.support, with the rest of the
shared test support."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from bot.app import build_app
from bot.settings import Settings
from db import migrate
from db.store import Store
from handlers.content import Content, load_content
from tests.support import ROOT, TODAY
from tests.support.ci_skips import POSTGRES_MISSING
from tests.support.ci_skips import pytest_runtest_makereport as pytest_runtest_makereport
from tests.support.postgres import own_schema

POSTGRES_URL = Settings().hiendien_test_postgres_url


@pytest.fixture(scope="session")
def content() -> Content:
    return load_content(ROOT / "content")


@contextmanager
def database_url(kind: str, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated database: a SQLite file, or a PostgreSQL schema of its own (so
    test runs sharing the server never see each other's rows)."""
    if kind == "sqlite":
        url = f"sqlite:///{tmp_path / 'hiendien.db'}"
        migrate.upgrade(url)
        yield url
        return
    if not POSTGRES_URL:
        pytest.skip(POSTGRES_MISSING)
    with own_schema(POSTGRES_URL) as url:
        yield url


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with database_url(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    s = Store(db_url)
    yield s
    s.close()


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    with database_url("sqlite", tmp_path) as url:
        s = Store(url)
        yield s
        s.close()


Client = Any  # aiohttp's TestClient


@pytest.fixture
async def client(aiohttp_client: Callable[..., Awaitable[Client]], store: Store, content: Content):
    return await aiohttp_client(build_app(store, content, today=lambda: TODAY))


@pytest.fixture
async def lite_client(
    aiohttp_client: Callable[..., Awaitable[Client]], sqlite_store: Store, content: Content
):
    """For endpoints that do not touch the database beyond opening it."""
    return await aiohttp_client(build_app(sqlite_store, content, today=lambda: TODAY))
