"""content/ is checked at start: a broken file names the file, the line and the problem."""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path

import pytest
import yaml

from handlers.content import Content, load_content
from handlers.faq import FaqIndex
from handlers.yamlfile import ContentError
from tests.support import ROOT

CONTENT = ROOT / "content"
DIACRITIC = re.compile(r"[àáảãạăắằẳẵặâấầẩẫậèéẻẽẹêếềểễệìíỉĩịòóỏõọôốồổỗộơớờởỡợùúủũụưứừửữựỳýỷỹỵđ]")


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(CONTENT, target)
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
    messages = yaml.safe_load((CONTENT / "vi" / "messages.yaml").read_text(encoding="utf-8"))
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
    edit(copy / "ward.yaml", "areas: []", 'areas: ["Tổ dân phố 1", "Tổ dân phố 1"]')
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


def test_faq_answers_take_every_programme_number_from_program_yaml(
    copy: Path, content: Content
) -> None:
    """Change every number in program.yaml: the FAQ answers (and the messages) state the new
    ones, and no answer still shows an old one (FAQ prose never writes a number out)."""
    path = copy / "program.yaml"
    program = yaml.safe_load(path.read_text(encoding="utf-8"))
    program["rules"].update(
        youth_min_age=17, youth_max_age=26, enterprise_max_years=3, end_date=date(2027, 6, 30)
    )
    program["free_years"] = 4
    program["renewal_grace_days"] = 30
    for fee in program["fees"].values():
        fee["registration"] += 1000
        fee["yearly"] += 7000
    path.write_text(yaml.safe_dump(program, allow_unicode=True), encoding="utf-8")
    moved = load_content(copy)
    today, changed = content.faq, moved.faq

    def answer(faq: FaqIndex, entry_id: str, lang: str) -> str:
        entry = faq.get(entry_id)
        assert entry is not None, entry_id
        return entry.answer[lang]

    assert "từ đủ 18 đến 23 tuổi được miễn phí 2 năm đầu" in answer(today, "id-vn-la-gi", "vi")
    assert "từ đủ 17 đến 26 tuổi được miễn phí 4 năm đầu" in answer(changed, "id-vn-la-gi", "vi")
    assert "aged from full 17 to 26 get it free for the first 4 years" in answer(
        changed, "id-vn-la-gi", "en"
    )
    fees = answer(changed, "sau-2-nam", "vi")
    assert fees.startswith("Từ năm thứ 5,") and "còn 30 ngày" in fees
    assert "11.000 đồng (một lần) và phí duy trì 57.000 đồng/năm" in fees
    assert "biz.vn là 101.000 đồng và 257.000 đồng/năm" in fees
    fees = answer(changed, "sau-2-nam", "en")
    assert fees.startswith("From the fifth year") and "30 days" in fees
    assert "a 11,000 VND registration fee (one time) and a 57,000 VND/year" in fees
    assert "Từ 27 tuổi" in answer(changed, "tren-23-tuoi", "vi")
    assert "27.000 đồng/năm" in answer(changed, "ten-mien-tieng-viet", "vi")
    assert "more than 3 years (for example 38 months)" in answer(changed, "cong-ty-qua-1-nam", "en")
    assert "đến tháng 6/2027" in answer(changed, "thoi-gian-chuong-trinh", "vi")
    assert "until June 2027" in answer(changed, "thoi-gian-chuong-trinh", "en")

    # and so do the messages that state them
    assert moved.render("vi", "team.reason.too_old") == "quá 26 tuổi"
    assert moved.render("en", "team.reason.enterprise_too_old") == "enterprise older than 3 years"
    birthday = moved.render("vi", "reminder.birthday_18")
    assert "sinh nhật 17 tuổi" in birthday and "miễn phí 4 năm" in birthday

    old = re.compile(
        r"\b(?:18|23|24|25)\b|\b[12] (?:năm|years?)\b|\b(?:10|20|50|100|250)[.,]000\b"
        r"|12/2026|December 2026|third|năm thứ 3|14 (?:tháng|months)"
    )
    for entry in changed.entries:
        for lang, text in entry.answer.items():
            found = old.search(text)
            assert found is None, (entry.id, lang, found and found.group())


def test_a_broken_faq_answer_template_names_the_line(copy: Path) -> None:
    old = "Tên miền id.vn là tên miền quốc gia .vn"
    line = edit(copy / "faq.yaml", old, "{{ rules.no_such_number }} " + old)
    with pytest.raises(ContentError) as err:
        load_content(copy)
    assert err.value.path.name == "faq.yaml" and err.value.line == line
    assert "entries.0.answer.vi" in str(err.value) and "no_such_number" in str(err.value)


def test_youth_ages_in_the_wrong_order(copy: Path) -> None:
    edit(copy / "program.yaml", "youth_min_age: 18", "youth_min_age: 30")
    with pytest.raises(ContentError) as err:
        load_content(copy)
    assert err.value.path.name == "program.yaml" and err.value.line is not None
    assert "youth_min_age > youth_max_age" in str(err.value)
