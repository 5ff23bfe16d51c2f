"""The environment a ``hiendien`` command gets in the tests: nothing inherited from the
machine's settings, this working copy's code, a SQLite file of its own in the test's
directory, the real content/.

May import: tests.support.
"""

from __future__ import annotations

import os
from pathlib import Path

from tests.support import ROOT

CONTENT = ROOT / "content"


def clean_env(**settings: str) -> dict[str, str]:
    """The environment without any hiendien / channel setting, plus ``settings``; the
    command runs this working copy's code (``PYTHONPATH``), whichever copy is installed."""
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("HIENDIEN_", "TELEGRAM_", "ZALO_"))
    }
    env["PYTHONPATH"] = os.pathsep.join(filter(None, (str(ROOT), env.get("PYTHONPATH"))))
    env.update(settings)
    return env


def db_path(tmp_path: Path) -> Path:
    return tmp_path / "x.db"


def configured(tmp_path: Path, content: Path = CONTENT, **more: str) -> dict[str, str]:
    """A clean environment with the database at ``db_path`` and ``content``, plus ``more``."""
    return clean_env(
        HIENDIEN_DATABASE_URL=f"sqlite:///{db_path(tmp_path)}",
        HIENDIEN_CONTENT_DIR=str(content),
        **more,
    )
