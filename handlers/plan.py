"""The ward's plan (``content/plan.yaml``) as one model: its targets, its reporting days, the
sections and the tasks of its appendix ("Phụ lục nhiệm vụ, giải pháp").

:class:`PlanFile` is read by :func:`handlers.content.load_content` (``content.plan``) and
checked there: a broken plan stops the start naming the line. The progress numbers
(db.progress), the office's progress page and the quarterly reports all read it from here.
A target is a band (``[50, 60]``: from 50% to 60%) or one number (100: all of them);
:func:`band` says where a percentage stands against it. Imports only the standard library
and pydantic.
"""

from __future__ import annotations

from datetime import date
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

# What a task's result is counted from when hiendien knows it (plan.yaml's header lists them)
Measure = Literal[
    "training_held",
    "news_sent",
    "schools_reached",
    "proposal_biz",
    "registry_shared",
    "residents_supported",
    "registrations",
    "reports_submitted",
]
MEASURES: tuple[str, ...] = get_args(Measure)

Target = tuple[int, int] | int  # a band [low, high] in percent, or one number
Band = Literal["below", "within", "above"]


def band(value: float | None, target: Target) -> Band | None:
    """Where ``value`` stands against ``target``: below the band, within it, or above it.
    One number is a band of one point (``100``: exactly 100 is within). None for no value."""
    if value is None:
        return None
    low, high = target if isinstance(target, tuple) else (target, target)
    if value < low:
        return "below"
    return "above" if value > high else "within"


def _checked_band(value: Target) -> Target:
    if isinstance(value, tuple):
        low, high = value
        if not 0 <= low <= high:
            raise ValueError("a band is [low, high] with 0 ≤ low ≤ high")
    elif value < 0:
        raise ValueError("a target is not negative")
    return value


class Targets(BaseModel):
    """The plan's outcomes (II.2, II.1.b): percentages of the eligible, and news a month."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id_vn_percent: Target
    biz_vn_percent: Target
    businesses_reached_percent: Target
    schools_reached_percent: Target
    news_per_month: int = Field(ge=0)

    @field_validator(
        "id_vn_percent", "biz_vn_percent", "businesses_reached_percent", "schools_reached_percent"
    )
    @classmethod
    def _band(cls, v: Target) -> Target:
        return _checked_band(v)


class Reporting(BaseModel):
    """When reports are due: days of the quarter's last month."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    team_before_day: int = Field(ge=1, le=28)
    ward_before_day: int = Field(ge=1, le=28)
    remind_leaders_day: int = Field(ge=1, le=28)
    final_report: str = Field(min_length=1)

    @model_validator(mode="after")
    def _in_order(self) -> Reporting:
        if not self.remind_leaders_day < self.team_before_day <= self.ward_before_day:
            raise ValueError("remind_leaders_day < team_before_day ≤ ward_before_day")
        return self


class Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str = Field(min_length=1)
    title: str = Field(min_length=1)


class Task(BaseModel):
    """One row of the appendix: what, the target (chỉ tiêu), the unit in charge, the partner
    units, when (as the plan words it) and, where the plan gives one, the last day."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str = Field(min_length=1, max_length=16)
    task: str = Field(min_length=1)
    target: str = Field(min_length=1)
    lead_unit: str = Field(min_length=1)
    partners: tuple[str, ...] = ()
    when: str = Field(min_length=1)
    deadline: date | None = None
    expected_result: str | None = None
    measure: Measure | None = None
    news: bool = False  # hand-recorded evidence of this task counts as news sent

    @property
    def section(self) -> str:
        """The code of the section the task belongs to: "II" for "II.3"."""
        return self.code.split(".", 1)[0]


class PlanFile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    title: str = Field(min_length=1)
    horizon: date
    targets: Targets
    reporting: Reporting
    sections: tuple[Section, ...] = Field(min_length=1)
    tasks: tuple[Task, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _codes(self) -> PlanFile:
        sections = [s.code for s in self.sections]
        if len(set(sections)) != len(sections):
            raise ValueError("sections: a code is listed twice")
        codes = [t.code for t in self.tasks]
        twice = sorted({c for c in codes if codes.count(c) > 1})
        if twice:
            raise ValueError(f"tasks: code listed twice: {', '.join(twice)}")
        orphans = [t.code for t in self.tasks if t.section not in sections]
        if orphans:
            raise ValueError(f"tasks: no section for {', '.join(orphans)}")
        return self

    def task(self, code: str) -> Task | None:
        return next((t for t in self.tasks if t.code == code), None)

    @property
    def news_tasks(self) -> tuple[str, ...]:
        """The codes of the tasks whose evidence counts as news sent (``news: true``)."""
        return tuple(t.code for t in self.tasks if t.news)
