"""content/ is checked at start: a broken file names the file, the line and the problem."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from handlers.content import Content, load_content
from handlers.yamlfile import ContentError

ROOT = Path(__file__).resolve().parent.parent / "content"
DIACRITIC = re.compile(r"[àáảãạăắằẳẵặâấầẩẫậèéẻẽẹêếềểễệìíỉĩịòóỏõọôốồổỗộơớờởỡợùúủũụưứừửữựỳýỷỹỵđ]")


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(ROOT, target)
    return target


def edit(path: Path, old: str, new: str) -> int:
    """Replace ``old`` once; return the 1-based line where it was."""
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    line = text[: text.index(old)].count("\n") + 1
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return line


def test_the_real_content_loads(content: Content) -> None:
    assert content.ward.name == "phường Kiến An"
    assert content.program.links["program"] == "https://hiendienonline.tenmien.vn"


def _texts(data: dict, prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for k, v in data.items():
        if isinstance(v, dict):
            out.update(_texts(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = v
    return out


def test_every_vietnamese_message_is_written_with_diacritics() -> None:
    messages = yaml.safe_load((ROOT / "vi" / "messages.yaml").read_text(encoding="utf-8"))
    for key, template in _texts(messages).items():
        words = re.sub(r"{[{%].*?[}%]}", " ", template, flags=re.S)
        if len(re.findall(r"[^\W\d_]{2,}", words)) >= 2:
            assert DIACRITIC.search(words.lower()), f"{key} has no Vietnamese diacritics"


def test_a_bad_date_in_program_yaml(copy: Path) -> None:
    line = edit(copy / "program.yaml", "end_date: 2026-12-31", "end_date: not-a-date")
    with pytest.raises(ContentError) as err:
        load_content(copy)
    assert err.value.path.name == "program.yaml" and err.value.line == line
    assert "end_date" in str(err.value)


def test_a_yaml_syntax_error(copy: Path) -> None:
    line = edit(copy / "ward.yaml", 'office: "Phòng', 'office: ["Phòng')
    with pytest.raises(ContentError) as err:
        load_content(copy)
    assert err.value.path.name == "ward.yaml" and err.value.line is not None
    assert abs(err.value.line - line) <= 2


def test_a_broken_template(copy: Path) -> None:
    line = edit(copy / "vi" / "messages.yaml", '  who: "Bạn là:"', '  who: "Bạn là: {{ x "')
    with pytest.raises(ContentError) as err:
        load_content(copy)
    assert err.value.path.name == "messages.yaml" and err.value.line == line
    assert "start.who" in str(err.value)


def test_a_message_missing_in_english(copy: Path) -> None:
    edit(copy / "en" / "messages.yaml", "  who:", "  whom:")
    with pytest.raises(ContentError) as err:
        load_content(copy)
    assert "start.who" in str(err.value) and "start.whom" in str(err.value)


def test_an_unquoted_yes_key(copy: Path) -> None:
    edit(copy / "vi" / "messages.yaml", '  "yes": "Có"', '  yes: "Có"')
    with pytest.raises(ContentError) as err:
        load_content(copy)
    assert "quotes" in str(err.value)


def test_a_tổ_dân_phố_listed_twice(copy: Path) -> None:
    edit(copy / "ward.yaml", '  - "Tổ dân phố 2"', '  - "Tổ dân phố 1"')
    with pytest.raises(ContentError) as err:
        load_content(copy)
    assert err.value.path.name == "ward.yaml" and "twice" in str(err.value)


def test_a_missing_file(copy: Path) -> None:
    (copy / "faq.yaml").unlink()
    with pytest.raises(ContentError) as err:
        load_content(copy)
    assert err.value.path.name == "faq.yaml" and "not found" in str(err.value)


def test_retention_is_the_programme_end_plus_the_configured_months(copy: Path) -> None:
    edit(copy / "ward.yaml", "retention_months_after_end: 6", "retention_months_after_end: 2")
    content = load_content(copy)
    assert content.retention_until.isoformat() == "2027-02-28"
