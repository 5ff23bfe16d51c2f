"""A PostgreSQL schema of its own on the test server: created, migrated (or left empty),
its URL handed out, and dropped afterwards — so runs sharing the server never see each
other's rows. Used by tests/conftest.py, the tests that start processes on PostgreSQL,
and bench/scale.py.

May import: db.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import make_url, text

from db import migrate
from db.engine import make_engine


def create_schema(server_url: str, schema: str) -> None:
    engine = make_engine(server_url)
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()


def drop_schema(server_url: str, schema: str) -> None:
    """Drop ``schema`` with all it holds (nothing when it is not there)."""
    engine = make_engine(server_url)
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


def schema_url(server_url: str, schema: str) -> str:
    """The URL of the server at ``server_url`` with ``schema`` first on the search path."""
    url = make_url(server_url).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


@contextmanager
def own_schema(server_url: str, *, migrated: bool = True, prefix: str = "t") -> Iterator[str]:
    """A new schema on the server at ``server_url`` (migrated unless told not to); the URL
    that puts it first on the search path. Dropped, with all it holds, afterwards."""
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    create_schema(server_url, schema)
    rendered = schema_url(server_url, schema)
    try:
        if migrated:
            migrate.upgrade(rendered)
        yield rendered
    finally:
        drop_schema(server_url, schema)
