"""Loading and checking everything under content/: programme, ward, FAQ, words, templates.

:func:`load_content` reads the files once at start, validates them (a broken file raises
:class:`~handlers.yamlfile.ContentError` naming the file, line and problem) and returns a
:class:`Content` that the engine renders every sentence from. Chat text and FAQ answers use
one plain-text Jinja2 environment (:func:`text_templates`); pages use an autoescaping HTML
environment. Both see the programme, the ward and the rules. Imports only the standard
library, jinja2, pydantic and ``handlers`` (faq, plan, rules, types, understand, yamlfile).
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
from handlers.plan import PlanFile
from handlers.rules import ProgramRules
from handlers.typed import ReadingWords
from handlers.types import DEFAULT_LANGUAGE, LANGUAGES, Purpose
from handlers.understand import Phrasebook
from handlers.yamlfile import ContentError, line_of, load_model, read_yaml


class Fee(BaseModel):
    registration: int
    yearly: int


class LegalReference(BaseModel):
    reference: str
    effective: date
    note: str


class ProgramFile(BaseModel):
    name: dict[str, str]
    rules: ProgramRules
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
    training_consent_version: str = Field(min_length=1)
    minimum_age_to_store: int = Field(ge=0, le=120)
    # A conversation nothing was kept from (no consent, lead, subscription, reminder,
    # training sign-up) is deleted after this many days untouched (bot.maintenance).
    purge_unconsented_after_days: int = Field(ge=1, le=3650)

    def version(self, purpose: Purpose) -> str:
        """The version of the wording a consent for ``purpose`` is asked with."""
        return {
            Purpose.LEAD: self.consent_version,
            Purpose.NEWS: self.news_consent_version,
            Purpose.REMINDER: self.reminder_consent_version,
            Purpose.TRAINING: self.training_consent_version,
        }[purpose]


class ReportSigner(BaseModel):
    """Who signs a report: the signing authority's lines in upper case (e.g. "TM. ỦY BAN
    NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH") and the signer's full name."""

    authority: list[str] = Field(default_factory=list)
    name: str = ""


class ReportsConfig(BaseModel):
    """What only the ward can give its reports (``reports:`` in content/ward.yaml): issuing
    bodies, number series, recipients, signers. Anything unset is left as a blank line on
    paper for the clerk to fill; nothing is made up."""

    superior_body: str = ""  # above a team's name, e.g. "UBND PHƯỜNG KIẾN AN"
    ward_body: str = ""  # the ward's issuing body, e.g. "ỦY BAN NHÂN DÂN PHƯỜNG KIẾN AN"
    ward_number_series: str = ""  # after "Số:      /", e.g. "BC-UBND"
    team_number_series: str = ""  # e.g. "BC-TCNS"
    place: str = ""  # the place before the date, e.g. "Kiến An"
    ward_recipients: list[str] = Field(default_factory=list)
    team_recipients: list[str] = Field(default_factory=list)
    ward_signer: ReportSigner = Field(default_factory=ReportSigner)
    final_signer: ReportSigner | None = None  # the closing summary's; the ward's when unset
    team_signer_title: list[str] = Field(default_factory=list)  # e.g. ["TỔ TRƯỞNG"]
    team_signers: dict[str, str] = Field(default_factory=dict)  # team name → signer's name


class HelpPoint(BaseModel):
    """Where and when residents get help in person, and how to reach the ward
    (``help_point:`` in content/ward.yaml). Only the ward can say: every value is unset
    until the ward office fills it in, and an unset value is never mentioned."""

    place: str = ""
    hours: str = ""
    hotline: str = ""
    zalo_oa: str = ""

    @field_validator("zalo_oa")
    @classmethod
    def _https(cls, v: str) -> str:
        if v and not v.startswith("https://"):
            raise ValueError("zalo_oa must be an https:// link")
        return v


class WardFile(BaseModel):
    name: str
    city: str
    office: str
    team_name: str
    areas: list[str] = Field(default_factory=list)  # the ward's to fill; unset: typed freely
    help_point: HelpPoint = Field(default_factory=HelpPoint)
    teams: list[str] = Field(min_length=1)
    # who hands out campaign links and QR codes (suggested for a source's organisation)
    source_organisations: list[str] = Field(default_factory=list)
    privacy: Privacy
    lead_reminder_hours: int = Field(ge=1)
    reports: ReportsConfig = Field(default_factory=ReportsConfig)

    @field_validator("reports", "help_point", mode="before")
    @classmethod
    def _section_unset(cls, v: Any) -> Any:
        return {} if v is None else v  # a section with every line commented out

    @field_validator("areas", mode="before")
    @classmethod
    def _areas_unset(cls, v: Any) -> Any:
        return [] if v is None else v


class UnderstandingFile(BaseModel):
    choices: dict[str, list[str]]
    commands: dict[str, list[str]]
    faq: FaqVocabulary = Field(default_factory=FaqVocabulary)  # how FAQ questions are read
    reading: ReadingWords = Field(default_factory=ReadingWords)  # how any message is read


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


def vn_money(value: int, separator: str = ".") -> str:
    """An amount with its thousands separated: 50.000 (or ``|money(",")``: 50,000)."""
    return f"{value:,}".replace(",", separator)


@dataclass(frozen=True)
class Content:
    root: Path
    program: ProgramFile
    ward: WardFile
    faq: FaqIndex
    phrases: Phrasebook
    chat: dict[str, jinja2.Environment]  # per language, templates by key
    pages: jinja2.Environment
    plan: PlanFile  # content/plan.yaml: the ward plan's targets and tasks
    _plain: dict[tuple[str, str, date | None], str] = field(
        default_factory=dict, compare=False, repr=False
    )  # texts that depend on nothing but the day, rendered once

    @property
    def rules(self) -> ProgramRules:
        return self.program.rules

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


def _common(program: ProgramFile, ward: WardFile) -> dict[str, Any]:
    """What every template sees besides its own parameters."""
    return {"program": program, "ward": ward, "rules": program.rules}


def text_templates(
    program: ProgramFile, ward: WardFile, templates: dict[str, str] | None = None
) -> jinja2.Environment:
    """The plain-text Jinja2 environment of chat messages and FAQ answers: never HTML,
    strict about undefined names, with ``program``, ``ward`` and ``rules`` as globals and
    the ``vndate`` and ``money`` filters; ``templates`` are its named templates (by key)."""
    named = templates if templates is not None else {}
    env = jinja2.Environment(  # plain text for chat: never HTML  # noqa: S701
        loader=jinja2.FunctionLoader(lambda name: named.get(name)),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters.update(vndate=vn_date, money=vn_money)
    env.globals.update(_common(program, ward))
    return env


ROUTE = "route.steps"  # the one way to register, in vi/messages.yaml and en/messages.yaml


def faq_templates(
    program: ProgramFile, ward: WardFile, chat: dict[str, jinja2.Environment]
) -> jinja2.Environment:
    """The environment FAQ answers are rendered in: :func:`text_templates`, plus ``route``,
    the registration steps per language exactly as the chat's offers give them (so an answer
    writes ``{{ route.vi }}`` and never a second version of the steps)."""
    env = text_templates(program, ward)
    env.globals["route"] = {
        lang: e.get_template(ROUTE).render().strip() for lang, e in chat.items()
    }
    return env


def _chat_env(
    folder: Path, program: ProgramFile, ward: WardFile
) -> tuple[jinja2.Environment, set[str]]:
    """One language's words: every ``*.yaml`` in its folder (``messages.yaml`` for the chat,
    ``office.yaml`` … for the ward office), one catalogue; a key defined twice is an error."""
    templates: dict[str, str] = {}
    env = text_templates(program, ward, templates)
    where: dict[str, Path] = {}
    files = sorted(folder.glob("*.yaml"))
    if not files:
        raise ContentError(folder / "messages.yaml", None, "no message files in this folder")
    for path in files:
        data, node = read_yaml(path)
        if not isinstance(data, dict):
            raise ContentError(path, 1, "expected a mapping of message keys to texts")
        try:
            flat = _flatten(data)
        except TypeError as exc:
            raise ContentError(path, None, str(exc)) from exc
        for key, (tpl, ypath) in flat.items():
            line = line_of(node, ypath)
            if key in where:
                raise ContentError(path, line, f"{key}: already defined in {where[key].name}")
            if not isinstance(tpl, str):
                raise ContentError(path, line, f"{key}: expected text, found {type(tpl).__name__}")
            try:
                env.parse(tpl)
            except jinja2.TemplateSyntaxError as exc:
                raise ContentError(path, line, f"{key}: template error: {exc.message}") from exc
            templates[key] = tpl
            where[key] = path
    return env, set(templates)


def check_pages(content: Content) -> None:
    """Compile every page of content/pages once (``hiendien run`` does, before it serves),
    so a syntax error stops the start naming its file and line, not a request for that
    page later; ContentError on the first."""
    for name in content.pages.list_templates():
        try:
            content.pages.get_template(name)
        except jinja2.TemplateSyntaxError as exc:
            path = content.root / "pages" / name
            raise ContentError(path, exc.lineno, f"template error: {exc.message}") from exc


def load_content(root: Path) -> Content:
    """Read and check every content file; raise ContentError on the first problem."""
    program, _ = load_model(root / "program.yaml", ProgramFile)
    plan, _ = load_model(root / "plan.yaml", PlanFile)
    ward, ward_node = load_model(root / "ward.yaml", WardFile)
    words, _ = load_model(root / "understanding.yaml", UnderstandingFile)
    if len(set(ward.areas)) != len(ward.areas):
        line = line_of(ward_node, ("areas",))
        raise ContentError(root / "ward.yaml", line, "areas: a tổ dân phố is listed twice")
    chat: dict[str, jinja2.Environment] = {}
    keys: dict[str, set[str]] = {}
    for lang in LANGUAGES:
        chat[lang], keys[lang] = _chat_env(root / lang, program, ward)
    first, *others = keys.values()
    missing = first.union(*others) - first.intersection(*others)
    if missing:
        raise ContentError(
            root / LANGUAGES[-1],
            None,
            " and ".join(LANGUAGES)
            + " must have the same messages; differing keys: "
            + ", ".join(sorted(missing)),
        )
    faq = load_faq(root / "faq.yaml", words.faq, program.rules, faq_templates(program, ward, chat))
    pages = jinja2.Environment(
        loader=jinja2.FileSystemLoader(root / "pages"),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
    )
    pages.globals.update(_common(program, ward))
    pages.filters.update(money=vn_money)  # 1.250 (|money(",") for 1,250 in English)
    content = Content(
        root,
        program,
        ward,
        faq,
        Phrasebook.build(words.choices, words.commands, words.reading),
        chat,
        pages,
        plan,
    )
    return content
