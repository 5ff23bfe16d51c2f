"""Short on a phone: every text a resident reads fits a phone's chat bubble (at most 450
characters), rendered with sample data in both languages; the greeting is three short lines
before the first question; the offer comes in short steps; no wording version is shown."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, ClassVar

import jinja2
import pytest
import yaml

from handlers.content import Content, vn_date, vn_money
from tests.support import ROOT
from tests.support.resident import Resident

LIMIT = 450  # characters in one bubble
CONTENT = ROOT / "content"
RESIDENT_FILES = ("messages.yaml", "training_chat.yaml")
STAFF_KEYS = ("team.", "lead_status.label.", "lead_status.button.", "page.")
# Texts the engine sends as several messages (Turn.bubbles): a blank line starts a new one.
BUBBLED = ("offer.",)
# Listings that grow with what is stored (one line per record): each line is checked.
LISTINGS = ("privacy.my_data", "training_chat.list")


class Sample(jinja2.Undefined):
    """Whatever a template is given: a realistic name-length text, true, two items when
    iterated, itself for any attribute; never equal to (nor before or after) anything."""

    TEXT = "Nguyễn Thị Thanh Hương (Tổ dân phố Lãm Hà)"  # 42 characters: a name, a place
    SHORT: ClassVar[dict[str, str]] = {  # what a parameter of this name really looks like
        "position": "12",
        "hours": "24",
        "window_hours": "24",
        "seats_left": "12",
        "limit": "2000",
        "id": "1234",
        "lead_id": "1234",
        "code": "K7Q2M9",
        "time": "08:30",
        "phone": "0912 345 678",
        "suffix": "id.vn",
        "idea": "nguyenthithanhhuong",
    }

    def __str__(self) -> str:
        return self.SHORT.get(self._undefined_name or "", self.TEXT)

    def __bool__(self) -> bool:
        return True

    def __iter__(self) -> Iterator[Any]:
        name = self._undefined_name
        yield from (Sample(name=name), Sample(name=name))

    def __len__(self) -> int:
        return 2

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return Sample(name=name)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return Sample(name=self._undefined_name)

    def __eq__(self, other: object) -> bool:
        return False

    def __lt__(self, other: object) -> bool:
        return False

    __gt__ = __le__ = __ge__ = __lt__
    __hash__ = jinja2.Undefined.__hash__


def _keys(lang: str) -> Iterator[str]:
    for name in RESIDENT_FILES:
        data = yaml.safe_load((CONTENT / lang / name).read_text(encoding="utf-8"))
        yield from _flat(data)


def _flat(data: Any, prefix: str = "") -> Iterator[str]:
    for k, v in data.items():
        if isinstance(v, dict):
            yield from _flat(v, f"{prefix}{k}.")
        else:
            yield f"{prefix}{k}"


def _sampled(content: Content, lang: str) -> jinja2.Environment:
    env = content.chat[lang].overlay(undefined=Sample)
    env.filters = dict(env.filters)
    env.filters["vndate"] = lambda v: "31/12/2026" if isinstance(v, Sample) else vn_date(v)
    env.filters["money"] = lambda v, sep=".": (
        "250.000" if isinstance(v, Sample) else vn_money(v, sep)
    )
    return env


def bubbles(content: Content, lang: str, key: str) -> list[str]:
    """What a resident reads from ``key``, bubble by bubble, with sample data."""
    text = _sampled(content, lang).get_template(key).render().strip()
    if key.startswith(BUBBLED):
        return [p.strip() for p in text.split("\n\n") if p.strip()]
    if key in LISTINGS:
        return [line for line in text.splitlines() if line.strip()]
    return [text]


def resident_keys() -> list[tuple[str, str]]:
    return [
        (lang, key)
        for lang in ("vi", "en")
        for key in _keys(lang)
        if not key.startswith(STAFF_KEYS)
    ]


@pytest.mark.parametrize(("lang", "key"), resident_keys())
def test_every_resident_text_fits_a_bubble(content: Content, lang: str, key: str) -> None:
    for bubble in bubbles(content, lang, key):
        assert bubble and len(bubble) <= LIMIT, (len(bubble), bubble)


def test_every_faq_answer_fits_a_bubble(content: Content) -> None:
    for entry in content.faq.entries:
        for lang, answer in entry.answer.items():
            assert len(answer) <= LIMIT, (entry.id, lang, len(answer))


def test_the_sample_data_is_really_rendered(content: Content) -> None:
    [text] = bubbles(content, "vi", "lead.recorded")
    assert text.count(Sample.TEXT) == 3 and "0912 345 678" in text  # name, area, time; phone
    assert len(bubbles(content, "vi", "offer.eligible_youth")) == 3
    listed = bubbles(content, "vi", "privacy.my_data")
    assert sum(Sample.TEXT in line for line in listed) >= 6  # two of each record


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_greeting_is_three_short_lines(content: Content, lang: str) -> None:
    lines = content.render(lang, "greeting").splitlines()
    assert len(lines) <= 3 and all(len(line) <= 90 for line in lines), lines


def test_the_greeting_comes_right_before_the_first_question(content: Content) -> None:
    r = Resident(content)
    r.type("/start")
    assert [m.text for m in r.said] == [content.render("vi", "greeting"), "Bạn là:"]
    assert r.payloads[:3] == ["kind:person", "kind:enterprise", "kind:household"]


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_no_wording_version_is_shown(content: Content, lang: str) -> None:
    versions = [v for k, v in content.ward.privacy.model_dump().items() if k.endswith("version")]
    for key in _keys(lang):
        text = _sampled(content, lang).get_template(key).render(version="lead-2026-11-v1")
        assert "lead-2026-11-v1" not in text and not any(v in text for v in versions), key
        assert not re.search(r"\((?:Phiên bản|Version) ", text), key
