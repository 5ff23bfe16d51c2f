"""The scheduler's election (bot.leader) on a real database: on PostgreSQL one process holds
the lock, knows at once when its lock connection is ended, and the other can then take it;
the lock is per schema; on SQLite the one process always leads."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import text

from bot.leader import Leadership
from bot.scheduler import LOCK_KEY
from bot.settings import Settings
from db import locks
from db.store import Store
from tests.support.postgres import own_schema

POSTGRES_URL = Settings().hiendien_test_postgres_url


def holds(leader: Leadership) -> bool:
    with leader.store.transaction() as tx:
        return leader.holds(tx)


def end_holder(store: Store) -> int:
    """End the lock holder's connection, waiting (up to 5 s) until its server process is gone."""
    with store.engine.connect() as conn:
        pid = locks.holder(conn, LOCK_KEY)
        assert pid is not None
        conn.execute(text("SELECT pg_terminate_backend(:p, 5000)"), {"p": pid})
        return pid


@pytest.fixture
def other_schema() -> Iterator[str]:
    """A second, empty schema on the same PostgreSQL database."""
    assert POSTGRES_URL
    with own_schema(POSTGRES_URL, migrated=False) as url:
        yield url


def test_a_leader_whose_lock_connection_ends_knows_it_and_the_other_takes_over(
    store: Store,
) -> None:
    first = Leadership(store, LOCK_KEY)
    if not store.postgres:
        assert first.leading and first.elect() and first.check() and holds(first)
        return
    other_store = Store(store.url)  # another process's connections
    second = Leadership(other_store, LOCK_KEY)
    try:
        assert first.elect() and first.leading and holds(first) and first.check()
        assert not second.elect() and not second.leading
        assert not holds(second)
        with store.engine.connect() as conn:
            assert locks.holder(conn, LOCK_KEY) is not None

        end_holder(store)
        assert not holds(first)  # in any transaction, at once: the fence of each send
        assert first.leading  # until the check …
        assert not first.check()
        assert not first.leading  # … which lets it go
        assert second.elect() and holds(second) and second.check()
        assert not first.elect()  # the other one leads now
    finally:
        first.release()
        second.release()
        other_store.close()


def test_a_leader_that_releases_lets_the_other_in(store: Store) -> None:
    if not store.postgres:
        pytest.skip("the election is PostgreSQL's advisory lock; SQLite runs one process")
    other_store = Store(store.url)
    first, second = Leadership(store, LOCK_KEY), Leadership(other_store, LOCK_KEY)
    try:
        assert first.elect() and not second.elect()
        first.release()
        assert not first.leading and not holds(first)
        assert second.elect()
    finally:
        first.release()
        second.release()
        other_store.close()


def test_the_lock_is_per_schema(store: Store, request: pytest.FixtureRequest) -> None:
    if not store.postgres:
        pytest.skip("the election is PostgreSQL's advisory lock; SQLite runs one process")
    elsewhere = Store(request.getfixturevalue("other_schema"))
    here, there = Leadership(store, LOCK_KEY), Leadership(elsewhere, LOCK_KEY)
    try:
        assert here.elect()
        assert there.elect()  # another hiendien database in the same PostgreSQL database
        assert holds(here) and holds(there)
    finally:
        here.release()
        there.release()
        elsewhere.close()
