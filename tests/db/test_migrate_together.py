"""Several ``hiendien`` processes starting together on one empty PostgreSQL database each
migrate it on start: one migrates, the others wait on the advisory lock and then find the
schema current (without the lock, two ran the same CREATE TABLE at once and one crashed on
PostgreSQL's catalogue: ``duplicate key … pg_type_typname_nsp_index``)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text

from bot.settings import Settings
from db import migrate
from db.engine import make_engine
from tests.support import ROOT
from tests.support.ci_skips import POSTGRES_MISSING
from tests.support.environment import clean_env
from tests.support.postgres import own_schema

POSTGRES_URL = Settings().hiendien_test_postgres_url
PROCESSES = 5
MIGRATE = "import sys; from db.migrate import upgrade; upgrade(sys.argv[1])"


@pytest.fixture
def empty_schema() -> Iterator[str]:
    if not POSTGRES_URL:
        pytest.skip(POSTGRES_MISSING)
    with own_schema(POSTGRES_URL, migrated=False) as url:
        yield url


def test_five_processes_starting_together_migrate_once_and_all_start(empty_schema: str) -> None:
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", MIGRATE, empty_schema],
            cwd=ROOT,
            env=clean_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(PROCESSES)
    ]
    results = [(run.wait(timeout=120), run.stderr.read() if run.stderr else "") for run in runs]
    assert [code for code, _ in results] == [0] * PROCESSES, [err for _, err in results]
    head = ScriptDirectory.from_config(migrate.alembic_config(empty_schema)).get_current_head()
    engine = make_engine(empty_schema)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all() == [
            head
        ]
    engine.dispose()
