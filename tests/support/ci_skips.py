"""Under CI a missing browser or PostgreSQL is a failure, not a skip.

On a developer's machine the page tests skip without Chromium and the PostgreSQL half of the
suite skips without ``HIENDIEN_TEST_POSTGRES_URL``, saying so (``make test`` runs ``-rs``).
On CI (``CI=true``, set by ``.ci/run`` as by most CI services) those skips would hide that
half the suite did not run, so this plugin turns them into failures. Other skips (a test that
does not apply to SQLite, say) stay skips. Loaded by tests/conftest.py.

May import: pytest.
"""

from __future__ import annotations

import os
from collections.abc import Generator
from typing import Any

import pytest

# The reasons tests give when a required service is missing; any skip whose reason starts
# with one of these fails under CI.
CHROMIUM_MISSING = "Chromium not installed: apt-get install chromium"
POSTGRES_MISSING = "PostgreSQL: set HIENDIEN_TEST_POSTGRES_URL to run (.ci/run does)"
REQUIRED_ON_CI = (CHROMIUM_MISSING, POSTGRES_MISSING)


def on_ci() -> bool:
    """True when the CI variable says so (``true``/``1``/``yes``, any case)."""
    return os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}


def _reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Generator[Any]:
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    if not (report.skipped and on_ci()):
        return
    reason = _reason(report)
    if reason.startswith(REQUIRED_ON_CI):
        report.outcome = "failed"
        report.longrepr = (
            "CI=true: kiểm thử bị bỏ qua vì thiếu dịch vụ bắt buộc"
            f" / a required service is missing on CI: {reason}"
        )
