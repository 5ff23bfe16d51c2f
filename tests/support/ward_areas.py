"""The real content/ as a ward that has filled in its tổ dân phố list (content/ward.yaml
``areas``, left unset in the repository: only the ward can say it). For the tests of what the
list drives — the office's spelling of a tổ dân phố, the teams' "not served yet", the
registry's order — which need one.

May import: handlers, tests.support.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from handlers.content import Content, load_content
from tests.support import ROOT

AREAS = [f"Tổ dân phố {n}" for n in range(1, 11)]  # a test's list, not the ward's


def listed_content_dir(tmp_path: Path, areas: list[str] = AREAS) -> Path:
    """A copy of content/ under ``tmp_path`` whose ward.yaml lists ``areas``."""
    target = tmp_path / "content-with-areas"
    if not target.exists():
        shutil.copytree(ROOT / "content", target)
        ward = target / "ward.yaml"
        text = ward.read_text(encoding="utf-8")
        assert "areas: []" in text
        listed = "areas:\n" + "".join(f'  - "{a}"\n' for a in areas)
        ward.write_text(text.replace("areas: []\n", listed, 1), encoding="utf-8")
    return target


def listed_content(tmp_path: Path, areas: list[str] = AREAS) -> Content:
    return load_content(listed_content_dir(tmp_path, areas))
