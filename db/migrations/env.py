"""Alembic environment: migrates the database named in the config against db.models.

Imports alembic, sqlmodel, db.engine and db.models.
"""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import db.models  # noqa: F401  (registers the tables)
from db.engine import is_sqlite, make_engine

config = context.config
target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    url = config.get_main_option("sqlalchemy.url")
    assert url
    engine = make_engine(url)
    sqlite = is_sqlite(url)
    with engine.connect() as connection:
        if sqlite:
            # SQLite's batch mode copies a table and drops the old one; with foreign keys on,
            # that drop would run ON DELETE actions (cascades, SET NULL) on the rows pointing
            # at it. SQLite's own advice for such changes: keys off outside the transaction,
            # then foreign_key_check before the commit.
            raw = connection.connection.driver_connection
            assert raw is not None
            raw.execute("PRAGMA foreign_keys=OFF")
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=sqlite,
        )
        with context.begin_transaction():
            context.run_migrations()
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(f"migration left broken references: {broken[:5]}")
    engine.dispose()


run_migrations_online()
