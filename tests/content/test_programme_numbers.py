"""Every programme number a resident reads comes from content/program.yaml: no message
template and no FAQ answer writes an age limit, the end date, a number of free years, a
grace period or a fee out by hand (they take ``{{ rules.youth_min_age }}`` and the like), so
changing program.yaml changes every text and no number is written twice."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

import yaml

from handlers.content import Content
from tests.support import ROOT

CONTENT = ROOT / "content"
# What residents read: the chat's messages (both languages) and the FAQ's answers.
RESIDENT_FILES = [CONTENT / lang / "messages.yaml" for lang in ("vi", "en")] + [
    CONTENT / lang / "training_chat.yaml" for lang in ("vi", "en")
]
_TEMPLATE_CODE = re.compile(r"{{.*?}}|{%.*?%}|{#.*?#}", re.S)
_FULL_DATE = re.compile(r"\b\d{1,2}/\d{1,2}/\d{4}\b")


def _texts(data: object, where: str) -> Iterator[tuple[str, str]]:
    if isinstance(data, dict):
        for k, v in data.items():
            yield from _texts(v, f"{where}.{k}")
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield from _texts(v, f"{where}[{i}]")
    elif isinstance(data, str):
        yield where, data


def resident_templates() -> Iterator[tuple[str, str]]:
    for path in RESIDENT_FILES:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        yield from _texts(data, f"{path.parent.name}/{path.name}")
    faq = yaml.safe_load((CONTENT / "faq.yaml").read_text(encoding="utf-8"))
    for entry in faq["entries"]:
        yield from _texts(entry["answer"], f"faq.yaml:{entry['id']}")


def programme_numbers(content: Content) -> re.Pattern[str]:
    """The literal forms of program.yaml's numbers a text could write out by hand."""
    rules, program = content.rules, content.program
    end: date = rules.end_date
    ages = {rules.youth_min_age, rules.youth_max_age, rules.youth_max_age + 1}
    spans = {program.free_years: ("năm", "years?"), rules.enterprise_max_years: ("năm", "years?")}
    forms = [rf"\b{a}\b" for a in sorted(ages)]
    for n, units in spans.items():
        forms += [rf"\b{n} (?:{u})\b" for u in units]
    forms.append(rf"năm thứ {program.free_years + 1}\b")
    forms += [rf"\b{program.renewal_grace_days} (?:ngày|days?)\b"]
    forms += [rf"\b{end.year}\b", end.strftime("%d/%m/%Y"), rf"\b{end.month}/{end.year}\b"]
    for fee in program.fees.values():
        for amount in (fee.registration, fee.yearly):
            forms += [f"{amount:,}".replace(",", "."), f"{amount:,}"]
    return re.compile("|".join(forms))


def written_out(template: str, numbers: re.Pattern[str]) -> list[str]:
    """The programme numbers ``template`` writes by hand (outside its {{ }} and {% %}),
    leaving example dates (15/03/2005) alone."""
    prose = _TEMPLATE_CODE.sub(" ", template)
    end = numbers.pattern  # an example date is fine, unless it is the end date itself
    prose = _FULL_DATE.sub(lambda m: m.group() if m.group() in end else " ", prose)
    return [m.group() for m in numbers.finditer(prose)]


def test_no_resident_text_writes_a_programme_number_by_hand(content: Content) -> None:
    numbers = programme_numbers(content)
    found = {
        where: hits
        for where, template in resident_templates()
        if (hits := written_out(template, numbers))
    }
    assert not found, found


def test_the_scan_finds_numbers_written_by_hand(content: Content) -> None:
    numbers = programme_numbers(content)
    assert written_out("từ đủ 18 đến 23 tuổi", numbers) == ["18", "23"]
    assert written_out("miễn phí 2 năm, còn 25 ngày", numbers) == ["2 năm", "25 ngày"]
    assert written_out("đến 31/12/2026", numbers) == ["31/12/2026"]
    assert written_out("đến tháng 12/2026", numbers) == ["12/2026"]
    assert written_out("phí 50.000 đồng/năm (50,000 VND)", numbers) == ["50.000", "50,000"]
    assert written_out("from the third year, năm thứ 3", numbers) == ["năm thứ 3"]
    assert written_out("ví dụ: 15/03/2005, {{ rules.youth_min_age }} tuổi", numbers) == []
