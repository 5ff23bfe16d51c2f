"""Running the Alembic migrations in db/migrations from code (``hiendien db upgrade`` and
every start of ``hiendien run``). On PostgreSQL several processes may start together on one
database: the migrations run under an advisory lock, so one migrates and the others wait,
then find the schema current and do nothing. (SQLite serves one process.) Imports
db.engine only."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text

from db.engine import is_sqlite, make_engine, normalise_url

MIGRATIONS = Path(__file__).parent / "migrations"
LOCK_KEY = 730_151  # pg_advisory_lock key of the migrations (the scheduler's is 730_150)


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    if is_sqlite(url):
        command.upgrade(alembic_config(url), revision)
        return
    engine = make_engine(url)
    try:
        with engine.connect() as lock:  # held by this connection until it closes
            lock.execute(text("SELECT pg_advisory_lock(:key)"), {"key": LOCK_KEY})
            try:
                command.upgrade(alembic_config(url), revision)
            finally:
                lock.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": LOCK_KEY})
    finally:
        engine.dispose()
