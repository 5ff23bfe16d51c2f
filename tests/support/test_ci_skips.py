"""tests/support/ci_skips.py: under CI=true a test skipped for want of Chromium or
PostgreSQL fails the run; other skips stay skips; off CI all of them are skips. Each case
runs a real pytest on a small test file, with and without CI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import ROOT
from tests.support.ci_skips import CHROMIUM_MISSING, POSTGRES_MISSING
from tests.support.environment import clean_env

SAMPLE = f"""
import pytest

needs_chromium = pytest.mark.skipif(True, reason={CHROMIUM_MISSING!r})


@needs_chromium
def test_page():
    pass


@pytest.fixture
def postgres():
    pytest.skip({POSTGRES_MISSING!r})


def test_postgres(postgres):
    pass


def test_not_for_sqlite():
    pytest.skip("the election is PostgreSQL's advisory lock; SQLite runs one process")


def test_runs():
    pass
"""


def _run(tmp_path: Path, ci: str | None) -> tuple[int, str]:
    (tmp_path / "test_sample.py").write_text(SAMPLE, encoding="utf-8")
    env = clean_env()
    env.pop("CI", None)
    if ci is not None:
        env["CI"] = ci
    done = subprocess.run(
        [
            *(sys.executable, "-m", "pytest", "-p", "tests.support.ci_skips", "-rA", "-q"),
            *("-p", "no:cacheprovider", "--rootdir", str(tmp_path), str(tmp_path)),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return done.returncode, done.stdout


@pytest.mark.parametrize("ci", ["true", "TRUE", "1"])
def test_on_ci_a_missing_browser_or_postgresql_fails(tmp_path: Path, ci: str) -> None:
    code, out = _run(tmp_path, ci)
    assert code == 1, out  # the run fails (a skip in setup is reported as an error)
    assert "1 passed, 1 skipped, 2 errors" in out, out
    assert "test_sample.py::test_page - CI=true" in out
    assert "test_sample.py::test_postgres - CI=true" in out
    assert "SKIPPED" in out and "SQLite runs one process" in out


@pytest.mark.parametrize("ci", [None, "", "false"])
def test_off_ci_they_are_skips_with_their_reason(tmp_path: Path, ci: str | None) -> None:
    code, out = _run(tmp_path, ci)
    assert code == 0, out
    assert "1 passed, 3 skipped" in out, out
    assert CHROMIUM_MISSING in out and POSTGRES_MISSING in out
