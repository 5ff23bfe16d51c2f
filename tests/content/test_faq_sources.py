"""Every FAQ answer says where its facts come from, and every place it names exists: a
"program.md §N" is a "## N." heading of ../shared/facts/program.md, a "privacy-security.md
§N.N" a heading there, a ward-plan «title» a heading of the ward's plan."""

from __future__ import annotations

import re

import pytest

from handlers.content import Content
from tests.support import ROOT

FACTS = ROOT.parent / "shared" / "facts"
# Answers about this assistant or the ward's own arrangements, not about the programme:
# the only ones that may rest on other files alone.
NOT_ABOUT_THE_PROGRAMME = {"du-lieu-chatbot", "tap-huan"}
_PART = re.compile(r"(program\.md|privacy-security\.md|ward-plan-kien-an\.md|ward\.yaml)")


def _headings(name: str) -> list[str]:
    path = FACTS / name
    if not path.exists():
        pytest.skip(f"{path} is not here")
    lines = path.read_text(encoding="utf-8").splitlines()
    return [re.sub(r"[*#]", "", line).strip() for line in lines if line.startswith("#")]


def _named(source: str) -> list[tuple[str, str]]:
    """(file, section) for every section a source names."""
    named: list[tuple[str, str]] = []
    for part in re.split(r";(?![^\[]*\])", source):  # not the ";" inside [C 1; S 21]
        found = _PART.search(part)
        assert found, f"names no facts file: {part!r}"
        name = found.group(1)
        if name in ("program.md", "privacy-security.md"):
            sections = re.findall(r"§(\d+(?:\.\d+)?)", part)
            assert sections, f"names no § section: {part!r}"
            named += [(name, s) for s in sections]
        elif name == "ward-plan-kien-an.md":
            titles = re.findall(r"«([^»]+)»", part)
            assert titles, f"names no «heading»: {part!r}"
            named += [(name, t) for t in titles]
    return named


def _exists(name: str, section: str) -> bool:
    headings = _headings(name)
    if name == "ward-plan-kien-an.md":
        return any(section.lower() in h.lower() for h in headings)
    return any(re.match(rf"{re.escape(section)}[. ]", h) for h in headings)


def test_every_answer_names_sections_that_exist(content: Content) -> None:
    for entry in content.faq.entries:
        named = _named(entry.source)
        assert named, entry.id
        for name, section in named:
            assert _exists(name, section), (entry.id, name, section)
        files = {name for name, _ in named}
        if entry.id not in NOT_ABOUT_THE_PROGRAMME:
            assert "program.md" in files, f"{entry.id}: names no section of program.md"


def test_a_section_that_does_not_exist_is_caught() -> None:
    assert _exists("program.md", "7") and not _exists("program.md", "12")
    assert _exists("privacy-security.md", "1.3") and not _exists("privacy-security.md", "1.31")
    assert _exists("ward-plan-kien-an.md", "Tổ chức tập huấn")
    assert not _exists("ward-plan-kien-an.md", "Giờ tiếp dân")
    with pytest.raises(AssertionError):
        _named("program.md [C 1]")  # a file without a section
