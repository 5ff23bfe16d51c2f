"""Loading and checking everything under content/: programme, ward, FAQ, words, templates.

:func:`load_content` reads the files once at start, validates them (a broken file raises
:class:`~handlers.yamlfile.ContentError` naming the file, line and problem) and returns a
:class:`Content` that the engine renders every sentence from. Chat text uses a plain-text
Jinja2 environment; pages use an autoescaping HTML environment.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import jinja2
from pydantic import BaseModel, Field, field_validator

from handlers.faq import FaqIndex, FaqVocabulary, load_faq
from handlers.rules import ProgramRules
from handlers.types import DEFAULT_LANGUAGE, LANGUAGES
from handlers.understand import Phrasebook
from handlers.yamlfile import ContentError, line_of, load_model, read_yaml


class Fee(BaseModel):
    registration: int
    yearly: int


class LegalReference(BaseModel):
    reference: str
    effective: date
    note: str


class RulesFile(BaseModel):
    youth_min_age: int = Field(ge=0, le=120)
    youth_max_age: int = Field(ge=0, le=120)
    enterprise_max_years: int = Field(ge=1, le=50)
    end_date: date


class ProgramFile(BaseModel):
    name: dict[str, str]
    rules: RulesFile
    free_years: int = Field(ge=1)
    legal: list[LegalReference]
    links: dict[str, str]
    fees: dict[str, Fee]
    renewal_grace_days: int

    @field_validator("links")
    @classmethod
    def _program_link(cls, v: dict[str, str]) -> dict[str, str]:
        if not v.get("program", "").startswith("https://"):
            raise ValueError("links.program must be an https:// address")
        return v


class Privacy(BaseModel):
    retention_months_after_end: int = Field(ge=0, le=120)
    consent_version: str = Field(min_length=1)
    news_consent_version: str = Field(min_length=1)
    reminder_consent_version: str = Field(min_length=1)
    minimum_age_to_store: int = Field(ge=0, le=120)


class WardFile(BaseModel):
    name: str
    city: str
    office: str
    team_name: str
    areas: list[str] = Field(min_length=1)
    teams: list[str] = Field(min_length=1)
    privacy: Privacy
    lead_reminder_hours: int = Field(ge=1)


class UnderstandingFile(BaseModel):
    choices: dict[str, list[str]]
    commands: dict[str, list[str]]
    faq: FaqVocabulary = Field(default_factory=FaqVocabulary)  # how FAQ questions are read


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or the month's last day when it is shorter."""
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    for d in range(day.day, 27, -1):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    return date(year, month, min(day.day, 28))


def vn_date(value: date | str | None) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value)
    return value.strftime("%d/%m/%Y")


def vn_money(value: int) -> str:
    return f"{value:,}".replace(",", ".")


@dataclass(frozen=True)
class Content:
    root: Path
    program: ProgramFile
    ward: WardFile
    faq: FaqIndex
    phrases: Phrasebook
    chat: dict[str, jinja2.Environment]  # per language, templates by key
    pages: jinja2.Environment
    _plain: dict[tuple[str, str, date | None], str] = field(
        default_factory=dict, compare=False, repr=False
    )  # texts that depend on nothing but the day, rendered once

    @property
    def rules(self) -> ProgramRules:
        r = self.program.rules
        return ProgramRules(
            youth_min_age=r.youth_min_age,
            youth_max_age=r.youth_max_age,
            enterprise_max_years=r.enterprise_max_years,
            end_date=r.end_date,
        )

    @property
    def retention_until(self) -> date:
        months = self.ward.privacy.retention_months_after_end
        return add_months(self.program.rules.end_date, months)

    def render(self, lang: str, key: str, **params: Any) -> str:
        if params.keys() <= {"today"}:  # most prompts and buttons: the same text all day
            return self._render_plain(lang, key, params.get("today"))
        env = self.chat.get(lang) or self.chat[DEFAULT_LANGUAGE]
        return env.get_template(key).render(**params).strip()

    def _render_plain(self, lang: str, key: str, today: date | None) -> str:
        cache_key = (lang, key, today)
        text = self._plain.get(cache_key)
        if text is None:
            if len(self._plain) > 10_000:  # a new day: yesterday's texts are not needed
                self._plain.clear()
            env = self.chat.get(lang) or self.chat[DEFAULT_LANGUAGE]
            text = self._plain[cache_key] = env.get_template(key).render(today=today).strip()
        return text

    def text_hash(self, text: str) -> str:
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _flatten(data: Any, prefix: str = "") -> dict[str, tuple[str, tuple[str, ...]]]:
    """Nested message groups → {"group.key": (template, yaml path)}."""
    out: dict[str, tuple[str, tuple[str, ...]]] = {}
    if not isinstance(data, dict):
        return out
    for k, v in data.items():
        if not isinstance(k, str):  # YAML reads a bare yes/no/on/off key as a boolean
            raise TypeError(f"{prefix}{k}: a message key must be text; put it in quotes")
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            for sub, (tpl, path) in _flatten(v, key + ".").items():
                out[sub] = (tpl, (str(k), *path))
        else:
            out[key] = (v, (str(k),))
    return out


def _chat_env(path: Path, common: dict[str, Any]) -> tuple[jinja2.Environment, set[str]]:
    data, node = read_yaml(path)
    if not isinstance(data, dict):
        raise ContentError(path, 1, "expected a mapping of message keys to texts")
    try:
        flat = _flatten(data)
    except TypeError as exc:
        raise ContentError(path, None, str(exc)) from exc
    templates: dict[str, str] = {}
    env = jinja2.Environment(  # plain text for chat: never HTML  # noqa: S701
        loader=jinja2.FunctionLoader(lambda name: templates.get(name)),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters.update(vndate=vn_date, money=vn_money)
    env.globals.update(common)
    for key, (tpl, ypath) in flat.items():
        line = line_of(node, ypath)
        if not isinstance(tpl, str):
            raise ContentError(path, line, f"{key}: expected text, found {type(tpl).__name__}")
        try:
            env.parse(tpl)
        except jinja2.TemplateSyntaxError as exc:
            raise ContentError(path, line, f"{key}: template error: {exc.message}") from exc
        templates[key] = tpl
    return env, set(templates)


def load_content(root: Path) -> Content:
    """Read and check every content file; raise ContentError on the first problem."""
    program, _ = load_model(root / "program.yaml", ProgramFile)
    ward, ward_node = load_model(root / "ward.yaml", WardFile)
    words, _ = load_model(root / "understanding.yaml", UnderstandingFile)
    faq = load_faq(root / "faq.yaml", words.faq, program.rules)
    r = program.rules
    if r.youth_min_age > r.youth_max_age:
        raise ContentError(root / "program.yaml", None, "rules: youth_min_age > youth_max_age")
    if len(set(ward.areas)) != len(ward.areas):
        line = line_of(ward_node, ("areas",))
        raise ContentError(root / "ward.yaml", line, "areas: a tổ dân phố is listed twice")
    common = {"program": program, "ward": ward, "rules": r}
    chat: dict[str, jinja2.Environment] = {}
    keys: dict[str, set[str]] = {}
    for lang in LANGUAGES:
        chat[lang], keys[lang] = _chat_env(root / lang / "messages.yaml", common)
    missing = set.union(*keys.values()) - set.intersection(*keys.values())
    if missing:
        raise ContentError(
            root / LANGUAGES[-1] / "messages.yaml",
            None,
            " and ".join(LANGUAGES)
            + " must have the same messages; differing keys: "
            + ", ".join(sorted(missing)),
        )
    pages = jinja2.Environment(
        loader=jinja2.FileSystemLoader(root / "pages"),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
    )
    pages.globals.update(common)
    content = Content(
        root, program, ward, faq, Phrasebook.build(words.choices, words.commands), chat, pages
    )
    return content
